using System.Buffers;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// The <c>cpu</c> convolution for small output planes: an explicit im2col of a chunk of images, so that each pass is
/// one GEMM on <see cref="CpuGemm"/> over all the chunk's positions at once.
/// </summary>
/// <remarks>
/// The direct path of <see cref="CpuConv2d"/> computes a padded grid per image: at 4x4 with a 3x3 kernel, 16 of the 36
/// positions it computes are valid, at 8x8 64 of 100. The column matrix <c>col [Cin*Kh*Kw, images*Ho*Wo]</c> wastes
/// none, and costs one copy per pass of about 1/Cout of the multiply-adds (0.4% at 256 channels). With
/// <c>A [Cout, images*Ho*Wo]</c> the output (gradient) of the chunk gathered channel-major:
/// <list type="bullet">
/// <item>forward: <c>A = w col</c> (w is <c>[Cout, Cin*Kh*Kw]</c> as stored), then A scattered to y plus the bias;</item>
/// <item>input gradient: <c>col = w^T A</c>, then col2im adds each column entry back into dx;</item>
/// <item>weight gradient: <c>dw (+)= A col^T</c>, accumulated over the chunks in order.</item>
/// </list>
/// Every sum has a fixed order, so the results do not depend on the thread count.
/// </remarks>
internal static unsafe class Im2ColConv2d
{
    /// <summary>
    /// Largest output plane (Ho*Wo) that goes through im2col. On the AVX2 build machine (2 cores, batch 32, 3x3,
    /// 256 channels) im2col ran 4x4 planes 1.5-2.2x and 8x8 planes 1.05-1.3x as fast as the direct path, while at
    /// 16x16 (128 channels) the direct path was as fast or faster.
    /// </summary>
    private const int MaxPlane = 8 * 8;

    /// <summary>Column-matrix floats to aim for per chunk of images (4 MiB): with the packed GEMM panels it stays in L3.</summary>
    private const int TargetColumnFloats = 1 << 20;

    /// <summary>Whether <paramref name="g"/> runs on this path rather than on the direct one.</summary>
    public static bool Suits(in Conv2dGeometry g) => g.OutHeight * g.OutWidth <= MaxPlane;

    /// <summary><c>y = conv2d(x, w) + bias</c>; <paramref name="bias"/> may be null.</summary>
    public static void Forward(float* x, float* weight, float* bias, float* y, Conv2dGeometry g) =>
        RunChunks(g, (plan, first, images, col, product) =>
        {
            int columns = images * plan.Plane;
            FillColumns(x, g, plan, first, images, col);
            CpuGemm.Multiply(new ReadOnlySpan<float>(weight, g.WeightLength), new ReadOnlySpan<float>(col, plan.Depth * columns),
                new Span<float>(product, g.OutChannels * columns), g.OutChannels, columns, plan.Depth, false, false, false);
            ScatterOutput(product, bias, g, plan, first, images, y);
        });

    /// <summary><c>dx = conv2d_input_grad(dy, w)</c>.</summary>
    public static void InputGradient(float* dy, float* weight, float* dx, Conv2dGeometry g) =>
        RunChunks(g, (plan, first, images, col, gradient) =>
        {
            int columns = images * plan.Plane;
            GatherOutputGradient(dy, g, plan, first, images, gradient);
            CpuGemm.Multiply(new ReadOnlySpan<float>(weight, g.WeightLength), new ReadOnlySpan<float>(gradient, g.OutChannels * columns),
                new Span<float>(col, plan.Depth * columns), plan.Depth, columns, g.OutChannels, true, false, false);
            AddColumns(col, g, plan, first, images, dx);
        });

    /// <summary><c>dw = sum_n dy (*) x</c> (the bias gradient is the caller's).</summary>
    public static void WeightGradient(float* x, float* dy, float* dw, Conv2dGeometry g) =>
        RunChunks(g, (plan, first, images, col, gradient) =>
        {
            int columns = images * plan.Plane;
            FillColumns(x, g, plan, first, images, col);
            GatherOutputGradient(dy, g, plan, first, images, gradient);
            CpuGemm.Multiply(new ReadOnlySpan<float>(gradient, g.OutChannels * columns), new ReadOnlySpan<float>(col, plan.Depth * columns),
                new Span<float>(dw, g.WeightLength), g.OutChannels, plan.Depth, columns, false, true, accumulate: first > 0);
        });

    /// <summary>One pass over images <c>[first, first + images)</c> with the chunk's scratch matrices.</summary>
    /// <param name="plan">The chunking.</param>
    /// <param name="first">First image of the chunk.</param>
    /// <param name="images">Images in the chunk.</param>
    /// <param name="col">Scratch for col, <c>[Depth, images*Plane]</c>.</param>
    /// <param name="outputs">Scratch for the chunk's output (gradient), <c>[Cout, images*Plane]</c>.</param>
    private delegate void ChunkPass(Plan plan, int first, int images, float* col, float* outputs);

    /// <summary>Runs <paramref name="pass"/> on each chunk of the batch in order, on pooled scratch.</summary>
    private static void RunChunks(in Conv2dGeometry g, ChunkPass pass)
    {
        var plan = new Plan(g);
        float[] colArray = ArrayPool<float>.Shared.Rent(plan.Depth * plan.MaxColumns);
        float[] outputsArray = ArrayPool<float>.Shared.Rent(g.OutChannels * plan.MaxColumns);
        fixed (float* col = colArray, outputs = outputsArray)
        {
            for (int first = 0; first < g.Batch; first += plan.Images)
            {
                pass(plan, first, Math.Min(plan.Images, g.Batch - first), col, outputs);
            }
        }

        ArrayPool<float>.Shared.Return(outputsArray);
        ArrayPool<float>.Shared.Return(colArray);
    }

    /// <summary>
    /// <c>col[(ci, kh, kw), i*Plane + oy*Wo + ox] = x[first + i, ci, s*oy + kh - p, s*ox + kw - p]</c>, zero in the
    /// padding; parallel over the rows of col.
    /// </summary>
    private static void FillColumns(float* x, Conv2dGeometry g, Plan plan, int first, int images, float* col)
    {
        int columns = images * plan.Plane;
        CpuParallel.For(plan.Depth, columns, (start, end) =>
        {
            for (int row = start; row < end; row++)
            {
                (int ci, int kh, int kw) = plan.Split(row);
                for (int i = 0; i < images; i++)
                {
                    float* source = x + ((first + i) * g.InChannels + ci) * g.Height * g.Width;
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        var target = new Span<float>(col + row * columns + i * plan.Plane + oy * g.OutWidth, g.OutWidth);
                        int iy = g.Stride * oy + kh - g.Padding;
                        if (iy < 0 || iy >= g.Height)
                        {
                            target.Clear();
                        }
                        else
                        {
                            CpuConv2d.GatherRow(source + iy * g.Width, g.Width, g.Stride, kw - g.Padding, target);
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// dx of images <c>[first, first + images)</c>: each plane cleared, then every column entry added back at its input
    /// position, taps in order; parallel over the (image, channel) planes.
    /// </summary>
    private static void AddColumns(float* col, Conv2dGeometry g, Plan plan, int first, int images, float* dx)
    {
        int columns = images * plan.Plane, inPlane = g.Height * g.Width, taps = g.KernelHeight * g.KernelWidth;
        CpuParallel.For(images * g.InChannels, (long)taps * plan.Plane, (start, end) =>
        {
            for (int item = start; item < end; item++)
            {
                int i = item / g.InChannels, ci = item % g.InChannels;
                float* target = dx + ((first + i) * g.InChannels + ci) * inPlane;
                new Span<float>(target, inPlane).Clear();
                for (int kh = 0; kh < g.KernelHeight; kh++)
                {
                    for (int kw = 0; kw < g.KernelWidth; kw++)
                    {
                        float* source = col + ((ci * g.KernelHeight + kh) * g.KernelWidth + kw) * columns + i * plan.Plane;
                        AddTap(source, g, kh, kw, target);
                    }
                }
            }
        });
    }

    /// <summary><c>plane[s*oy + kh - p, s*ox + kw - p] += tap[oy*Wo + ox]</c> where that lies inside the plane.</summary>
    private static void AddTap(float* tap, in Conv2dGeometry g, int kh, int kw, float* plane)
    {
        int s = g.Stride, p = g.Padding;
        int lastInside = g.Width - 1 + p - kw; // s*ox may be at most this
        int firstColumn = Math.Max(0, (p - kw + s - 1) / s), lastColumn = lastInside < 0 ? 0 : Math.Min(g.OutWidth, lastInside / s + 1);
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int iy = s * oy + kh - p;
            if (iy < 0 || iy >= g.Height)
            {
                continue;
            }

            float* source = tap + oy * g.OutWidth;
            float* target = plane + iy * g.Width + kw - p;
            for (int ox = firstColumn; ox < lastColumn; ox++)
            {
                target[s * ox] += source[ox];
            }
        }
    }

    /// <summary><c>gradient[co, i*Plane + q] = dy[first + i, co, q]</c>: the chunk's output gradient channel-major.</summary>
    private static void GatherOutputGradient(float* dy, Conv2dGeometry g, Plan plan, int first, int images, float* gradient)
    {
        int columns = images * plan.Plane;
        CpuParallel.For(g.OutChannels, columns, (start, end) =>
        {
            for (int co = start; co < end; co++)
            {
                for (int i = 0; i < images; i++)
                {
                    new ReadOnlySpan<float>(dy + ((first + i) * g.OutChannels + co) * plan.Plane, plan.Plane)
                        .CopyTo(new Span<float>(gradient + co * columns + i * plan.Plane, plan.Plane));
                }
            }
        });
    }

    /// <summary><c>y[first + i, co, q] = product[co, i*Plane + q] + bias[co]</c>.</summary>
    private static void ScatterOutput(float* product, float* bias, Conv2dGeometry g, Plan plan, int first, int images, float* y)
    {
        int columns = images * plan.Plane;
        CpuParallel.For(g.OutChannels, columns, (start, end) =>
        {
            for (int co = start; co < end; co++)
            {
                float b = bias == null ? 0f : bias[co];
                for (int i = 0; i < images; i++)
                {
                    float* source = product + co * columns + i * plan.Plane;
                    float* target = y + ((first + i) * g.OutChannels + co) * plan.Plane;
                    for (int q = 0; q < plan.Plane; q++)
                    {
                        target[q] = source[q] + b;
                    }
                }
            }
        });
    }

    /// <summary>Sizes of the column matrix and the chunks of images it is built for.</summary>
    private readonly struct Plan
    {
        /// <summary>Output positions per image, Ho*Wo.</summary>
        public readonly int Plane;

        /// <summary>Rows of col: Cin*Kh*Kw, ordered like a weight row.</summary>
        public readonly int Depth;

        /// <summary>Images per chunk (the last chunk may hold fewer).</summary>
        public readonly int Images;

        private readonly int _kernelHeight, _kernelWidth;

        public Plan(in Conv2dGeometry g)
        {
            Plane = g.OutHeight * g.OutWidth;
            _kernelHeight = g.KernelHeight;
            _kernelWidth = g.KernelWidth;
            Depth = g.InChannels * _kernelHeight * _kernelWidth;
            long total = (long)g.Batch * Plane * Depth;
            int chunks = (int)Math.Clamp((total + TargetColumnFloats - 1) / TargetColumnFloats, 1, g.Batch);
            Images = (g.Batch + chunks - 1) / chunks;
        }

        /// <summary>Columns of col for a full chunk.</summary>
        public int MaxColumns => Images * Plane;

        /// <summary>Row of col to (input channel, kernel row, kernel column).</summary>
        public (int Channel, int KernelRow, int KernelColumn) Split(int row) =>
            (row / (_kernelHeight * _kernelWidth), row / _kernelWidth % _kernelHeight, row % _kernelWidth);
    }
}
