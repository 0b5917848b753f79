namespace AlaeIlgpu.Alae.Style;

/// <summary>How G's blocks apply the style.</summary>
public enum GeneratorVariant
{
    /// <summary>The official StyleALAE generator (StyleGAN 1): instance norm, then AdaIN x * (1 + y_s) + y_b.</summary>
    AdaIn,

    /// <summary>StyleGAN 2's modulated and demodulated convolutions instead of instance norm and AdaIN (not in the paper).</summary>
    ModConv,
}
