using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Ops;

/// <summary>
/// StyleGAN2's modulated convolution with optional demodulation. Sample n is convolved (stride 1, padding K/2) with
/// its own weight <c>w'[n, o, i] = w[o, i] * s[n, i]</c> and, when demodulating, <c>w''[n, o, i] = w'[n, o, i] * d[n, o]</c>
/// with <c>d[n, o] = 1 / sqrt(sum over i, ky, kx of w'^2 + 1e-8)</c>, so every output channel has unit expected variance.
/// </summary>
/// <remarks>
/// The demodulation factors are computed by differentiable ops from w and s (a [N, Cout] matrix product), so their
/// gradients reach w and s through the tape. The convolution with the per-sample weights is one fused backend
/// primitive that never stores a per-sample weight: <c>y = d * conv2d(s * x, w)</c> per sample, whose backward gives
/// dx, dw, ds and dd in one call. When the backward pass is itself recorded (gradients of gradients), the same four
/// gradients are instead composed of <see cref="Conv2dOp"/>'s differentiable passes and elementwise ops, which costs
/// one more convolution and materialises <c>s * x</c> and <c>d * dy</c>.
/// </remarks>
public static class ModulatedConvOp
{
    /// <summary>Added to the sum of squared modulated weights before the inverse square root (StyleGAN2's value).</summary>
    public const float DemodulationEpsilon = 1e-8f;

    /// <summary>
    /// <c>y[n] = conv2d(x[n], w''[n])</c> with stride 1 and padding K/2: x [N, Cin, H, W], weight [Cout, Cin, K, K]
    /// (K odd), style [N, Cin] -> y [N, Cout, H, W].
    /// </summary>
    /// <param name="x">Input [N, Cin, H, W].</param>
    /// <param name="weight">Shared weight [Cout, Cin, K, K], K odd.</param>
    /// <param name="style">Per-sample input-channel scales [N, Cin] (from the style affine layer).</param>
    /// <param name="demodulate">Whether to normalise each sample's output channels by d.</param>
    /// <exception cref="ArgumentException">The shapes do not fit together or the tensors are on different backends;
    /// the message names the shapes.</exception>
    public static Tensor ModulatedConv2d(Tensor x, Tensor weight, Tensor style, bool demodulate = true)
    {
        var geometry = Geometry(x, weight, style);
        var demodulation = demodulate ? Demodulation(weight, style) : null;
        return Modulated(x, weight, style, demodulation, geometry);
    }

    /// <summary>
    /// The demodulation factors <c>d[n, o] = 1 / sqrt(sum_i s[n, i]^2 * sum_{ky, kx} w[o, i, ky, kx]^2 + 1e-8)</c>
    /// [N, Cout]: the inverse norm of each per-sample output filter, in differentiable ops.
    /// </summary>
    /// <param name="weight">Weight [Cout, Cin, K, K].</param>
    /// <param name="style">Style [N, Cin].</param>
    public static Tensor Demodulation(Tensor weight, Tensor style)
    {
        var filterEnergy = ReduceOp.Sum(ElementwiseOp.Square(weight), [2, 3]);                               // [Cout, Cin]
        var energy = MatMulOp.MatMul(ElementwiseOp.Square(style), filterEnergy, transB: true);             // [N, Cout]
        return ElementwiseOp.Rsqrt(energy + DemodulationEpsilon);
    }

    /// <summary>The fused primitive <c>y = d * conv2d(s * x, w)</c> with its first-order backward.</summary>
    private static Tensor Modulated(Tensor x, Tensor weight, Tensor style, Tensor? demodulation, Conv2dGeometry g)
    {
        var y = Tensor.Empty(x.Backend, new TensorShape(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth));
        x.Backend.ModulatedConv2d(x.Storage, weight.Storage, style.Storage, demodulation?.Storage, y.Storage, g);
        Tensor[] inputs = demodulation is null ? [x, weight, style] : [x, weight, style, demodulation];
        return Autograd.Record(y, "modulated conv2d", inputs, dy => Backward(inputs, y, dy, g));
    }

    private static Tensor?[] Backward(Tensor[] inputs, Tensor y, Tensor dy, Conv2dGeometry g)
    {
        if (Autograd.IsRecording) return ComposedBackward(inputs, dy, g);
        Tensor x = inputs[0], weight = inputs[1], style = inputs[2];
        Tensor? demodulation = inputs.Length > 3 ? inputs[3] : null;
        var gradients = new Tensor?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            gradients[i] = Autograd.NeedsGrad(inputs[i]) ? Tensor.Empty(x.Backend, inputs[i].Shape) : null;
        }

        x.Backend.ModulatedConv2dBackward(x.Storage, weight.Storage, style.Storage, demodulation?.Storage, y.Storage, dy.Storage,
            gradients[0]?.Storage, gradients[1]?.Storage, gradients[2]?.Storage, demodulation is null ? null : gradients[3]?.Storage, g);
        return gradients;
    }

    /// <summary>
    /// The fused backward in differentiable ops, for gradients of gradients: with <c>xs = s * x</c>, <c>gd = d * dy</c>
    /// and <c>u = conv_input_grad(gd, w)</c>: dx = s * u, dw = conv_weight_grad(xs, gd), ds = sum_p x * u and
    /// dd = sum_p dy * conv(xs, w).
    /// </summary>
    private static Tensor?[] ComposedBackward(Tensor[] inputs, Tensor dy, Conv2dGeometry g)
    {
        Tensor x = inputs[0], weight = inputs[1], style = inputs[2];
        bool demodulated = inputs.Length > 3, needDemodulation = demodulated && Autograd.NeedsGrad(inputs[3]);
        var styleScale = ShapeOp.Reshape(style, g.Batch, g.InChannels, 1, 1);
        var modulatedGradient = demodulated ? dy * ShapeOp.Reshape(inputs[3], g.Batch, g.OutChannels, 1, 1) : dy;
        var scaledInput = Autograd.NeedsGrad(weight) || needDemodulation ? x * styleScale : null;
        var u = Autograd.NeedsGrad(x) || Autograd.NeedsGrad(style) ? Conv2dOp.InputGradient(modulatedGradient, weight, g) : null;
        var gradients = new Tensor?[inputs.Length];
        gradients[0] = Autograd.NeedsGrad(x) ? u! * styleScale : null;
        gradients[1] = Autograd.NeedsGrad(weight) ? Conv2dOp.WeightGradient(scaledInput!, modulatedGradient, g) : null;
        gradients[2] = Autograd.NeedsGrad(style) ? ReduceOp.Sum(x * u!, [2, 3]) : null;
        if (needDemodulation) gradients[3] = ReduceOp.Sum(dy * Conv2dOp.Conv2d(scaledInput!, weight, padding: g.Padding), [2, 3]);
        return gradients;
    }

    private static Conv2dGeometry Geometry(Tensor x, Tensor weight, Tensor style)
    {
        ElementwiseOp.RequireSameBackend(x, weight, "modulated conv2d");
        ElementwiseOp.RequireSameBackend(x, style, "modulated conv2d");
        string shapes = $"x {x.Shape}, weight {weight.Shape}, style {style.Shape}";
        if (x.Shape.Rank != 4 || weight.Shape.Rank != 4 || style.Shape.Rank != 2)
            throw new ArgumentException($"modulated conv2d needs x [N, Cin, H, W], weight [Cout, Cin, K, K] and style [N, Cin]; got {shapes}.");
        int k = weight.Shape[2];
        if (weight.Shape[3] != k || k % 2 == 0)
            throw new ArgumentException($"modulated conv2d needs a square kernel of odd size (padding K/2 keeps the image size); got {shapes}.");
        if (style.Shape[0] != x.Shape[0] || style.Shape[1] != x.Shape[1])
            throw new ArgumentException($"modulated conv2d: the style must be [N, Cin] = [{x.Shape[0]}, {x.Shape[1]}]; got {shapes}.");
        return Conv2dGeometry.Create(x.Shape.Dims, weight.Shape.Dims, 1, k / 2);
    }
}
