using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Nn;

/// <summary>
/// A linear layer with the equalized learning rate, in ALAE's "implicit" mode by default: the weight is stored
/// He-scaled, initialised N(0, (gain / sqrt(in))^2), the bias starts at 0, and the optimizer scales the weight's steps
/// by c = gain / sqrt(in) * lrMultiplier and the bias's by lrMultiplier. Forward is a plain x w^T + b. The
/// <see cref="EqualizationMode.Runtime"/> mode (StyleGAN's) stores N(0, 1 / lrMultiplier^2) weights and multiplies them
/// by c in the forward pass instead; with Adam's scale invariance both give the same trajectory up to where eps enters.
/// </summary>
public sealed class EqualizedLinear : Module
{
    private readonly EqualizedScales _weightScales;
    private readonly EqualizedScales _biasScales;

    /// <summary>Creates the layer on <paramref name="backend"/>, drawing its weight from <paramref name="random"/>.</summary>
    public EqualizedLinear(Backend backend, RandomGenerator random, int inFeatures, int outFeatures,
                           float gain = 1.41421356f, float lrMultiplier = 1f, bool bias = true,
                           EqualizationMode mode = EqualizationMode.Implicit)
    {
        (InFeatures, OutFeatures, Mode) = (inFeatures, outFeatures, mode);
        _weightScales = EqualizedScales.Weight(gain, inFeatures, lrMultiplier, mode);
        _biasScales = EqualizedScales.Bias(lrMultiplier, mode);
        using (new TensorScope())
        {
            var w = Tensor.RandomNormal(backend, random, outFeatures, inFeatures) * _weightScales.Init;
            Weight = AddParameter("weight", w, _weightScales.Step);
        }
        if (bias) Bias = AddParameter("bias", Tensor.Zeros(backend, outFeatures), _biasScales.Step);
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>How the equalized learning rate is realised.</summary>
    public EqualizationMode Mode { get; }

    /// <summary>[out, in] weight, as stored.</summary>
    public Parameter Weight { get; }

    /// <summary>[out] bias, as stored, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>The weight the forward pass multiplies by: the stored one, times c in runtime mode.</summary>
    public Tensor EffectiveWeight() => _weightScales.Apply(Weight.Value);

    /// <summary>x [batch, in] -> [batch, out], through a leaky ReLU of <paramref name="negativeSlope"/> in the same GEMM (1: none).</summary>
    public Tensor Forward(Tensor x, float negativeSlope = 1f) =>
        MatMulOp.Linear(x, EffectiveWeight(), Bias is null ? null : _biasScales.Apply(Bias.Value), negativeSlope);
}
