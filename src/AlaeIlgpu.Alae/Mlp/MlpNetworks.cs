using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>Widths and slopes of the MLP ALAE (the official code's mnist_ref branch; docs/config.md lists them).</summary>
/// <param name="Pixels">Input/output vector length (784 for 28x28 digits).</param>
/// <param name="Latent">dim z = dim w (50).</param>
/// <param name="Hidden">Hidden width of E and G (1024).</param>
/// <param name="MappingLayers">Linear layers in F (6).</param>
/// <param name="DiscriminatorLayers">Linear layers in D (3).</param>
/// <param name="MappingSlope">Leaky ReLU slope in F (0.2).</param>
/// <param name="EncoderHiddenSlope">Leaky ReLU slope after E's hidden layers (0.2).</param>
/// <param name="EncoderOutputSlope">Leaky ReLU slope after E's output layer (PyTorch's default 0.01).</param>
/// <param name="GeneratorHiddenSlope">Leaky ReLU slope after G's hidden layers (0.01).</param>
/// <param name="MappingLrMultiplier">Learning-rate multiplier of F's layers (0.1).</param>
/// <param name="DiscriminatorLrMultiplier">Learning-rate multiplier of D's layers (0.1).</param>
public sealed record MlpShape(int Pixels, int Latent, int Hidden, int MappingLayers, int DiscriminatorLayers,
                              float MappingSlope, float EncoderHiddenSlope, float EncoderOutputSlope, float GeneratorHiddenSlope,
                              float MappingLrMultiplier, float DiscriminatorLrMultiplier);

/// <summary>F: z -> w. Pixel norm, then <c>MappingLayers</c> x [equalized linear (lr x0.1) + leaky ReLU 0.2].</summary>
public sealed class MappingF : Module
{
    private const float PixelNormEpsilon = 1e-8f;
    private readonly EqualizedLinear[] _layers;
    private readonly float _slope;

    /// <summary>Builds F.</summary>
    public MappingF(Backend backend, RandomGenerator random, MlpShape s)
    {
        _slope = s.MappingSlope;
        _layers = Enumerable.Range(0, s.MappingLayers)
            .Select(i => AddModule($"layers.{i}", new EqualizedLinear(backend, random, s.Latent, s.Latent, lrMultiplier: s.MappingLrMultiplier)))
            .ToArray();
    }

    /// <summary>z [B, latent] -> w [B, latent].</summary>
    public Tensor Forward(Tensor z)
    {
        // pixel norm: z / sqrt(mean(z^2) + eps) per sample
        var x = z * ElementwiseOp.Rsqrt(ReduceOp.Mean(ElementwiseOp.Square(z), [1], keepDims: true) + PixelNormEpsilon);
        foreach (var layer in _layers) x = layer.Forward(x, _slope);
        return x;
    }
}

/// <summary>G: w -> x. latent -> hidden -> hidden -> pixels, leaky ReLU 0.01 after the hidden layers, linear output.</summary>
public sealed class GeneratorG : Module
{
    private readonly EqualizedLinear _fc1, _fc2, _fc3;
    private readonly float _slope;

    /// <summary>Builds G.</summary>
    public GeneratorG(Backend backend, RandomGenerator random, MlpShape s)
    {
        _slope = s.GeneratorHiddenSlope;
        _fc1 = AddModule("fc1", new EqualizedLinear(backend, random, s.Latent, s.Hidden));
        _fc2 = AddModule("fc2", new EqualizedLinear(backend, random, s.Hidden, s.Hidden));
        _fc3 = AddModule("fc3", new EqualizedLinear(backend, random, s.Hidden, s.Pixels));
    }

    /// <summary>w [B, latent] -> x [B, pixels].</summary>
    public Tensor Forward(Tensor w)
    {
        var h = _fc1.Forward(w, _slope);
        h = _fc2.Forward(h, _slope);
        return _fc3.Forward(h);
    }
}

/// <summary>
/// E: x -> w. pixels -> hidden (leaky ReLU 0.2) -> hidden (leaky ReLU 0.2: the "long" feature) -> latent
/// (leaky ReLU 0.01: the "short" feature, which is w).
/// </summary>
public sealed class EncoderE : Module
{
    private readonly EqualizedLinear _fc1, _fc2, _fc3;
    private readonly float _hiddenSlope, _outputSlope;

    /// <summary>Builds E.</summary>
    public EncoderE(Backend backend, RandomGenerator random, MlpShape s)
    {
        (_hiddenSlope, _outputSlope) = (s.EncoderHiddenSlope, s.EncoderOutputSlope);
        _fc1 = AddModule("fc1", new EqualizedLinear(backend, random, s.Pixels, s.Hidden));
        _fc2 = AddModule("fc2", new EqualizedLinear(backend, random, s.Hidden, s.Hidden));
        _fc3 = AddModule("fc3", new EqualizedLinear(backend, random, s.Hidden, s.Latent));
    }

    /// <summary>x [B, pixels] -> w [B, latent].</summary>
    public Tensor Forward(Tensor x) => Features(x).Short;

    /// <summary>x [B, pixels] -> (long [B, hidden], short [B, latent]) features for the representation evaluation.</summary>
    public (Tensor Long, Tensor Short) Features(Tensor x)
    {
        var h = _fc1.Forward(x, _hiddenSlope);
        var longFeature = _fc2.Forward(h, _hiddenSlope);
        return (longFeature, _fc3.Forward(longFeature, _outputSlope));
    }
}

/// <summary>
/// D: w -> logit. <c>DiscriminatorLayers</c> equalized linear layers latent -> latent (lr x0.1) with no activations,
/// as the official code (so D is affine in w); the logit is output unit 0.
/// </summary>
public sealed class DiscriminatorD : Module
{
    private readonly EqualizedLinear[] _layers;

    /// <summary>Builds D.</summary>
    public DiscriminatorD(Backend backend, RandomGenerator random, MlpShape s) =>
        _layers = Enumerable.Range(0, s.DiscriminatorLayers)
            .Select(i => AddModule($"layers.{i}", new EqualizedLinear(backend, random, s.Latent, s.Latent, lrMultiplier: s.DiscriminatorLrMultiplier)))
            .ToArray();

    /// <summary>w [B, latent] -> logit [B, 1].</summary>
    public Tensor Forward(Tensor w)
    {
        var x = w;
        foreach (var layer in _layers) x = layer.Forward(x);
        return ShapeOp.Slice(x, 1, 0, 1);
    }
}
