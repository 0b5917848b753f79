using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using static AlaeIlgpu.Kernels.Cpu.MicroKernels;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// 2D convolution (NCHW, cross-correlation like PyTorch's <c>conv2d</c>) for the <c>cpu</c> backend: forward, input
/// gradient (= transposed convolution), weight and bias gradients. Managed SIMD (AVX-512 where available), with
/// <see cref="Parallel"/> over chunks of images.
/// </summary>
/// <remarks>
/// Small output planes (<see cref="Im2ColConv2d.Suits"/>) go through <see cref="Im2ColConv2d"/>: an explicit im2col
/// and one GEMM per chunk of images. Every other pass is reduced to one "core" problem: a stride-1 valid correlation of a zero-padded buffer of planes, computed
/// on the buffer's own row pitch so that each (channel, tap) pair is a contiguous shifted window of the buffer (an
/// implicit GEMM: no im2col copy). Stride 2 is folded into the core by a space-to-depth split of the padded input
/// (forward, weight gradient) or a depth-to-space merge of the result (input gradient); each of the s*s phases uses
/// the sub-kernel <c>w[s*t + r]</c>, so no multiply hits an inserted zero except the taps that pad an odd kernel.
/// Small images are stacked several to a core buffer. The forward and input-gradient cores run an 8 x 3-register
/// outer-product tile over weights packed per call; the weight gradient runs a 4 x 6 dot-product tile per chunk and
/// sums the workers' partial gradients.
/// </remarks>
public static unsafe class CpuConv2d
{
    /// <summary><c>y = conv2d(x, w) + bias</c>.</summary>
    /// <param name="input">x <c>[N, Cin, H, W]</c>.</param>
    /// <param name="weight">w <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="bias">b <c>[Cout]</c>, or empty for no bias.</param>
    /// <param name="output">y <c>[N, Cout, Ho, Wo]</c> (overwritten).</param>
    /// <param name="geometry">The shapes.</param>
    /// <exception cref="ArgumentException">A buffer length does not match the geometry.</exception>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, in Conv2dGeometry geometry)
    {
        if (Im2ColConv2d.Suits(geometry))
        {
            ForwardIm2Col(input, weight, bias, output, geometry);
        }
        else
        {
            ForwardDirect(input, weight, bias, output, geometry);
        }
    }

    /// <summary>
    /// <c>dx = conv2d_input_grad(dy, w)</c>: the adjoint of <see cref="Forward"/> in x, which is also the transposed
    /// convolution of dy (see <see cref="TransposedForward"/>).
    /// </summary>
    /// <param name="outputGradient">dy <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="weight">w <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="inputGradient">dx <c>[N, Cin, H, W]</c> (overwritten).</param>
    /// <param name="geometry">The shapes of the forward convolution.</param>
    /// <exception cref="ArgumentException">A buffer length does not match the geometry.</exception>
    public static void InputGradient(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weight, Span<float> inputGradient,
        in Conv2dGeometry geometry)
    {
        if (Im2ColConv2d.Suits(geometry))
        {
            InputGradientIm2Col(outputGradient, weight, inputGradient, geometry);
        }
        else
        {
            InputGradientDirect(outputGradient, weight, inputGradient, geometry);
        }
    }

    /// <summary>
    /// Transposed convolution (PyTorch <c>conv_transpose2d</c>, output padding 0) of x <c>[N, Cin_t, H, W]</c> with
    /// w <c>[Cin_t, Cout_t, K, K]</c>; the geometry comes from <see cref="Conv2dGeometry.ForTransposed"/>. It is exactly
    /// <see cref="InputGradient"/> of that geometry, so it shares its code.
    /// </summary>
    /// <param name="input">x, shaped like the geometry's output.</param>
    /// <param name="weight">w, shaped like the geometry's weight.</param>
    /// <param name="output">y, shaped like the geometry's input (overwritten).</param>
    /// <param name="geometry">The geometry of the convolution this is the adjoint of.</param>
    public static void TransposedForward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, Span<float> output,
        in Conv2dGeometry geometry) => InputGradient(input, weight, output, geometry);

    /// <summary><c>dw = sum_n dy (*) x</c> and, if requested, <c>db = sum dy</c> over batch and positions.</summary>
    /// <param name="input">x <c>[N, Cin, H, W]</c>.</param>
    /// <param name="outputGradient">dy <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="weightGradient">dw <c>[Cout, Cin, Kh, Kw]</c> (overwritten).</param>
    /// <param name="biasGradient">db <c>[Cout]</c> (overwritten), or empty to skip it.</param>
    /// <param name="geometry">The shapes of the forward convolution.</param>
    /// <exception cref="ArgumentException">A buffer length does not match the geometry.</exception>
    public static void WeightGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient,
        Span<float> biasGradient, in Conv2dGeometry geometry)
    {
        if (Im2ColConv2d.Suits(geometry))
        {
            WeightGradientIm2Col(input, outputGradient, weightGradient, biasGradient, geometry);
        }
        else
        {
            WeightGradientDirect(input, outputGradient, weightGradient, biasGradient, geometry);
        }
    }

    /// <summary><see cref="Forward"/> on the direct path at the machine's SIMD width, whatever the image size.</summary>
    internal static void ForwardDirect(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, in Conv2dGeometry geometry)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Forward<Lanes512, Vector512<float>>(input, weight, bias, output, geometry);
        }
        else
        {
            Forward<LanesVectorT, Vector<float>>(input, weight, bias, output, geometry);
        }
    }

    /// <summary><see cref="InputGradient"/> on the direct path at the machine's SIMD width, whatever the image size.</summary>
    internal static void InputGradientDirect(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weight, Span<float> inputGradient,
        in Conv2dGeometry geometry)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            InputGradient<Lanes512, Vector512<float>>(outputGradient, weight, inputGradient, geometry);
        }
        else
        {
            InputGradient<LanesVectorT, Vector<float>>(outputGradient, weight, inputGradient, geometry);
        }
    }

    /// <summary><see cref="WeightGradient"/> on the direct path at the machine's SIMD width, whatever the image size.</summary>
    internal static void WeightGradientDirect(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient,
        Span<float> biasGradient, in Conv2dGeometry geometry)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            WeightGradient<Lanes512, Vector512<float>>(input, outputGradient, weightGradient, biasGradient, geometry);
        }
        else
        {
            WeightGradient<LanesVectorT, Vector<float>>(input, outputGradient, weightGradient, biasGradient, geometry);
        }
    }

    /// <summary>
    /// Accumulators the weight gradient spreads the batch over: enough parts that a late or descheduled thread leaves
    /// its share to the others, few enough that their memory and final sum stay small.
    /// </summary>
    private const int WeightGradientParts = 8;

    /// <summary><see cref="Forward"/> with a chosen SIMD width (tests run both widths).</summary>
    internal static void Forward<T, TVector>(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, in Conv2dGeometry g) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        CheckForward(input, weight, bias, output, g);
        var plan = CorePlan.ForForward(g, OuterVectors * T.Count);
        float[] packed = PackForwardWeights(weight, g, plan);
        int[] offsets = plan.WindowOffsets(plan.Depth);
        fixed (float* x = input, w = packed, b = bias, y = output)
        fixed (int* offs = offsets)
        {
            var job = new ForwardJob(g, plan, x, w, b, offs, y);
            CpuWorkers.Run(plan.Chunks(g.Batch), job.Run<T, TVector>);
        }

        ArrayPool<float>.Shared.Return(packed);
    }

    /// <summary><see cref="InputGradient"/> with a chosen SIMD width.</summary>
    internal static void InputGradient<T, TVector>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weight, Span<float> inputGradient,
        in Conv2dGeometry g) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        CheckInputGradient(outputGradient, weight, inputGradient, g);
        var plan = CorePlan.ForInputGradient(g, OuterVectors * T.Count);
        float[] packed = PackInputGradientWeights(weight, g, plan);
        int[] offsets = plan.WindowOffsets(plan.Depth);
        fixed (float* dy = outputGradient, w = packed, dx = inputGradient)
        fixed (int* offs = offsets)
        {
            var job = new InputGradientJob(g, plan, dy, w, offs, dx);
            CpuWorkers.Run(plan.Chunks(g.Batch), job.Run<T, TVector>);
        }

        ArrayPool<float>.Shared.Return(packed);
    }

    /// <summary><see cref="WeightGradient"/> with a chosen SIMD width.</summary>
    internal static void WeightGradient<T, TVector>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient,
        Span<float> biasGradient, in Conv2dGeometry g) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        CheckWeightGradient(input, outputGradient, weightGradient, biasGradient, g);
        var plan = CorePlan.ForForward(g, T.Count);
        int rows = RoundUp(g.OutChannels, DotRows);
        int columns = RoundUp(plan.Depth, DotColumns);
        float[] total = ArrayPool<float>.Shared.Rent(rows * columns); // [rows][columns], the core weight gradient
        int[] offsets = plan.WindowOffsets(columns);
        fixed (float* x = input, dy = outputGradient)
        fixed (int* offs = offsets)
        {
            var job = new WeightGradientJob(g, plan, x, dy, offs, rows, columns);
            // Each part sums a fixed run of the batch chunks into its own accumulator, whichever thread takes it; the
            // parts are then added in order, so the sums do not depend on the threads or their timing.
            int chunks = plan.Chunks(g.Batch), parts = Math.Min(chunks, WeightGradientParts);
            var partials = new float[parts][];
            CpuWorkers.Run(parts, part =>
            {
                float[] partial = job.NewAccumulator();
                for (int chunk = chunks * part / parts; chunk < chunks * (part + 1) / parts; chunk++) job.Run<T, TVector>(chunk, partial);
                partials[part] = partial;
            });
            job.Sum(partials, total);
        }

        UnpackWeightGradient(total, columns, g, plan, weightGradient);
        ArrayPool<float>.Shared.Return(total);
    }

    /// <summary><see cref="Forward"/> on the explicit-im2col path (<see cref="Im2ColConv2d"/>), whatever the image size.</summary>
    internal static void ForwardIm2Col(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, in Conv2dGeometry g)
    {
        CheckForward(input, weight, bias, output, g);
        fixed (float* x = input, w = weight, b = bias, y = output)
        {
            Im2ColConv2d.Forward(x, w, b, y, g);
        }
    }

    /// <summary><see cref="InputGradient"/> on the explicit-im2col path, whatever the image size.</summary>
    internal static void InputGradientIm2Col(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weight, Span<float> inputGradient,
        in Conv2dGeometry g)
    {
        CheckInputGradient(outputGradient, weight, inputGradient, g);
        fixed (float* dy = outputGradient, w = weight, dx = inputGradient)
        {
            Im2ColConv2d.InputGradient(dy, w, dx, g);
        }
    }

    /// <summary><see cref="WeightGradient"/> on the explicit-im2col path, whatever the image size.</summary>
    internal static void WeightGradientIm2Col(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient,
        Span<float> biasGradient, in Conv2dGeometry g)
    {
        CheckWeightGradient(input, outputGradient, weightGradient, biasGradient, g);
        fixed (float* x = input, dy = outputGradient, dw = weightGradient)
        {
            Im2ColConv2d.WeightGradient(x, dy, dw, g);
        }
    }

    private static void CheckForward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, in Conv2dGeometry g)
    {
        g.CheckLength(nameof(input), input.Length, g.InputLength);
        g.CheckLength(nameof(weight), weight.Length, g.WeightLength);
        g.CheckLength(nameof(output), output.Length, g.OutputLength);
        if (!bias.IsEmpty)
        {
            g.CheckLength(nameof(bias), bias.Length, g.OutChannels);
        }
    }

    private static void CheckInputGradient(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weight, Span<float> inputGradient,
        in Conv2dGeometry g)
    {
        g.CheckLength(nameof(outputGradient), outputGradient.Length, g.OutputLength);
        g.CheckLength(nameof(weight), weight.Length, g.WeightLength);
        g.CheckLength(nameof(inputGradient), inputGradient.Length, g.InputLength);
    }

    /// <summary>Checks the lengths, and computes the bias gradient where one is asked for.</summary>
    private static void CheckWeightGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient,
        Span<float> biasGradient, in Conv2dGeometry g)
    {
        g.CheckLength(nameof(input), input.Length, g.InputLength);
        g.CheckLength(nameof(outputGradient), outputGradient.Length, g.OutputLength);
        g.CheckLength(nameof(weightGradient), weightGradient.Length, g.WeightLength);
        if (!biasGradient.IsEmpty)
        {
            g.CheckLength(nameof(biasGradient), biasGradient.Length, g.OutChannels);
            BiasGradient(outputGradient, biasGradient, g);
        }
    }

    /// <summary><c>db[co] = sum over n and positions of dy[n, co]</c>.</summary>
    private static void BiasGradient(ReadOnlySpan<float> outputGradient, Span<float> biasGradient, in Conv2dGeometry g)
    {
        int plane = g.OutHeight * g.OutWidth;
        for (int co = 0; co < g.OutChannels; co++)
        {
            double sum = 0;
            for (int n = 0; n < g.Batch; n++)
            {
                sum += SimdSum(outputGradient.Slice((n * g.OutChannels + co) * plane, plane));
            }

            biasGradient[co] = (float)sum;
        }
    }

    /// <summary><c>sum[i] += values[i]</c>.</summary>
    private static void AddInto(Span<float> sum, ReadOnlySpan<float> values)
    {
        int width = Vector<float>.Count, i = 0;
        for (; i <= sum.Length - width; i += width)
        {
            (new Vector<float>(sum.Slice(i, width)) + new Vector<float>(values.Slice(i, width))).CopyTo(sum.Slice(i, width));
        }

        for (; i < sum.Length; i++)
        {
            sum[i] += values[i];
        }
    }

    private static float SimdSum(ReadOnlySpan<float> values)
    {
        var acc = Vector<float>.Zero;
        int width = Vector<float>.Count;
        int i = 0;
        for (; i <= values.Length - width; i += width)
        {
            acc += new Vector<float>(values.Slice(i, width));
        }

        float sum = Vector.Sum(acc);
        for (; i < values.Length; i++)
        {
            sum += values[i];
        }

        return sum;
    }

    /// <summary>
    /// For each forward-core reduction index (c = (ci, ry, rx), th, tw), the offset of its weight inside one output
    /// channel's row <c>w[co, :, :, :]</c>, i.e. of <c>w[co, ci, s*th + ry, s*tw + rx]</c>; -1 where the tap pads an odd
    /// kernel. The weight gradient uses the same map in reverse.
    /// </summary>
    private static int[] ForwardTapMap(in Conv2dGeometry g, in CorePlan plan)
    {
        int s = g.Stride;
        var map = new int[plan.Depth];
        for (int k = 0; k < plan.Depth; k++)
        {
            (int c, int th, int tw) = plan.Split(k);
            int ci = c / (s * s), kh = s * th + c / s % s, kw = s * tw + c % s;
            map[k] = kh < g.KernelHeight && kw < g.KernelWidth ? (ci * g.KernelHeight + kh) * g.KernelWidth + kw : -1;
        }

        return map;
    }

    /// <summary>Core weights for the forward pass, <c>[Cout / 8][depth][8]</c> (zero past the kernel or past Cout).</summary>
    private static float[] PackForwardWeights(ReadOnlySpan<float> weight, in Conv2dGeometry g, in CorePlan plan)
    {
        int[] map = ForwardTapMap(g, plan);
        int rowLength = g.InChannels * g.KernelHeight * g.KernelWidth;
        float[] packed = RentCleared(RoundUp(g.OutChannels, OuterRows) * plan.Depth);
        for (int co = 0; co < g.OutChannels; co++)
        {
            ReadOnlySpan<float> row = weight.Slice(co * rowLength, rowLength);
            int tileBase = co / OuterRows * plan.Depth * OuterRows + co % OuterRows;
            for (int k = 0; k < plan.Depth; k++)
            {
                packed[tileBase + k * OuterRows] = map[k] < 0 ? 0f : row[map[k]];
            }
        }

        return packed;
    }

    /// <summary>
    /// Core weights for the input gradient, <c>[Cin*s*s / 8][depth][8]</c>: output m = (ci, ry, rx), input channel co,
    /// tap (uh, uw) holds <c>w[co, ci, s*(Th-1-uh) + ry, s*(Tw-1-uw) + rx]</c> (flipped sub-kernel), zero past the kernel.
    /// </summary>
    private static float[] PackInputGradientWeights(ReadOnlySpan<float> weight, in Conv2dGeometry g, in CorePlan plan)
    {
        int s = g.Stride, taps = g.KernelHeight * g.KernelWidth;
        var channelOffset = new int[plan.Depth];
        var rowBase = new int[plan.Depth];
        var columnBase = new int[plan.Depth];
        for (int k = 0; k < plan.Depth; k++)
        {
            (int co, int uh, int uw) = plan.Split(k);
            (channelOffset[k], rowBase[k], columnBase[k]) = (co * g.InChannels * taps, s * (plan.TapsHigh - 1 - uh), s * (plan.TapsWide - 1 - uw));
        }

        float[] packed = RentCleared(RoundUp(plan.Outputs, OuterRows) * plan.Depth);
        for (int m = 0; m < plan.Outputs; m++)
        {
            int ci = m / (s * s), ry = m / s % s, rx = m % s;
            int tileBase = m / OuterRows * plan.Depth * OuterRows + m % OuterRows;
            for (int k = 0; k < plan.Depth; k++)
            {
                int kh = rowBase[k] + ry, kw = columnBase[k] + rx;
                packed[tileBase + k * OuterRows] = kh < g.KernelHeight && kw < g.KernelWidth
                    ? weight[channelOffset[k] + ci * taps + kh * g.KernelWidth + kw]
                    : 0f;
            }
        }

        return packed;
    }

    /// <summary>Maps the core weight gradient <c>[Cout][columns]</c> back to <c>dw [Cout, Cin, Kh, Kw]</c>.</summary>
    private static void UnpackWeightGradient(float[] core, int columns, in Conv2dGeometry g, in CorePlan plan, Span<float> weightGradient)
    {
        int[] map = ForwardTapMap(g, plan);
        int rowLength = g.InChannels * g.KernelHeight * g.KernelWidth;
        for (int co = 0; co < g.OutChannels; co++)
        {
            Span<float> row = weightGradient.Slice(co * rowLength, rowLength);
            for (int k = 0; k < plan.Depth; k++)
            {
                if (map[k] >= 0)
                {
                    row[map[k]] = core[co * columns + k];
                }
            }
        }
    }

    /// <summary>
    /// Fills the forward core buffer for the images of one chunk: in image i's band of rows, channel (ci, ry, rx) row r
    /// column j holds the zero-padded input at <c>(s*r + ry - p, s*j + rx - p)</c>. Bands of images past the batch and
    /// the slack after the planes are zeroed.
    /// </summary>
    private static void FillForwardBuffer(float* x, in Conv2dGeometry g, in CorePlan plan, int firstImage, float* buffer)
    {
        int s = g.Stride, p = g.Padding;
        for (int i = 0; i < plan.Images; i++)
        {
            int n = firstImage + i;
            for (int c = 0; c < plan.Channels; c++)
            {
                int ci = c / (s * s), ry = c / s % s, rx = c % s;
                float* source = x + (n * g.InChannels + ci) * g.Height * g.Width;
                for (int r = 0; r < plan.ImageRows; r++)
                {
                    var row = new Span<float>(buffer + (c * plan.Rows + i * plan.ImageRows + r) * plan.Pitch, plan.Pitch);
                    int sy = s * r + ry - p;
                    if (n >= g.Batch || sy < 0 || sy >= g.Height)
                    {
                        row.Clear();
                    }
                    else
                    {
                        GatherRow(source + sy * g.Width, g.Width, s, rx - p, row);
                    }
                }
            }
        }

        ClearSlack(plan, buffer);
    }

    /// <summary>
    /// Fills the input-gradient core buffer for the images of one chunk: image i's band holds its dy shifted by
    /// <c>(Q0 - T + 1)</c> rows and columns, zero outside dy; bands past the batch and the slack are zeroed.
    /// </summary>
    private static void FillInputGradientBuffer(float* dy, in Conv2dGeometry g, in CorePlan plan, int firstImage, float* buffer)
    {
        int rowShift = g.Padding / g.Stride - plan.TapsHigh + 1;
        int columnShift = g.Padding / g.Stride - plan.TapsWide + 1;
        int plane = g.OutHeight * g.OutWidth;
        for (int i = 0; i < plan.Images; i++)
        {
            int n = firstImage + i;
            for (int c = 0; c < plan.Channels; c++)
            {
                float* source = dy + (n * g.OutChannels + c) * plane;
                for (int r = 0; r < plan.ImageRows; r++)
                {
                    var row = new Span<float>(buffer + (c * plan.Rows + i * plan.ImageRows + r) * plan.Pitch, plan.Pitch);
                    int sy = r + rowShift;
                    if (n >= g.Batch || sy < 0 || sy >= g.OutHeight)
                    {
                        row.Clear();
                    }
                    else
                    {
                        GatherRow(source + sy * g.OutWidth, g.OutWidth, 1, columnShift, row);
                    }
                }
            }
        }

        ClearSlack(plan, buffer);
    }

    private static void ClearSlack(in CorePlan plan, float* buffer) =>
        new Span<float>(buffer + plan.Channels * plan.PlaneLength, plan.BufferLength - plan.Channels * plan.PlaneLength).Clear();

    /// <summary><c>row[j] = source[s*j + start]</c>, zero where that index is outside <c>[0, width)</c>.</summary>
    internal static void GatherRow(float* source, int width, int s, int start, Span<float> row)
    {
        if (s == 1)
        {
            int first = Math.Max(0, -start), last = Math.Min(row.Length, width - start);
            row[..first].Clear();
            new ReadOnlySpan<float>(source + start + first, last - first).CopyTo(row[first..]);
            row[last..].Clear();
            return;
        }

        for (int j = 0; j < row.Length; j++)
        {
            int sx = s * j + start;
            row[j] = sx >= 0 && sx < width ? source[sx] : 0f;
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>A pooled array of at least <paramref name="length"/> elements whose first <paramref name="length"/> are zero.</summary>
    private static float[] RentCleared(int length)
    {
        float[] array = ArrayPool<float>.Shared.Rent(length);
        Array.Clear(array, 0, length);
        return array;
    }

    /// <summary>
    /// One stride-1 valid correlation: <see cref="Channels"/> planes <c>[Rows, Pitch]</c> (plus zeroed slack) times
    /// <see cref="Outputs"/> x <see cref="Depth"/> weights, computed on the grid <c>[OutRows, Pitch]</c> of which the
    /// first <c>Pitch - TapsWide + 1</c> columns are valid. The rows are <see cref="Images"/> bands of
    /// <see cref="ImageRows"/>, one image each: grid row <c>i * ImageRows + r</c> with <c>r &lt;= ImageRows - TapsHigh</c>
    /// only reads image i's band, so stacking small images loses nothing and amortises the per-call overhead.
    /// </summary>
    private readonly struct CorePlan
    {
        /// <summary>Core buffer floats to aim for per chunk of images: about a third of a 1 MiB L2 cache.</summary>
        private const int TargetBufferFloats = 1 << 16;

        public readonly int Channels, ImageRows, Images, Pitch, TapsHigh, TapsWide, Outputs, GridPadded;

        private CorePlan(int batch, int channels, int imageRows, int pitch, int tapsHigh, int tapsWide, int outputs, int block)
        {
            Channels = channels;
            ImageRows = imageRows;
            Pitch = pitch;
            TapsHigh = tapsHigh;
            TapsWide = tapsWide;
            Outputs = outputs;
            int fitting = Math.Max(1, TargetBufferFloats / (channels * imageRows * pitch));
            int perWorker = (batch + Environment.ProcessorCount - 1) / Environment.ProcessorCount;
            Images = Math.Min(fitting, perWorker);
            GridPadded = RoundUp(OutRows * pitch, block);
        }

        /// <summary>Rows of the whole buffer, all bands.</summary>
        public int Rows => Images * ImageRows;

        /// <summary>Rows of the computed grid.</summary>
        public int OutRows => Rows - TapsHigh + 1;

        /// <summary>Reduction length: channels times taps.</summary>
        public int Depth => Channels * TapsHigh * TapsWide;

        /// <summary>Elements of one plane (all bands).</summary>
        public int PlaneLength => Rows * Pitch;

        /// <summary>Planes plus zeroed slack, so every window of length <see cref="GridPadded"/> stays inside.</summary>
        public int BufferLength => Channels * PlaneLength + GridPadded - OutRows * Pitch + TapsWide;

        /// <summary>Forward (and weight-gradient) core: the s*s phases of the padded input become channels.</summary>
        public static CorePlan ForForward(in Conv2dGeometry g, int block)
        {
            int s = g.Stride;
            int th = (g.KernelHeight + s - 1) / s, tw = (g.KernelWidth + s - 1) / s;
            return new CorePlan(g.Batch, g.InChannels * s * s, g.OutHeight + th - 1, g.OutWidth + tw - 1, th, tw, g.OutChannels, block);
        }

        /// <summary>Input-gradient core: outputs are the s*s phases of dx, rows q in [p/s, (H-1+p)/s].</summary>
        public static CorePlan ForInputGradient(in Conv2dGeometry g, int block)
        {
            int s = g.Stride, p = g.Padding;
            int th = (g.KernelHeight + s - 1) / s, tw = (g.KernelWidth + s - 1) / s;
            int qHigh = (g.Height - 1 + p) / s + 1 - p / s, qWide = (g.Width - 1 + p) / s + 1 - p / s;
            return new CorePlan(g.Batch, g.OutChannels, qHigh + th - 1, qWide + tw - 1, th, tw, g.InChannels * s * s, block);
        }

        /// <summary>Number of chunks of <see cref="Images"/> images that cover the batch.</summary>
        public int Chunks(int batch) => (batch + Images - 1) / Images;

        /// <summary>Reduction index to (channel, tap row, tap column).</summary>
        public (int Channel, int TapRow, int TapColumn) Split(int k) =>
            (k / (TapsHigh * TapsWide), k / TapsWide % TapsHigh, k % TapsWide);

        /// <summary>Window start per reduction index, padded to <paramref name="count"/> entries with 0.</summary>
        public int[] WindowOffsets(int count)
        {
            var offsets = new int[count];
            for (int k = 0; k < Depth; k++)
            {
                (int c, int th, int tw) = Split(k);
                offsets[k] = c * PlaneLength + th * Pitch + tw;
            }

            return offsets;
        }
    }

    /// <summary>Forward pass of one chunk of images: fill, core, compact plus bias.</summary>
    private readonly struct ForwardJob(Conv2dGeometry g, CorePlan plan, float* x, float* packed, float* bias, int* offsets, float* y)
    {
        public void Run<T, TVector>(int chunk) where T : struct, ISimdLanes<TVector> where TVector : struct
        {
            float[] bufferArray = ArrayPool<float>.Shared.Rent(plan.BufferLength);
            float[] gridArray = ArrayPool<float>.Shared.Rent(RoundUp(plan.Outputs, OuterRows) * plan.GridPadded);
            fixed (float* buffer = bufferArray, grid = gridArray)
            {
                FillForwardBuffer(x, g, plan, chunk * plan.Images, buffer);
                RunCore<T, TVector>(plan, packed, buffer, offsets, grid);
                for (int i = 0; i < plan.Images && chunk * plan.Images + i < g.Batch; i++)
                {
                    Compact(grid + i * plan.ImageRows * plan.Pitch, chunk * plan.Images + i);
                }
            }

            ArrayPool<float>.Shared.Return(gridArray);
            ArrayPool<float>.Shared.Return(bufferArray);
        }

        /// <summary><c>y[n, co, oy, ox] = band[co, oy * Pitch + ox] + bias[co]</c>.</summary>
        private void Compact(float* band, int n)
        {
            int wo = g.OutWidth;
            float* image = y + n * g.OutChannels * g.OutHeight * wo;
            for (int co = 0; co < g.OutChannels; co++)
            {
                float b = bias == null ? 0f : bias[co];
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    float* source = band + co * plan.GridPadded + oy * plan.Pitch;
                    float* target = image + (co * g.OutHeight + oy) * wo;
                    for (int ox = 0; ox < wo; ox++)
                    {
                        target[ox] = source[ox] + b;
                    }
                }
            }
        }
    }

    /// <summary>All output tiles of one core: <c>grid[m, j] = sum_k packed[m, k] * buffer[offsets[k] + j]</c>.</summary>
    private static void RunCore<T, TVector>(in CorePlan plan, float* packed, float* buffer, int* offsets, float* grid) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        int block = OuterVectors * T.Count;
        for (int t = 0; t < RoundUp(plan.Outputs, OuterRows) / OuterRows; t++)
        {
            float* weights = packed + t * plan.Depth * OuterRows;
            float* tile = grid + t * OuterRows * plan.GridPadded;
            for (int j = 0; j < plan.GridPadded; j += block)
            {
                OuterTile<T, TVector>(weights, buffer + j, offsets, plan.Depth, tile + j, plan.GridPadded);
            }
        }
    }

    /// <summary>Input gradient of one chunk of images: fill with dy, core over the s*s phases, scatter into dx.</summary>
    private readonly struct InputGradientJob(Conv2dGeometry g, CorePlan plan, float* dy, float* packed, int* offsets, float* dx)
    {
        public void Run<T, TVector>(int chunk) where T : struct, ISimdLanes<TVector> where TVector : struct
        {
            float[] bufferArray = ArrayPool<float>.Shared.Rent(plan.BufferLength);
            float[] gridArray = ArrayPool<float>.Shared.Rent(RoundUp(plan.Outputs, OuterRows) * plan.GridPadded);
            fixed (float* buffer = bufferArray, grid = gridArray)
            {
                FillInputGradientBuffer(dy, g, plan, chunk * plan.Images, buffer);
                RunCore<T, TVector>(plan, packed, buffer, offsets, grid);
                for (int i = 0; i < plan.Images && chunk * plan.Images + i < g.Batch; i++)
                {
                    Scatter(grid + i * plan.ImageRows * plan.Pitch, chunk * plan.Images + i);
                }
            }

            ArrayPool<float>.Shared.Return(gridArray);
            ArrayPool<float>.Shared.Return(bufferArray);
        }

        /// <summary>Phase (ci, ry, rx) at band (qi, qj) is <c>dx[n, ci, s*(qi + p/s) + ry - p, s*(qj + p/s) + rx - p]</c>.</summary>
        private void Scatter(float* band, int n)
        {
            int s = g.Stride, p = g.Padding, q0 = p / s;
            int validRows = plan.ImageRows - plan.TapsHigh + 1, validColumns = plan.Pitch - plan.TapsWide + 1;
            float* image = dx + n * g.InChannels * g.Height * g.Width;
            for (int m = 0; m < plan.Outputs; m++)
            {
                int ci = m / (s * s), ry = m / s % s, rx = m % s;
                for (int qi = 0; qi < validRows; qi++)
                {
                    int iy = s * (qi + q0) + ry - p;
                    if (iy < 0 || iy >= g.Height)
                    {
                        continue;
                    }

                    float* source = band + m * plan.GridPadded + qi * plan.Pitch;
                    float* target = image + (ci * g.Height + iy) * g.Width;
                    for (int qj = 0; qj < validColumns; qj++)
                    {
                        int ix = s * (qj + q0) + rx - p;
                        if (ix >= 0 && ix < g.Width)
                        {
                            target[ix] = source[qj];
                        }
                    }
                }
            }
        }
    }

    /// <summary>Weight gradient: each worker accumulates whole chunks of images into a private core gradient.</summary>
    private readonly struct WeightGradientJob(Conv2dGeometry g, CorePlan plan, float* x, float* dy, int* offsets, int rows, int columns)
    {
        public float[] NewAccumulator() => RentCleared(rows * columns);

        public void Run<T, TVector>(int chunk, float[] accumulator) where T : struct, ISimdLanes<TVector> where TVector : struct
        {
            float[] bufferArray = ArrayPool<float>.Shared.Rent(plan.BufferLength);
            float[] gradientArray = ArrayPool<float>.Shared.Rent(rows * plan.GridPadded);
            fixed (float* buffer = bufferArray, grid = gradientArray, acc = accumulator)
            {
                FillForwardBuffer(x, g, plan, chunk * plan.Images, buffer);
                SpreadOutputGradient(chunk * plan.Images, grid);
                for (int r = 0; r < rows; r += DotRows)
                {
                    for (int c = 0; c < columns; c += DotColumns)
                    {
                        DotTile<T, TVector>(grid + r * plan.GridPadded, plan.GridPadded, buffer, offsets + c, plan.GridPadded,
                            acc + r * columns + c, columns);
                    }
                }
            }

            ArrayPool<float>.Shared.Return(gradientArray);
            ArrayPool<float>.Shared.Return(bufferArray);
        }

        /// <summary><c>total = partials[0] + partials[1] + ...</c> in that order, parallel over elements; returns the partials to the pool.</summary>
        public void Sum(float[][] partials, float[] total)
        {
            CpuParallel.For(rows * columns, partials.Length, (start, end) =>
            {
                Span<float> sum = total.AsSpan(start, end - start);
                partials[0].AsSpan(start, end - start).CopyTo(sum);
                for (int p = 1; p < partials.Length; p++)
                {
                    AddInto(sum, partials[p].AsSpan(start, end - start));
                }
            });
            foreach (float[] partial in partials)
            {
                ArrayPool<float>.Shared.Return(partial);
            }
        }

        /// <summary>
        /// dy of the chunk's images on the core grid <c>[rows][GridPadded]</c>, image i in its band: zero past Wo, in the
        /// rows between bands, past the grid, past Cout and for images past the batch, so those positions add nothing.
        /// </summary>
        private void SpreadOutputGradient(int firstImage, float* grid)
        {
            new Span<float>(grid, rows * plan.GridPadded).Clear();
            int plane = g.OutHeight * g.OutWidth;
            for (int i = 0; i < plan.Images && firstImage + i < g.Batch; i++)
            {
                float* image = dy + (firstImage + i) * g.OutChannels * plane;
                for (int co = 0; co < g.OutChannels; co++)
                {
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        new ReadOnlySpan<float>(image + co * plane + oy * g.OutWidth, g.OutWidth)
                            .CopyTo(new Span<float>(grid + co * plan.GridPadded + (i * plan.ImageRows + oy) * plan.Pitch, g.OutWidth));
                    }
                }
            }
        }
    }
}
