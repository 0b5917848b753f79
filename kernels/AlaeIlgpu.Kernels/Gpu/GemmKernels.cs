using System.Runtime.CompilerServices;
using AlaeIlgpu.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>
/// Shapes and strides of one row-major GEMM <c>C (+)= op(A) op(B)</c>, as the kernels read them:
/// <c>op(A)[i, p] = a[i * ARowStride + p * AColStride]</c> and <c>op(B)[p, j] = b[p * BRowStride + j * BColStride]</c>,
/// so a transpose is only a swap of strides. C is dense <c>[M, N]</c>.
/// </summary>
public readonly struct GemmParams
{
    /// <summary>Creates the parameters of <c>C (+)= op(A) op(B)</c> with row-major A, B and C.</summary>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="transA">A is stored <c>[k, m]</c> instead of <c>[m, k]</c>.</param>
    /// <param name="transB">B is stored <c>[n, k]</c> instead of <c>[k, n]</c>.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public GemmParams(int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        M = m;
        N = n;
        K = k;
        ARowStride = transA ? 1 : k;
        AColStride = transA ? m : 1;
        BRowStride = transB ? 1 : n;
        BColStride = transB ? k : 1;
        Accumulate = accumulate ? 1 : 0;
    }

    /// <summary>Rows of op(A) and C.</summary>
    public int M { get; }

    /// <summary>Columns of op(B) and C.</summary>
    public int N { get; }

    /// <summary>Columns of op(A), rows of op(B).</summary>
    public int K { get; }

    /// <summary>Distance in A between op(A)[i, p] and op(A)[i + 1, p].</summary>
    public int ARowStride { get; }

    /// <summary>Distance in A between op(A)[i, p] and op(A)[i, p + 1].</summary>
    public int AColStride { get; }

    /// <summary>Distance in B between op(B)[p, j] and op(B)[p + 1, j].</summary>
    public int BRowStride { get; }

    /// <summary>Distance in B between op(B)[p, j] and op(B)[p, j + 1].</summary>
    public int BColStride { get; }

    /// <summary>1 to add the product to C, 0 to overwrite C (an int: kernels take blittable fields).</summary>
    public int Accumulate { get; }

    /// <summary>Reads op(A)[i, p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal float A(ArrayView<float> a, int i, int p) => a[i * ARowStride + p * AColStride];

    /// <summary>Reads op(B)[p, j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal float B(ArrayView<float> b, int p, int j) => b[p * BRowStride + j * BColStride];

    /// <summary>Writes <paramref name="value"/> to C[i, j], adding the old value when accumulating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Store(ArrayView<float> c, int i, int j, float value)
    {
        int index = i * N + j;
        c[index] = Accumulate != 0 ? c[index] + value : value;
    }
}

/// <summary>
/// <c>op(A) op(B)</c> as a product for <see cref="TiledProductKernel"/>: rows of op(A) by columns of op(B), with
/// the transposes in <see cref="GemmParams"/>' strides and C dense <c>[M, N]</c>.
/// </summary>
/// <param name="p">Shapes and strides.</param>
/// <param name="a">A, <c>[M, K]</c> or <c>[K, M]</c>.</param>
/// <param name="b">B, <c>[K, N]</c> or <c>[N, K]</c>.</param>
public readonly struct GemmProduct(GemmParams p, ArrayView<float> a, ArrayView<float> b) : ITiledProduct
{
    private readonly GemmParams _p = p;
    private readonly ArrayView<float> _a = a, _b = b;
    // 1 or 0, not bool: kernel parameters must be blittable.
    private readonly int _aQuads = p.AColStride == 1 && FourAligned(p.K, a) ? 1 : 0, _bQuads = p.BRowStride == 1 && FourAligned(p.K, b) ? 1 : 0;

    /// <inheritdoc/>
    public int Rows => _p.M;

    /// <inheritdoc/>
    public int Columns => _p.N;

    /// <inheritdoc/>
    public int Depth => _p.K;

    /// <inheritdoc/>
    public bool ADepthContiguous => _p.AColStride == 1;

    /// <inheritdoc/>
    public bool BDepthContiguous => _p.BRowStride == 1;

    /// <inheritdoc/>
    public float LoadA(int row, int k) => _p.A(_a, row, k);

    /// <inheritdoc/>
    public float LoadB(int k, int column) => _p.B(_b, k, column);

    /// <inheritdoc/>
    public bool AQuads => _aQuads != 0;

    /// <inheritdoc/>
    public bool BQuads => _bQuads != 0;

    /// <inheritdoc/>
    public Float4 LoadA4(int row, int k) => _a.Cast<Float4>()[(row * _p.ARowStride + k) / 4];

    /// <inheritdoc/>
    public Float4 LoadB4(int k, int column) => _b.Cast<Float4>()[(column * _p.BColStride + k) / 4];

    /// <summary>
    /// Whether rows of <paramref name="depth"/> floats of <paramref name="view"/> can be read four at a time: the depth is
    /// a multiple of 4 and the view starts a multiple of 4 floats into its buffer (buffers start 16-byte aligned).
    /// </summary>
    private static bool FourAligned(int depth, ArrayView<float> view) =>
        depth % 4 == 0 && ((IContiguousArrayView)view).IndexInBytes % (4 * sizeof(float)) == 0;

    /// <inheritdoc/>
    public int OutputIndex(int row, int column) => row * _p.N + column;

    /// <inheritdoc/>
    public float OutputFactor(int row, int column) => 1f;
}

/// <summary>
/// ILGPU GEMM kernels, row-major <c>C (+)= op(A) op(B)</c>; launch them through <see cref="GemmLauncher"/>. The tiled
/// kernel is <see cref="TiledProductKernel"/> over a <see cref="GemmProduct"/>.
/// </summary>
public static class GemmKernels
{
    /// <summary>The kernels of this family, for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        .. TiledProductLauncher<GemmProduct>.Entries("Gemm.Tiled"),
    ];
}

/// <summary>
/// Launches the GEMM kernels on one accelerator. The kernels are compiled on first use; launches go to the
/// accelerator's default stream and are asynchronous (synchronize before reading C on the host).
/// </summary>
public sealed class GemmLauncher
{
    private readonly TiledProductLauncher<GemmProduct> _tiled;

    /// <summary>
    /// Prepares the tiled kernel for <paramref name="accelerator"/> (compiled per tile shape on first launch; the naive
    /// baseline lives with the tests and benchmarks). The tiled kernel's shape comes from
    /// <see cref="TileShape.Pick"/>; on ILGPU's CPU simulator the device's group limit decides it: every simulated
    /// thread is an OS thread and every barrier a real one, so create it with small groups, e.g.
    /// <c>new CPUDevice(2, 2, 1)</c> for 2 x 2 (a 128 x 1024 x 784 product takes seconds; with 16 x 16 groups minutes).
    /// </summary>
    /// <param name="accelerator">A CUDA, OpenCL or CPU (simulator) accelerator.</param>
    public GemmLauncher(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        _tiled = new TiledProductLauncher<GemmProduct>(accelerator);
    }

    /// <summary>
    /// Row-major <c>C = op(A) op(B)</c>, or <c>C += op(A) op(B)</c> when <paramref name="accumulate"/> is set.
    /// </summary>
    /// <param name="a">op(A) is <c>[m, k]</c>: A is stored <c>[m, k]</c>, or <c>[k, m]</c> when <paramref name="transA"/>.</param>
    /// <param name="b">op(B) is <c>[k, n]</c>: B is stored <c>[k, n]</c>, or <c>[n, k]</c> when <paramref name="transB"/>.</param>
    /// <param name="c">C, stored <c>[m, n]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="transA">A is stored transposed.</param>
    /// <param name="transB">B is stored transposed.</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <exception cref="ArgumentException">A dimension is negative, a view is shorter than its shape, or a matrix
    /// has more than <see cref="int.MaxValue"/> elements.</exception>
    public void Multiply(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k,
                         bool transA, bool transB, bool accumulate)
    {
        var p = Validate(a, b, c, m, n, k, transA, transB, accumulate);
        if (m == 0 || n == 0)
        {
            return;
        }
        _tiled.Launch(new GemmProduct(p, a, b), ProductEpilogue.Plain(c, accumulate), c);
    }

    /// <summary>
    /// One launch of a dense layer: <c>C = act(scale * op(A) op(B) + bias)</c> with the tiled kernel, the bias and
    /// activation as <paramref name="epilogue"/> says (<see cref="ProductEpilogue.Fused"/>).
    /// </summary>
    /// <param name="a">op(A) is <c>[m, k]</c>.</param>
    /// <param name="b">op(B) is <c>[k, n]</c>.</param>
    /// <param name="c">C, stored <c>[m, n]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="transA">A is stored transposed.</param>
    /// <param name="transB">B is stored transposed.</param>
    /// <param name="epilogue">Bias, activation and scale applied to each element of C.</param>
    /// <param name="shape">The tile shape, or null for <see cref="TileShape.Pick"/>'s.</param>
    /// <exception cref="ArgumentException">As <see cref="Multiply"/>, or the bias is shorter than its axis of C.</exception>
    public void MultiplyFused(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k,
                              bool transA, bool transB, ProductEpilogue epilogue, TileShape? shape = null)
    {
        var p = Validate(a, b, c, m, n, k, transA, transB, epilogue.Accumulate != 0);
        long biasNeeded = (BiasAxis)epilogue.Axis switch { BiasAxis.Rows => m, BiasAxis.Columns => n, _ => 0 };
        if (epilogue.Bias.Length < biasNeeded)
        {
            throw new ArgumentException($"GEMM m={m}, n={n}, k={k}: the bias needs {biasNeeded} elements but has {epilogue.Bias.Length}.",
                nameof(epilogue));
        }
        if (m == 0 || n == 0)
        {
            return;
        }
        var product = new GemmProduct(p, a, b);
        _tiled.Launch(product, epilogue, c, shape ?? _tiled.PickShape(product));
    }

    /// <summary>The parameters of a GEMM after checking its dimensions and view lengths (also for the tests' naive baseline).</summary>
    internal static GemmParams Validate(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k,
                                    bool transA, bool transB, bool accumulate)
    {
        CpuGemm.ValidateShapes(a.Length, b.Length, c.Length, m, n, k, transA, transB);
        if (Math.Max((long)m * k, Math.Max((long)k * n, (long)m * n)) > int.MaxValue)
        {
            throw new ArgumentException(
                $"GEMM m={m}, n={n}, k={k}: the kernels index with 32-bit integers, so no matrix may exceed {int.MaxValue} elements.");
        }
        return new GemmParams(m, n, k, transA, transB, accumulate);
    }
}
