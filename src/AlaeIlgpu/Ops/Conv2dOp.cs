using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Ops;

/// <summary>
/// Differentiable 2D convolution (NCHW cross-correlation, like PyTorch's <c>conv2d</c>), transposed convolution, and
/// StyleALAE's fused 2x down- and upsampling convolutions.
/// </summary>
/// <remarks>
/// One convolution has three passes, and each is a differentiable op whose derivatives are the other two. With
/// y = conv(x, w), input-grad the adjoint of conv in x and weight-grad the adjoint of conv in w:
/// <list type="bullet">
/// <item><c>conv(x, w)</c>: dx = input-grad(dy, w), dw = weight-grad(x, dy).</item>
/// <item><c>input-grad(dy, w)</c> (bilinear, &lt;G, input-grad(dy, w)&gt; = &lt;conv(G, w), dy&gt;):
/// d dy = conv(G, w), dw = weight-grad(G, dy).</item>
/// <item><c>weight-grad(x, dy)</c> (bilinear, &lt;G, weight-grad(x, dy)&gt; = &lt;conv(x, G), dy&gt;):
/// dx = input-grad(dy, G), d dy = conv(x, G).</item>
/// </list>
/// So gradients of gradients (R1) need no further kernels. A transposed convolution is input-grad of the convolution
/// it is the adjoint of. The bias gradient is a sum over batch and positions.
/// </remarks>
public static class Conv2dOp
{
    /// <summary>
    /// y [N, Cout, Ho, Wo] = conv2d(x [N, Cin, H, W], weight [Cout, Cin, Kh, Kw]) + bias [Cout], with zero padding on
    /// all four sides and Ho = (H + 2 padding - Kh) / stride + 1.
    /// </summary>
    /// <exception cref="ArgumentException">Ranks, channels, stride (1 or 2), padding or the kernel size do not fit; the
    /// message names the shapes.</exception>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0)
    {
        ElementwiseOp.RequireSameBackend(x, weight, "conv2d");
        var g = Conv2dGeometry.Create(x.Shape.Dims, weight.Shape.Dims, stride, padding);
        if (bias is not null) RequireBias(bias, weight, g.OutChannels, "conv2d");
        return Forward(x, weight, bias, g);
    }

    /// <summary>
    /// Transposed convolution (PyTorch <c>conv_transpose2d</c>, output padding 0): x [N, Cin, H, W] with weight
    /// [Cin, Cout, K, K] gives [N, Cout, (H - 1) stride - 2 padding + K, ...], plus bias [Cout]. It is the input gradient
    /// of the convolution that maps its output back to x's shape.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not fit (the message names them).</exception>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0)
    {
        ElementwiseOp.RequireSameBackend(x, weight, "conv-transpose2d");
        var g = Conv2dGeometry.ForTransposed(x.Shape.Dims, weight.Shape.Dims, stride, padding);
        if (bias is null) return InputGradient(x, weight, g);
        RequireBias(bias, weight, g.InChannels, "conv-transpose2d");
        return InputGradient(x, weight, g) + ShapeOp.Reshape(bias, 1, g.InChannels, 1, 1);
    }

    /// <summary>
    /// dx [N, Cin, H, W] of the convolution <paramref name="geometry"/> for an output gradient dy [N, Cout, Ho, Wo] and
    /// weight [Cout, Cin, Kh, Kw]: the adjoint of <see cref="Conv2d"/> in x, itself differentiable in dy and weight.
    /// </summary>
    /// <exception cref="ArgumentException">dy or weight is not shaped as the geometry says.</exception>
    public static Tensor InputGradient(Tensor dy, Tensor weight, Conv2dGeometry geometry)
    {
        var g = geometry;
        ElementwiseOp.RequireSameBackend(dy, weight, "conv2d input gradient");
        RequireShape(dy, OutputShape(g), "conv2d input gradient", "dy", g);
        RequireShape(weight, WeightShape(g), "conv2d input gradient", "weight", g);
        var dx = Tensor.Empty(dy.Backend, InputShape(g));
        dy.Backend.Conv2dInputGradient(dy.Storage, weight.Storage, dx.Storage, g);
        return Autograd.Record(dx, "conv2d-input-grad", [dy, weight], gx =>
            [Autograd.NeedsGrad(dy) ? Forward(gx, weight, null, g) : null,
             Autograd.NeedsGrad(weight) ? WeightGradient(gx, dy, g) : null]);
    }

    /// <summary>
    /// dw [Cout, Cin, Kh, Kw] = sum over the batch of dy (*) x for the convolution <paramref name="geometry"/>: the
    /// adjoint of <see cref="Conv2d"/> in the weight, itself differentiable in x and dy.
    /// </summary>
    /// <exception cref="ArgumentException">x or dy is not shaped as the geometry says.</exception>
    public static Tensor WeightGradient(Tensor x, Tensor dy, Conv2dGeometry geometry)
    {
        var g = geometry;
        ElementwiseOp.RequireSameBackend(x, dy, "conv2d weight gradient");
        RequireShape(x, InputShape(g), "conv2d weight gradient", "x", g);
        RequireShape(dy, OutputShape(g), "conv2d weight gradient", "dy", g);
        var dw = Tensor.Empty(x.Backend, WeightShape(g));
        x.Backend.Conv2dWeightGradient(x.Storage, dy.Storage, dw.Storage, null, g);
        return Autograd.Record(dw, "conv2d-weight-grad", [x, dy], gw =>
            [Autograd.NeedsGrad(x) ? InputGradient(dy, gw, g) : null,
             Autograd.NeedsGrad(dy) ? Forward(x, gw, null, g) : null]);
    }

    /// <summary>
    /// StyleALAE's fused 2x downsampling convolution (used at 128 px and above): a stride-2 convolution, padding
    /// (K - 1) / 2, with the (K + 1) x (K + 1) kernel <see cref="FusedDownsampleKernel"/> of the K x K weight
    /// [Cout, Cin, K, K]. [N, Cin, 2H, 2W] -> [N, Cout, H, W].
    /// </summary>
    /// <exception cref="ArgumentException">x's height or width is odd, or the shapes do not fit.</exception>
    public static Tensor FusedDownsample(Tensor x, Tensor weight, Tensor? bias = null)
    {
        if (x.Shape.Rank == 4 && (x.Shape[2] % 2 != 0 || x.Shape[3] % 2 != 0))
            throw new ArgumentException($"fused 2x downsampling conv needs an even height and width; x is {x.Shape}, weight {weight.Shape}.");
        return Conv2d(x, FusedDownsampleKernel(weight), bias, stride: 2, padding: (KernelSize(weight, "fused downsampling") - 1) / 2);
    }

    /// <summary>
    /// StyleALAE's fused 2x upsampling convolution (used at 128 px and above): a stride-2 transposed convolution, padding
    /// (K - 1) / 2, with the kernel <see cref="FusedUpsampleKernel"/> of the K x K weight [Cin, Cout, K, K].
    /// [N, Cin, H, W] -> [N, Cout, 2H, 2W].
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static Tensor FusedUpsample(Tensor x, Tensor weight, Tensor? bias = null) =>
        ConvTranspose2d(x, FusedUpsampleKernel(weight), bias, stride: 2, padding: (KernelSize(weight, "fused upsampling") - 1) / 2);

    /// <summary>
    /// The (K + 1) x (K + 1) kernel of a fused downsampling conv: the K x K weight placed at the four 2x2 shifts and
    /// averaged (x 0.25), so that the stride-2 conv equals 2x2 average pooling after the K x K conv (blur aside).
    /// </summary>
    public static Tensor FusedDownsampleKernel(Tensor weight) => ShiftSum(weight, "fused downsampling") * 0.25f;

    /// <summary>
    /// The (K + 1) x (K + 1) kernel of a fused upsampling transposed conv: the K x K weight placed at the four 2x2
    /// shifts and summed (no averaging), so that the stride-2 transposed conv equals nearest 2x upsampling followed by a
    /// K x K conv whose weight is this one flipped with its channel axes swapped (a transposed conv's weight layout).
    /// </summary>
    public static Tensor FusedUpsampleKernel(Tensor weight) => ShiftSum(weight, "fused upsampling");

    private static Tensor Forward(Tensor x, Tensor weight, Tensor? bias, Conv2dGeometry g)
    {
        var y = Tensor.Empty(x.Backend, OutputShape(g));
        x.Backend.Conv2dForward(x.Storage, weight.Storage, bias?.Storage, y.Storage, g);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record(y, "conv2d", inputs, gy =>
        {
            var grads = new Tensor?[inputs.Length];
            if (Autograd.NeedsGrad(x)) grads[0] = InputGradient(gy, weight, g);
            if (Autograd.NeedsGrad(weight)) grads[1] = WeightGradient(x, gy, g);
            if (bias is not null && Autograd.NeedsGrad(bias)) grads[2] = ReduceOp.Sum(gy, [0, 2, 3]);
            return grads;
        });
    }

    // sum over (dy, dx) in {0, 1}^2 of the weight zero-padded to (K + 1) x (K + 1) at offset (dy, dx).
    private static Tensor ShiftSum(Tensor weight, string op)
    {
        int k = KernelSize(weight, op);
        Tensor? sum = null;
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                var shifted = ShapeOp.Pad(ShapeOp.Pad(weight, 2, dy, k + 1), 3, dx, k + 1);
                sum = sum is null ? shifted : sum + shifted;
            }
        return sum!;
    }

    private static int KernelSize(Tensor weight, string op)
    {
        if (weight.Shape.Rank != 4 || weight.Shape[2] != weight.Shape[3] || weight.Shape[2] % 2 == 0)
            throw new ArgumentException($"{op} needs a square odd-sized weight [C, C', K, K]; got {weight.Shape}.");
        return weight.Shape[2];
    }

    private static void RequireBias(Tensor bias, Tensor weight, int channels, string op)
    {
        ElementwiseOp.RequireSameBackend(bias, weight, op);
        if (!bias.Shape.Equals(new TensorShape(channels)))
            throw new ArgumentException($"{op}: weight {weight.Shape} needs a bias of shape [{channels}], got {bias.Shape}.");
    }

    private static void RequireShape(Tensor t, TensorShape expected, string op, string name, Conv2dGeometry g)
    {
        if (!t.Shape.Equals(expected))
            throw new ArgumentException($"{op}: {name} has shape {t.Shape}, expected {expected} for {g}.");
    }

    private static TensorShape InputShape(Conv2dGeometry g) => new(g.Batch, g.InChannels, g.Height, g.Width);

    private static TensorShape WeightShape(Conv2dGeometry g) => new(g.OutChannels, g.InChannels, g.KernelHeight, g.KernelWidth);

    private static TensorShape OutputShape(Conv2dGeometry g) => new(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth);
}
