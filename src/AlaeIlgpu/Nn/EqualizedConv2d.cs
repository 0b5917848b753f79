using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Nn;

/// <summary>What an <see cref="EqualizedConv2d"/> does to the resolution.</summary>
public enum ConvResampling
{
    /// <summary>A stride-1 "same" convolution (padding K / 2): [N, Cin, H, W] -> [N, Cout, H, W].</summary>
    None,

    /// <summary>
    /// StyleALAE's fused 2x downsampling (E, 128 px and above): a stride-2 conv with the (K + 1) x (K + 1) kernel averaged
    /// from the K x K weight (<see cref="Conv2dOp.FusedDownsample"/>): [N, Cin, 2H, 2W] -> [N, Cout, H, W].
    /// </summary>
    FusedDownsample,

    /// <summary>
    /// StyleALAE's fused 2x upsampling (G, 128 px and above): a stride-2 transposed conv with the kernel summed from the
    /// K x K weight (<see cref="Conv2dOp.FusedUpsample"/>): [N, Cin, H, W] -> [N, Cout, 2H, 2W]. The weight is stored
    /// [Cin, Cout, K, K], the transposed-conv layout of ALAE's checkpoints.
    /// </summary>
    FusedUpsample,
}

/// <summary>
/// A K x K convolution layer with the equalized learning rate, as ALAE's lreq.Conv2d / lreq.ConvTranspose2d: the
/// He constant is gain / sqrt(K * K * Cin) (the fan-in of the K x K weight even when a fused 2x resampling turns it
/// into a (K + 1) x (K + 1) kernel), the bias starts at 0, and <see cref="EqualizationMode"/> chooses between ALAE's
/// implicit scaling (the default: He-scaled weights, scaled optimizer steps) and StyleGAN's runtime scaling.
/// </summary>
public sealed class EqualizedConv2d : Module
{
    private readonly EqualizedScales _weightScales;
    private readonly EqualizedScales _biasScales;

    /// <summary>Creates the layer on <paramref name="backend"/>, drawing its weight from <paramref name="random"/>.</summary>
    /// <exception cref="ArgumentException">The kernel size is even or not positive, or a channel count is not positive.</exception>
    public EqualizedConv2d(Backend backend, RandomGenerator random, int inChannels, int outChannels, int kernelSize,
                           float gain = 1.41421356f, float lrMultiplier = 1f, bool bias = true,
                           ConvResampling resampling = ConvResampling.None, EqualizationMode mode = EqualizationMode.Implicit)
    {
        if (kernelSize <= 0 || kernelSize % 2 == 0 || inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException($"EqualizedConv2d needs positive channels and an odd kernel size; got {inChannels} -> {outChannels}, kernel {kernelSize}.");
        (InChannels, OutChannels, KernelSize, Resampling, Mode) = (inChannels, outChannels, kernelSize, resampling, mode);
        _weightScales = EqualizedScales.Weight(gain, kernelSize * kernelSize * inChannels, lrMultiplier, mode);
        _biasScales = EqualizedScales.Bias(lrMultiplier, mode);
        int[] shape = resampling == ConvResampling.FusedUpsample
            ? [inChannels, outChannels, kernelSize, kernelSize]
            : [outChannels, inChannels, kernelSize, kernelSize];
        using (new TensorScope())
        {
            var w = Tensor.RandomNormal(backend, random, shape) * _weightScales.Init;
            Weight = AddParameter("weight", w, _weightScales.Step);
        }
        if (bias) Bias = AddParameter("bias", Tensor.Zeros(backend, outChannels), _biasScales.Step);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Side K of the stored K x K weight.</summary>
    public int KernelSize { get; }

    /// <summary>Whether the layer keeps, halves or doubles the resolution.</summary>
    public ConvResampling Resampling { get; }

    /// <summary>How the equalized learning rate is realised.</summary>
    public EqualizationMode Mode { get; }

    /// <summary>The stored weight: [Cout, Cin, K, K], or [Cin, Cout, K, K] for <see cref="ConvResampling.FusedUpsample"/>.</summary>
    public Parameter Weight { get; }

    /// <summary>[Cout] bias, as stored, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>The K x K weight the forward pass uses: the stored one, times c in runtime mode.</summary>
    public Tensor EffectiveWeight() => _weightScales.Apply(Weight.Value);

    /// <summary>x [N, Cin, H, W] -> [N, Cout, H', W'] with H' = H, H / 2 or 2H by <see cref="Resampling"/>.</summary>
    /// <exception cref="ArgumentException">x does not fit the layer (the message names the shapes).</exception>
    public Tensor Forward(Tensor x)
    {
        var w = EffectiveWeight();
        var b = Bias is null ? null : _biasScales.Apply(Bias.Value);
        return Resampling switch
        {
            ConvResampling.FusedDownsample => Conv2dOp.FusedDownsample(x, w, b),
            ConvResampling.FusedUpsample => Conv2dOp.FusedUpsample(x, w, b),
            _ => Conv2dOp.Conv2d(x, w, b, stride: 1, padding: KernelSize / 2),
        };
    }
}
