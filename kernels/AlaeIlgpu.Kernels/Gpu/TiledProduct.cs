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
/// <see cref="MaxGroupSide"/>, computes a <c>[R DimY, R DimX]</c> block of C, R the side of the register tile TTile:
/// thread (x, y) holds rows <c>y + DimY r</c> and columns <c>x + DimX s</c> (r, s &lt; R). The reduction runs in
/// stages of TDepth steps of k, staged in padded shared memory and double-buffered, so the next stage is gathered
/// while the current one is multiplied and one barrier per stage suffices. An operand that can
/// (<see cref="ITiledProduct.AQuads"/>, <see cref="ITiledProduct.BQuads"/>: a GEMM operand stored k-fastest and aligned) is
/// gathered four steps of k per 128-bit load. Out-of-range elements
/// gather as zero and are not stored; every element of C gets the <see cref="ProductEpilogue"/>.
/// </summary>
public static class TiledProductKernel
{
    /// <summary>Largest group side (16 x 16 = 256 threads); sizes the shared memory.</summary>
    public const int MaxGroupSide = 16;

    /// <summary>One compiled form of the kernel: its stage depth and register tile, as numbers and as type arguments.</summary>
    /// <param name="Depth">Steps of k per stage (<c>DepthType.Value</c>).</param>
    /// <param name="RegisterSide">Side of the register tile (<c>TileType.Side</c>).</param>
    /// <param name="DepthType">The <see cref="ITileDepth"/>.</param>
    /// <param name="TileType">The <see cref="IRegisterTile{TSelf}"/>.</param>
    internal readonly record struct Variant(int Depth, int RegisterSide, Type DepthType, Type TileType);

    /// <summary>
    /// The forms built for every product, the one list the launcher, <see cref="TileShape.Compiled"/> and the kernel
    /// catalog read: both depths with 4 x 4 register tiles, and stages of 16 with 8 x 8 ones (stages of 32 with 8 x 8
    /// tiles would need 66 KB of shared memory, over the 48 KB a CUDA kernel may allocate statically).
    /// </summary>
    internal static IReadOnlyList<Variant> Variants { get; } =
    [
        new(16, 4, typeof(TileDepth16), typeof(RegisterTile4)),
        new(32, 4, typeof(TileDepth32), typeof(RegisterTile4)),
        new(16, 8, typeof(TileDepth16), typeof(RegisterTile8)),
    ];

    /// <summary>
    /// Distance between the rows of a shared stage: one more than the largest block side, so that threads that stage
    /// consecutive k (of A, or of a B stored k-fastest) write to different shared-memory banks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Pitch<TTile>() where TTile : struct, IRegisterTile<TTile> => MaxGroupSide * TTile.Side + 1;

    /// <summary>Floats of shared memory the kernel allocates: two buffers of an A and a B stage.</summary>
    /// <typeparam name="TDepth">Steps of k per stage.</typeparam>
    /// <typeparam name="TTile">The register tile.</typeparam>
    internal static int SharedFloats<TDepth, TTile>() where TDepth : struct, ITileDepth where TTile : struct, IRegisterTile<TTile> =>
        4 * TDepth.Value * Pitch<TTile>();

    /// <summary>The kernel: see the class remarks.</summary>
    /// <typeparam name="TProduct">The product: how A, B and C are addressed.</typeparam>
    /// <typeparam name="TDepth">Steps of k per shared-memory stage.</typeparam>
    /// <typeparam name="TTile">The register tile of one thread.</typeparam>
    /// <param name="product">The operands and shapes.</param>
    /// <param name="epilogue">What happens to each finished element.</param>
    /// <param name="c">The result tensor.</param>
    public static void Run<TProduct, TDepth, TTile>(TProduct product, ProductEpilogue epilogue, ArrayView<float> c)
        where TProduct : struct, ITiledProduct
        where TDepth : struct, ITileDepth
        where TTile : struct, IRegisterTile<TTile>
    {
        // [2 buffers][A, B][TDepth][Pitch]
        var stages = SharedMemory.Allocate1D<float>(SharedFloats<TDepth, TTile>());
        int pitch = Pitch<TTile>(), stageLength = TDepth.Value * pitch;
        int row0 = Grid.IdxY * Group.DimY * TTile.Side, column0 = Grid.IdxX * Group.DimX * TTile.Side;
        int steps = (product.Depth + TDepth.Value - 1) / TDepth.Value;
        if (steps > 0)
        {
            Stage<TProduct, TDepth, TTile>(product, stages, 0, row0, column0, 0);
        }

        Group.Barrier();
        TTile acc = default;
        for (int s = 0; s < steps; s++)
        {
            int current = (s & 1) * 2 * stageLength;
            if (s + 1 < steps)
            {
                Stage<TProduct, TDepth, TTile>(product, stages, 2 * stageLength - current, row0, column0, (s + 1) * TDepth.Value);
            }

            for (int q = 0; q < TDepth.Value; q++)
            {
                acc = acc.Step(stages, current + q * pitch + Group.IdxY, current + stageLength + q * pitch + Group.IdxX);
            }

            Group.Barrier();
        }

        acc.Store(product, epilogue, c, row0 + Group.IdxY, column0 + Group.IdxX);
    }

    /// <summary>Gathers the stage of A and of B that starts at <paramref name="k0"/> into the buffer at <paramref name="offset"/>.</summary>
    private static void Stage<TProduct, TDepth, TTile>(TProduct product, ArrayView<float> stages, int offset, int row0, int column0, int k0)
        where TProduct : struct, ITiledProduct
        where TDepth : struct, ITileDepth
        where TTile : struct, IRegisterTile<TTile>
    {
        int depthLeft = product.Depth - k0, pitch = Pitch<TTile>(), stageLength = TDepth.Value * pitch;
        StageSide<TProduct, TDepth>(product, true, stages, offset, pitch, row0, depthLeft, k0, Group.DimY * TTile.Side);
        StageSide<TProduct, TDepth>(product, false, stages, offset + stageLength, pitch, column0, depthLeft, k0, Group.DimX * TTile.Side);
    }

    /// <summary>
    /// Copies elements <c>[w0, w0 + width) x [k0, k0 + TDepth)</c> of A (w a row) or of B (w a column) into
    /// <c>stage[q][w]</c>, zero outside the operand. Consecutive threads take consecutive k when the operand is stored
    /// k-fastest, else consecutive w, so their global reads are adjacent either way. <paramref name="isA"/> is a
    /// constant at both call sites, so the compiler drops the branches on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageSide<TProduct, TDepth>(TProduct product, bool isA, ArrayView<float> stages, int offset, int pitch, int w0,
        int depthLeft, int k0, int width)
        where TProduct : struct, ITiledProduct
        where TDepth : struct, ITileDepth
    {
        bool depthFastest = isA ? product.ADepthContiguous : product.BDepthContiguous;
        int limit = (isA ? product.Rows : product.Columns) - w0, threads = Group.DimX * Group.DimY;
        if (depthFastest && (isA ? product.AQuads : product.BQuads))
        {
            StageQuads<TProduct, TDepth>(product, isA, stages, offset, pitch, w0, depthLeft, k0, width, limit);
            return;
        }

        for (int e = Group.LinearIndex; e < width * TDepth.Value; e += threads)
        {
            int q = depthFastest ? e % TDepth.Value : e / width;
            int w = depthFastest ? e / TDepth.Value : e % width;
            bool inside = w < limit && q < depthLeft;
            stages[offset + q * pitch + w] = !inside ? 0f : isA ? product.LoadA(w0 + w, k0 + q) : product.LoadB(k0 + q, w0 + w);
        }
    }

    /// <summary>
    /// <see cref="StageSide{TProduct, TDepth}"/> for an operand stored k-fastest that loads four steps of k at once:
    /// each thread gathers <c>[w][q .. q + 3]</c> in one 128-bit load. The depth being a multiple of 4, a quad is
    /// either wholly inside the operand or wholly past its end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageQuads<TProduct, TDepth>(TProduct product, bool isA, ArrayView<float> stages, int offset, int pitch, int w0,
        int depthLeft, int k0, int width, int limit)
        where TProduct : struct, ITiledProduct
        where TDepth : struct, ITileDepth
    {
        int quadsPerLine = TDepth.Value / 4, threads = Group.DimX * Group.DimY;
        for (int e = Group.LinearIndex; e < width * quadsPerLine; e += threads)
        {
            int q = e % quadsPerLine * 4, w = e / quadsPerLine;
            var v = w >= limit || q >= depthLeft ? default : isA ? product.LoadA4(w0 + w, k0 + q) : product.LoadB4(k0 + q, w0 + w);
            int at = offset + q * pitch + w;
            stages[at] = v.X;
            stages[at + pitch] = v.Y;
            stages[at + 2 * pitch] = v.Z;
            stages[at + 3 * pitch] = v.W;
        }
    }
}
