namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// The architecture of a StyleALAE (official <c>Model</c> arguments): G has
/// <paramref name="LayerCount"/> blocks at 4, 8, ..., 2^(LayerCount+1) pixels, E mirrors them, F and D are
/// latent-wide MLPs.
/// </summary>
/// <param name="LayerCount">Resolution blocks (official LAYER_COUNT).</param>
/// <param name="StartChannels">Channels at the top resolution (START_CHANNEL_COUNT).</param>
/// <param name="MaxChannels">Channel cap (MAX_CHANNEL_COUNT).</param>
/// <param name="LatentSize">dim z = dim w (LATENT_SPACE_SIZE).</param>
/// <param name="MappingLayers">Layers of F (MAPPING_LAYERS); D always has 3.</param>
/// <param name="Channels">Image channels (1 or 3).</param>
/// <param name="Variant">G's style mechanism (the official one is <see cref="GeneratorVariant.AdaIn"/>).</param>
public sealed record StyleAlaeShape(int LayerCount, int StartChannels, int MaxChannels, int LatentSize, int MappingLayers, int Channels,
                                    GeneratorVariant Variant = GeneratorVariant.AdaIn)
{
    /// <summary>Layers of D (fixed to 3 by the official <c>Model</c>).</summary>
    public const int DiscriminatorLayers = 3;

    /// <summary>Resolutions from this one up use the fused 2x resampling convolutions.</summary>
    public const int FusedResolution = 128;

    /// <summary>Style slots of G: two per block.</summary>
    public int StyleSlots => 2 * LayerCount;

    /// <summary>The top output resolution, 2^(LayerCount+1).</summary>
    public int TopResolution => Resolution(LayerCount - 1);

    /// <summary>The image side at level of detail <paramref name="lod"/> (0 = 4 px): 2^(lod+2).</summary>
    public static int Resolution(int lod) => 4 << lod;

    /// <summary>Channels of G's block <paramref name="block"/> (0 = 4x4): min(max, start * 2^(LayerCount-1-block)).</summary>
    public int GeneratorChannels(int block) => Capped(LayerCount - 1 - block);

    /// <summary>Input channels of E's block <paramref name="block"/> (0 = full resolution): min(max, start * 2^block).</summary>
    public int EncoderInputChannels(int block) => Capped(block);

    /// <summary>Output channels of E's block <paramref name="block"/>: min(max, start * 2^(block+1)).</summary>
    public int EncoderOutputChannels(int block) => Capped(block + 1);

    /// <summary>Throws unless <paramref name="lod"/> is a level of detail of this shape.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is outside [0, LayerCount).</exception>
    public void RequireLod(int lod)
    {
        if (lod < 0 || lod >= LayerCount)
            throw new ArgumentOutOfRangeException(nameof(lod), $"level of detail {lod} is outside [0, {LayerCount - 1}] for {LayerCount} layers.");
    }

    private int Capped(int doublings) => (int)Math.Min(MaxChannels, (long)StartChannels << doublings);
}
