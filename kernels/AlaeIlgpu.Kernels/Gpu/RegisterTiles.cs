using System.Runtime.CompilerServices;
using ILGPU;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>
/// A thread's register tile, as a type so that each size compiles its own kernel: a thread of a (DimX, DimY) group
/// accumulates <c>C[row0 + DimY r, column0 + DimX s]</c> for r, s &lt; <see cref="Side"/>.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
public interface IRegisterTile<TSelf> where TSelf : struct, IRegisterTile<TSelf>
{
    /// <summary>Rows (and columns) of C that one thread accumulates.</summary>
    static abstract int Side { get; }

    /// <summary>
    /// Adds the outer product of one step of k: <c>Side</c> values of A from <paramref name="a"/> (DimY apart) times
    /// <c>Side</c> values of B from <paramref name="b"/> (DimX apart), both in shared memory.
    /// </summary>
    TSelf Step(ArrayView<float> stage, int a, int b);

    /// <summary>Finishes and stores the tile whose first element is C[<paramref name="row"/>, <paramref name="column"/>].</summary>
    void Store<TProduct>(TProduct product, ProductEpilogue epilogue, ArrayView<float> c, int row, int column)
        where TProduct : struct, ITiledProduct;
}

/// <summary>A 4 x 4 register tile: 16 accumulators, 8 shared-memory reads per 16 multiply-adds.</summary>
public readonly struct RegisterTile4 : IRegisterTile<RegisterTile4>
{
    private readonly Quad _r0, _r1, _r2, _r3;

    private RegisterTile4(Quad r0, Quad r1, Quad r2, Quad r3) => (_r0, _r1, _r2, _r3) = (r0, r1, r2, r3);

    /// <inheritdoc/>
    public static int Side => 4;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RegisterTile4 Step(ArrayView<float> stage, int a, int b)
    {
        Quad column = Quad.Read(stage, a, Group.DimY), row = Quad.Read(stage, b, Group.DimX);
        return new(_r0.Fma(column.X, row), _r1.Fma(column.Y, row), _r2.Fma(column.Z, row), _r3.Fma(column.W, row));
    }

    /// <inheritdoc/>
    public void Store<TProduct>(TProduct product, ProductEpilogue epilogue, ArrayView<float> c, int row, int column)
        where TProduct : struct, ITiledProduct
    {
        int dy = Group.DimY;
        _r0.Store(product, epilogue, c, row, column);
        _r1.Store(product, epilogue, c, row + dy, column);
        _r2.Store(product, epilogue, c, row + 2 * dy, column);
        _r3.Store(product, epilogue, c, row + 3 * dy, column);
    }
}

/// <summary>
/// An 8 x 8 register tile: 64 accumulators, 16 shared-memory reads per 64 multiply-adds (twice the reuse of
/// <see cref="RegisterTile4"/>, at four times the registers). Rows are <see cref="Quad"/> pairs: columns s and s + 4.
/// </summary>
public readonly struct RegisterTile8 : IRegisterTile<RegisterTile8>
{
    private readonly Quad _l0, _l1, _l2, _l3, _l4, _l5, _l6, _l7;   // columns 0..3 of rows 0..7
    private readonly Quad _h0, _h1, _h2, _h3, _h4, _h5, _h6, _h7;   // columns 4..7 of rows 0..7

    private RegisterTile8(Quad l0, Quad l1, Quad l2, Quad l3, Quad l4, Quad l5, Quad l6, Quad l7,
                          Quad h0, Quad h1, Quad h2, Quad h3, Quad h4, Quad h5, Quad h6, Quad h7)
    {
        (_l0, _l1, _l2, _l3, _l4, _l5, _l6, _l7) = (l0, l1, l2, l3, l4, l5, l6, l7);
        (_h0, _h1, _h2, _h3, _h4, _h5, _h6, _h7) = (h0, h1, h2, h3, h4, h5, h6, h7);
    }

    /// <inheritdoc/>
    public static int Side => 8;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RegisterTile8 Step(ArrayView<float> stage, int a, int b)
    {
        int dy = Group.DimY, dx = Group.DimX;
        Quad a0 = Quad.Read(stage, a, dy), a1 = Quad.Read(stage, a + 4 * dy, dy);   // rows 0..3, 4..7
        Quad b0 = Quad.Read(stage, b, dx), b1 = Quad.Read(stage, b + 4 * dx, dx);   // columns 0..3, 4..7
        return new(_l0.Fma(a0.X, b0), _l1.Fma(a0.Y, b0), _l2.Fma(a0.Z, b0), _l3.Fma(a0.W, b0),
                   _l4.Fma(a1.X, b0), _l5.Fma(a1.Y, b0), _l6.Fma(a1.Z, b0), _l7.Fma(a1.W, b0),
                   _h0.Fma(a0.X, b1), _h1.Fma(a0.Y, b1), _h2.Fma(a0.Z, b1), _h3.Fma(a0.W, b1),
                   _h4.Fma(a1.X, b1), _h5.Fma(a1.Y, b1), _h6.Fma(a1.Z, b1), _h7.Fma(a1.W, b1));
    }

    /// <inheritdoc/>
    public void Store<TProduct>(TProduct product, ProductEpilogue epilogue, ArrayView<float> c, int row, int column)
        where TProduct : struct, ITiledProduct
    {
        int dy = Group.DimY, high = column + 4 * Group.DimX;
        _l0.Store(product, epilogue, c, row, column); _h0.Store(product, epilogue, c, row, high);
        _l1.Store(product, epilogue, c, row + dy, column); _h1.Store(product, epilogue, c, row + dy, high);
        _l2.Store(product, epilogue, c, row + 2 * dy, column); _h2.Store(product, epilogue, c, row + 2 * dy, high);
        _l3.Store(product, epilogue, c, row + 3 * dy, column); _h3.Store(product, epilogue, c, row + 3 * dy, high);
        _l4.Store(product, epilogue, c, row + 4 * dy, column); _h4.Store(product, epilogue, c, row + 4 * dy, high);
        _l5.Store(product, epilogue, c, row + 5 * dy, column); _h5.Store(product, epilogue, c, row + 5 * dy, high);
        _l6.Store(product, epilogue, c, row + 6 * dy, column); _h6.Store(product, epilogue, c, row + 6 * dy, high);
        _l7.Store(product, epilogue, c, row + 7 * dy, column); _h7.Store(product, epilogue, c, row + 7 * dy, high);
    }
}

/// <summary>Four floats held in registers: four elements of C, or four operands read from a shared stage.</summary>
internal readonly struct Quad
{
    private Quad(float x, float y, float z, float w) => (X, Y, Z, W) = (x, y, z, w);

    /// <summary>The first.</summary>
    public float X { get; }

    /// <summary>The second.</summary>
    public float Y { get; }

    /// <summary>The third.</summary>
    public float Z { get; }

    /// <summary>The fourth.</summary>
    public float W { get; }

    /// <summary><c>stage[start + stride i]</c> for i &lt; 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Quad Read(ArrayView<float> stage, int start, int stride) =>
        new(stage[start], stage[start + stride], stage[start + 2 * stride], stage[start + 3 * stride]);

    /// <summary><c>this + s * v</c>, element-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Quad Fma(float s, Quad v) => new(X + s * v.X, Y + s * v.Y, Z + s * v.Z, W + s * v.W);

    /// <summary>Finishes C[row, column + DimX s] for s &lt; 4, skipping elements outside C.</summary>
    internal void Store<TProduct>(TProduct product, ProductEpilogue epilogue, ArrayView<float> c, int row, int column)
        where TProduct : struct, ITiledProduct
    {
        if (row >= product.Rows)
        {
            return;
        }

        int stride = Group.DimX;
        StoreOne(product, epilogue, c, row, column, X);
        StoreOne(product, epilogue, c, row, column + stride, Y);
        StoreOne(product, epilogue, c, row, column + 2 * stride, Z);
        StoreOne(product, epilogue, c, row, column + 3 * stride, W);
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
}
