namespace AlaeIlgpu.Kernels;

/// <summary>
/// Shape of one 2D convolution in NCHW layout: input <c>[N, Cin, H, W]</c>, weight <c>[Cout, Cin, Kh, Kw]</c>,
/// output <c>[N, Cout, Ho, Wo]</c> with <c>Ho = (H + 2*Padding - Kh) / Stride + 1</c> (and the same for the width).
/// Zero padding is symmetric. The struct is blittable so ILGPU kernels take it as a parameter.
/// </summary>
/// <remarks>
/// The same geometry describes the three passes of one convolution: the forward pass, the input gradient (a
/// transposed convolution from the output shape back to the input shape) and the weight gradient. A transposed
/// convolution is described by the geometry of the convolution it is the adjoint of (see <see cref="ForTransposed"/>).
/// </remarks>
public readonly struct Conv2dGeometry : IEquatable<Conv2dGeometry>
{
    /// <summary>Batch size N.</summary>
    public readonly int Batch;

    /// <summary>Input channels Cin.</summary>
    public readonly int InChannels;

    /// <summary>Input height H.</summary>
    public readonly int Height;

    /// <summary>Input width W.</summary>
    public readonly int Width;

    /// <summary>Output channels Cout.</summary>
    public readonly int OutChannels;

    /// <summary>Kernel height Kh.</summary>
    public readonly int KernelHeight;

    /// <summary>Kernel width Kw.</summary>
    public readonly int KernelWidth;

    /// <summary>Stride (1 or 2), the same along both axes.</summary>
    public readonly int Stride;

    /// <summary>Zero padding on each of the four sides.</summary>
    public readonly int Padding;

    private Conv2dGeometry(int batch, int inChannels, int height, int width, int outChannels,
        int kernelHeight, int kernelWidth, int stride, int padding)
    {
        Batch = batch;
        InChannels = inChannels;
        Height = height;
        Width = width;
        OutChannels = outChannels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Padding = padding;
    }

    /// <summary>Output height Ho.</summary>
    public int OutHeight => (Height + 2 * Padding - KernelHeight) / Stride + 1;

    /// <summary>Output width Wo.</summary>
    public int OutWidth => (Width + 2 * Padding - KernelWidth) / Stride + 1;

    /// <summary>Number of elements of the input <c>[N, Cin, H, W]</c>.</summary>
    public int InputLength => Batch * InChannels * Height * Width;

    /// <summary>Number of elements of the weight <c>[Cout, Cin, Kh, Kw]</c>.</summary>
    public int WeightLength => OutChannels * InChannels * KernelHeight * KernelWidth;

    /// <summary>Number of elements of the output <c>[N, Cout, Ho, Wo]</c>.</summary>
    public int OutputLength => Batch * OutChannels * OutHeight * OutWidth;

    /// <summary>
    /// Geometry of <c>conv2d(x, w)</c> from the shapes of x <c>[N, Cin, H, W]</c> and w <c>[Cout, Cin, Kh, Kw]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A shape is not of rank 4 or has a non-positive extent, the channel counts
    /// differ, the stride is not 1 or 2, the padding is negative or not smaller than the kernel, or the kernel is
    /// larger than the padded input. The message names both shapes.</exception>
    public static Conv2dGeometry Create(ReadOnlySpan<int> inputShape, ReadOnlySpan<int> weightShape, int stride, int padding)
    {
        string shapes = $"input {Format(inputShape)}, weight {Format(weightShape)}, stride {stride}, padding {padding}";
        if (inputShape.Length != 4 || weightShape.Length != 4)
        {
            throw new ArgumentException($"Conv2d needs rank-4 input [N, Cin, H, W] and weight [Cout, Cin, Kh, Kw]; got {shapes}.");
        }

        if (inputShape[1] != weightShape[1])
        {
            throw new ArgumentException($"Conv2d channel mismatch: input has {inputShape[1]} channels, weight expects {weightShape[1]}; {shapes}.");
        }

        return Create(inputShape[0], inputShape[1], inputShape[2], inputShape[3], weightShape[0],
            weightShape[2], weightShape[3], stride, padding);
    }

    /// <summary>Geometry of a convolution from its extents; see <see cref="Create(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/>.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid (the message names the shapes).</exception>
    public static Conv2dGeometry Create(int batch, int inChannels, int height, int width, int outChannels,
        int kernelHeight, int kernelWidth, int stride, int padding)
    {
        var g = new Conv2dGeometry(batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding);
        g.Validate();
        return g;
    }

    /// <summary>
    /// Geometry for a transposed convolution (output padding 0) of x <c>[N, Cin_t, H, W]</c> with weight
    /// <c>[Cin_t, Cout_t, K, K]</c> (the PyTorch <c>conv_transpose2d</c> layout): its output is
    /// <c>[N, Cout_t, (H - 1) * stride - 2 * padding + K, ...]</c>. The returned geometry is that of the convolution
    /// whose input gradient the transposed convolution is, so its <see cref="InChannels"/> is Cout_t, its
    /// <see cref="OutChannels"/> is Cin_t and its input is the transposed convolution's output.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes are invalid or the output would be empty.</exception>
    public static Conv2dGeometry ForTransposed(ReadOnlySpan<int> inputShape, ReadOnlySpan<int> weightShape, int stride, int padding)
    {
        string shapes = $"input {Format(inputShape)}, weight {Format(weightShape)}, stride {stride}, padding {padding}";
        if (inputShape.Length != 4 || weightShape.Length != 4)
        {
            throw new ArgumentException($"ConvTranspose2d needs rank-4 input [N, Cin, H, W] and weight [Cin, Cout, Kh, Kw]; got {shapes}.");
        }

        if (inputShape[1] != weightShape[0])
        {
            throw new ArgumentException($"ConvTranspose2d channel mismatch: input has {inputShape[1]} channels, weight expects {weightShape[0]}; {shapes}.");
        }

        int outHeight = (inputShape[2] - 1) * stride - 2 * padding + weightShape[2];
        int outWidth = (inputShape[3] - 1) * stride - 2 * padding + weightShape[3];
        var g = Create(inputShape[0], weightShape[1], outHeight, outWidth, weightShape[0], weightShape[2], weightShape[3], stride, padding);
        if (g.OutHeight != inputShape[2] || g.OutWidth != inputShape[3])
        {
            throw new ArgumentException($"ConvTranspose2d: no convolution maps [{outHeight}, {outWidth}] back to [{inputShape[2]}, {inputShape[3]}]; {shapes}.");
        }

        return g;
    }

    /// <summary>Checks that a buffer holds exactly the expected number of elements.</summary>
    /// <exception cref="ArgumentException">The lengths differ; the message names the buffer and the geometry.</exception>
    public void CheckLength(string name, long actual, long expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Conv2d {name} has {actual} elements, expected {expected} for {this}.", name);
        }
    }

    /// <summary>Shapes as text, for messages: input, weight, output, stride, padding.</summary>
    public override string ToString() =>
        $"input [{Batch}, {InChannels}, {Height}, {Width}], weight [{OutChannels}, {InChannels}, {KernelHeight}, {KernelWidth}], " +
        $"output [{Batch}, {OutChannels}, {OutHeight}, {OutWidth}], stride {Stride}, padding {Padding}";

    /// <inheritdoc/>
    public bool Equals(Conv2dGeometry other) =>
        Batch == other.Batch && InChannels == other.InChannels && Height == other.Height && Width == other.Width &&
        OutChannels == other.OutChannels && KernelHeight == other.KernelHeight && KernelWidth == other.KernelWidth &&
        Stride == other.Stride && Padding == other.Padding;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Conv2dGeometry other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(HashCode.Combine(Batch, InChannels, Height, Width), OutChannels, KernelHeight, KernelWidth, Stride, Padding);

    private void Validate()
    {
        if (Batch <= 0 || InChannels <= 0 || Height <= 0 || Width <= 0 || OutChannels <= 0 || KernelHeight <= 0 || KernelWidth <= 0)
        {
            throw new ArgumentException($"Conv2d extents must be positive; got {Describe()}.");
        }

        if (Stride is not (1 or 2))
        {
            throw new ArgumentException($"Conv2d stride must be 1 or 2; got {Describe()}.");
        }

        if (Padding < 0 || Padding >= KernelHeight || Padding >= KernelWidth)
        {
            throw new ArgumentException($"Conv2d padding must be at least 0 and smaller than the kernel; got {Describe()}.");
        }

        if (KernelHeight > Height + 2 * Padding || KernelWidth > Width + 2 * Padding)
        {
            throw new ArgumentException($"Conv2d kernel is larger than the padded input; got {Describe()}.");
        }
    }

    private string Describe() =>
        $"input [{Batch}, {InChannels}, {Height}, {Width}], weight [{OutChannels}, {InChannels}, {KernelHeight}, {KernelWidth}], " +
        $"stride {Stride}, padding {Padding}";

    private static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
