using System.Runtime.CompilerServices;
using ILGPU;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>
/// One matrix product <c>C[row, column] = sum_k A[row, k] * B[k, column]</c> as the tiled kernel
/// (<see cref="TiledProductKernel"/>) sees it: a struct holding its tensors and shapes that gathers A and B element
/// by element (a GEMM with transposes, an implicit-GEMM convolution pass, a modulated convolution pass) and says
/// where each element of C goes. Implementations are blittable structs, so ILGPU specialises the kernel per type.
/// </summary>
public interface ITiledProduct
{
    /// <summary>Rows of C (and of A).</summary>
    int Rows { get; }

    /// <summary>Columns of C (and of B).</summary>
    int Columns { get; }

    /// <summary>Reduction length: columns of A, rows of B.</summary>
    int Depth { get; }

    /// <summary>True when consecutive k of one row of A are adjacent in memory: the staging then walks k fastest.</summary>
    bool ADepthContiguous { get; }

    /// <summary>True when consecutive k of one column of B are adjacent in memory: the staging then walks k fastest.</summary>
    bool BDepthContiguous { get; }

    /// <summary>A[row, k], or 0 where it falls into a convolution's zero padding.</summary>
    float LoadA(int row, int k);

    /// <summary>B[k, column], or 0 where it falls into a convolution's zero padding.</summary>
    float LoadB(int k, int column);

    /// <summary>
    /// True when <see cref="LoadA4"/> is one aligned 128-bit load: A is stored k-fastest, the depth is a multiple of 4
    /// and A starts on a 16-byte boundary. The staging then gathers A four steps of k per thread and load.
    /// </summary>
    bool AQuads { get; }

    /// <summary>As <see cref="AQuads"/>, for B and <see cref="LoadB4"/>.</summary>
    bool BQuads { get; }

    /// <summary>A[row, k .. k + 3] for k a multiple of 4.</summary>
    Float4 LoadA4(int row, int k);

    /// <summary>B[k .. k + 3, column] for k a multiple of 4.</summary>
    Float4 LoadB4(int k, int column);

    /// <summary>Index of C[row, column] in the result tensor.</summary>
    int OutputIndex(int row, int column);

    /// <summary>Factor C[row, column] is multiplied by before the epilogue (1 but for modulated convolutions).</summary>
    float OutputFactor(int row, int column);
}

/// <summary>Four consecutive floats, as one 128-bit global load reads them.</summary>
/// <param name="x">The first.</param>
/// <param name="y">The second.</param>
/// <param name="z">The third.</param>
/// <param name="w">The fourth.</param>
public readonly struct Float4(float x, float y, float z, float w)
{
    /// <summary>The first.</summary>
    public readonly float X = x;

    /// <summary>The second.</summary>
    public readonly float Y = y;

    /// <summary>The third.</summary>
    public readonly float Z = z;

    /// <summary>The fourth.</summary>
    public readonly float W = w;
}

/// <summary>
/// What the tiled kernel does with each finished element of C, in one pass:
/// <c>C = act(Scale * factor * sum + bias + (Accumulate ? C : 0))</c> with <c>act</c> a leaky ReLU of slope
/// <see cref="NegativeSlope"/> (1 is the identity), so a layer's bias, activation and scale need no extra launch.
/// </summary>
public readonly struct ProductEpilogue
{
    private ProductEpilogue(ArrayView<float> bias, BiasAxis axis, float scale, float negativeSlope, bool accumulate)
    {
        Bias = bias;
        Axis = (int)axis;
        Scale = scale;
        NegativeSlope = negativeSlope;
        Accumulate = accumulate ? 1 : 0;
    }

    /// <summary>The bias; the kernel reads it only when <see cref="Axis"/> is not <see cref="BiasAxis.None"/>.</summary>
    public ArrayView<float> Bias { get; }

    /// <summary>A <see cref="BiasAxis"/> as an int (kernels take blittable fields).</summary>
    public int Axis { get; }

    /// <summary>Factor on the product.</summary>
    public float Scale { get; }

    /// <summary>Slope of the leaky ReLU for negative values; 1 leaves values as they are.</summary>
    public float NegativeSlope { get; }

    /// <summary>1 to add the result to C, 0 to overwrite C.</summary>
    public int Accumulate { get; }

    /// <summary>Stores the plain product, overwriting C or adding to it.</summary>
    /// <param name="unread">Any valid view; the kernel never reads it (a kernel parameter may not be left unset).</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static ProductEpilogue Plain(ArrayView<float> unread, bool accumulate = false) =>
        new(unread, BiasAxis.None, 1f, 1f, accumulate);

    /// <summary>Stores <c>act(scale * product + bias)</c>, overwriting C.</summary>
    /// <param name="bias">The bias, one per row or per column of C as <paramref name="axis"/> says.</param>
    /// <param name="axis">The axis of the bias; <see cref="BiasAxis.None"/> leaves <paramref name="bias"/> unread.</param>
    /// <param name="scale">Factor on the product.</param>
    /// <param name="negativeSlope">Leaky ReLU slope for negative values; 1 for no activation.</param>
    public static ProductEpilogue Fused(ArrayView<float> bias, BiasAxis axis, float scale, float negativeSlope) =>
        new(bias, axis, scale, negativeSlope, accumulate: false);

    /// <summary>The finished value of C[row, column] from the accumulated sum and the value C held before.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal float Apply(float sum, float factor, int row, int column, float old)
    {
        float value = Scale * sum * factor;
        if (Axis != 0)
        {
            value += Bias[Axis == (int)BiasAxis.Rows ? row : column];
        }

        if (Accumulate != 0)
        {
            value = old + value;
        }

        return value >= 0f ? value : value * NegativeSlope;
    }
}

/// <summary>Depth of the tiled kernel's shared-memory stages, as a type so that each depth compiles its own kernel.</summary>
public interface ITileDepth
{
    /// <summary>Steps of k staged in shared memory at a time.</summary>
    static abstract int Value { get; }
}

/// <summary>Stages of 16 steps of k: short reductions waste less on their last, partial stage.</summary>
public readonly struct TileDepth16 : ITileDepth
{
    /// <inheritdoc/>
    public static int Value => 16;
}

/// <summary>Stages of 32 steps of k: half the barriers of <see cref="TileDepth16"/> on long reductions.</summary>
public readonly struct TileDepth32 : ITileDepth
{
    /// <inheritdoc/>
    public static int Value => 32;
}

/// <summary>
/// The one tiled matrix-product kernel of the GPU side. A group of (DimX, DimY) threads, each side at most
/// <see cref="MaxGroupSide"/>, computes a <c>[4 DimY, 4 DimX]</c> block of C: thread (x, y) holds rows
/// <c>y + DimY r</c> and columns <c>x + DimX s</c> (r, s &lt; 4) in a register tile. The reduction runs in stages of
/// TDepth steps of k, staged in padded shared memory and double-buffered, so the next stage
/// is gathered while the current one is multiplied and one barrier per stage suffices. An operand that can
/// (<see cref="ITiledProduct.AQuads"/>, <see cref="ITiledProduct.BQuads"/>: a GEMM operand stored k-fastest and aligned) is
/// gathered four steps of k per 128-bit load. Out-of-range elements
/// gather as zero and are not stored; every element of C gets the <see cref="ProductEpilogue"/>.
/// </summary>
public static class TiledProductKernel
{
    /// <summary>Rows (and columns) of C that one thread accumulates: the register tile's side.</summary>
    public const int RegisterTile = 4;

    /// <summary>Largest group side (16 x 16 = 256 threads); sizes the shared memory.</summary>
    public const int MaxGroupSide = 16;

    private const int MaxBlockSide = MaxGroupSide * RegisterTile;

    /// <summary>
    /// Distance between the rows of a shared stage: one more than the block side, so that threads that stage
    /// consecutive k (of A, or of a B stored k-fastest) write to different shared-memory banks.
    /// </summary>
    private const int Pitch = MaxBlockSide + 1;

    /// <summary>The kernel: see the class remarks.</summary>
    /// <typeparam name="TProduct">The product: how A, B and C are addressed.</typeparam>
    /// <typeparam name="TDepth">Steps of k per shared-memory stage.</typeparam>
    /// <param name="product">The operands and shapes.</param>
    /// <param name="epilogue">What happens to each finished element.</param>
    /// <param name="c">The result tensor.</param>
    public static void Run<TProduct, TDepth>(TProduct product, ProductEpilogue epilogue, ArrayView<float> c)
        where TProduct : struct, ITiledProduct
        where TDepth : struct, ITileDepth
    {
        // [2 buffers][A, B][TDepth][Pitch]
        var stages = SharedMemory.Allocate1D<float>(4 * TDepth.Value * Pitch);
        int stageLength = TDepth.Value * Pitch;
        int row0 = Grid.IdxY * Group.DimY * RegisterTile, column0 = Grid.IdxX * Group.DimX * RegisterTile;
        int steps = (product.Depth + TDepth.Value - 1) / TDepth.Value;
        if (steps > 0)
        {
            Stage<TProduct, TDepth>(product, stages, 0, row0, column0, 0);
        }

        Group.Barrier();
        RegisterBlock acc = default;
        for (int s = 0; s < steps; s++)
        {
            int current = (s & 1) * 2 * stageLength;
            if (s + 1 < steps)
            {
                Stage<TProduct, TDepth>(product, stages, 2 * stageLength - current, row0, column0, (s + 1) * TDepth.Value);
            }

            for (int q = 0; q < TDepth.Value; q++)
            {
                acc = acc.Fma(Read4(stages, current + q * Pitch + Group.IdxY, Group.DimY),
                    Read4(stages, current + stageLength + q * Pitch + Group.IdxX, Group.DimX));
            }

            Group.Barrier();
        }

        int row = row0 + Group.IdxY;
        StoreRow(product, epilogue, c, row, column0, acc.R0);
        StoreRow(product, epilogue, c, row + Group.DimY, column0, acc.R1);
        StoreRow(product, epilogue, c, row + 2 * Group.DimY, column0, acc.R2);
        StoreRow(product, epilogue, c, row + 3 * Group.DimY, column0, acc.R3);
    }

    /// <summary>Gathers the stage of A and of B that starts at <paramref name="k0"/> into the buffer at <paramref name="offset"/>.</summary>
    private static void Stage<TProduct, TDepth>(TProduct product, ArrayView<float> stages, int offset, int row0, int column0, int k0)
        where TProduct : struct, ITiledProduct
        where TDepth : struct, ITileDepth
    {
        int depthLeft = product.Depth - k0, stageLength = TDepth.Value * Pitch;
        StageSide<TProduct, TDepth>(product, true, stages, offset, row0, depthLeft, k0, Group.DimY * RegisterTile);
        StageSide<TProduct, TDepth>(product, false, stages, offset + stageLength, column0, depthLeft, k0, Group.DimX * RegisterTile);
    }

    /// <summary>
    /// Copies elements <c>[w0, w0 + width) x [k0, k0 + TDepth)</c> of A (w a row) or of B (w a column) into
    /// <c>stage[q][w]</c>, zero outside the operand. Consecutive threads take consecutive k when the operand is stored
    /// k-fastest, else consecutive w, so their global reads are adjacent either way. <paramref name="isA"/> is a
    /// constant at both call sites, so the compiler drops the branches on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageSide<TProduct, TDepth>(TProduct product, bool isA, ArrayView<float> stages, int offset, int w0,
        int depthLeft, int k0, int width)
        where TProduct : struct, ITiledProduct
        where TDepth : struct, ITileDepth
    {
        bool depthFastest = isA ? product.ADepthContiguous : product.BDepthContiguous;
        int limit = (isA ? product.Rows : product.Columns) - w0, threads = Group.DimX * Group.DimY;
        if (depthFastest && (isA ? product.AQuads : product.BQuads))
        {
            StageQuads<TProduct, TDepth>(product, isA, stages, offset, w0, depthLeft, k0, width, limit);
            return;
        }

        for (int e = Group.LinearIndex; e < width * TDepth.Value; e += threads)
        {
            int q = depthFastest ? e % TDepth.Value : e / width;
            int w = depthFastest ? e / TDepth.Value : e % width;
            bool inside = w < limit && q < depthLeft;
            stages[offset + q * Pitch + w] = !inside ? 0f : isA ? product.LoadA(w0 + w, k0 + q) : product.LoadB(k0 + q, w0 + w);
        }
    }

    /// <summary>
    /// <see cref="StageSide{TProduct, TDepth}"/> for an operand stored k-fastest that loads four steps of k at once:
    /// each thread gathers <c>[w][q .. q + 3]</c> in one 128-bit load. The depth being a multiple of 4, a quad is
    /// either wholly inside the operand or wholly past its end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageQuads<TProduct, TDepth>(TProduct product, bool isA, ArrayView<float> stages, int offset, int w0,
        int depthLeft, int k0, int width, int limit)
        where TProduct : struct, ITiledProduct
        where TDepth : struct, ITileDepth
    {
        int quadsPerLine = TDepth.Value / 4, threads = Group.DimX * Group.DimY;
        for (int e = Group.LinearIndex; e < width * quadsPerLine; e += threads)
        {
            int q = e % quadsPerLine * 4, w = e / quadsPerLine;
            var v = w >= limit || q >= depthLeft ? default : isA ? product.LoadA4(w0 + w, k0 + q) : product.LoadB4(k0 + q, w0 + w);
            int at = offset + q * Pitch + w;
            stages[at] = v.X;
            stages[at + Pitch] = v.Y;
            stages[at + 2 * Pitch] = v.Z;
            stages[at + 3 * Pitch] = v.W;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Quad Read4(ArrayView<float> stage, int start, int stride) =>
        new(stage[start], stage[start + stride], stage[start + 2 * stride], stage[start + 3 * stride]);

    /// <summary>Finishes C[row, column0 + IdxX + DimX s] for s &lt; 4, skipping elements outside C.</summary>
    private static void StoreRow<TProduct>(TProduct product, ProductEpilogue epilogue, ArrayView<float> c, int row, int column0,
        Quad values) where TProduct : struct, ITiledProduct
    {
        if (row >= product.Rows)
        {
            return;
        }

        int column = column0 + Group.IdxX, stride = Group.DimX;
        StoreOne(product, epilogue, c, row, column, values.X);
        StoreOne(product, epilogue, c, row, column + stride, values.Y);
        StoreOne(product, epilogue, c, row, column + 2 * stride, values.Z);
        StoreOne(product, epilogue, c, row, column + 3 * stride, values.W);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOne<TProduct>(TProduct product, ProductEpilogue epilogue, ArrayView<float> c, int row, int column,
        float sum) where TProduct : struct, ITiledProduct
    {
        if (column < product.Columns)
        {
            int index = product.OutputIndex(row, column);
            float old = epilogue.Accumulate != 0 ? c[index] : 0f;
            c[index] = epilogue.Apply(sum, product.OutputFactor(row, column), row, column, old);
        }
    }

    /// <summary>Four floats held in registers.</summary>
    private readonly struct Quad(float x, float y, float z, float w)
    {
        public readonly float X = x, Y = y, Z = z, W = w;

        /// <summary><c>this + s * v</c>, element-wise.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Quad Fma(float s, Quad v) => new(X + s * v.X, Y + s * v.Y, Z + s * v.Z, W + s * v.W);
    }

    /// <summary>A thread's 4 x 4 register tile of C, one <see cref="Quad"/> per row.</summary>
    private readonly struct RegisterBlock(Quad r0, Quad r1, Quad r2, Quad r3)
    {
        public readonly Quad R0 = r0, R1 = r1, R2 = r2, R3 = r3;

        /// <summary>Adds the outer product of a column of A and a row of B.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public RegisterBlock Fma(Quad column, Quad row) =>
            new(R0.Fma(column.X, row), R1.Fma(column.Y, row), R2.Fma(column.Z, row), R3.Fma(column.W, row));
    }
}
