using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace AlaeIlgpu.Alae.Evaluation;

/// <summary>
/// The few dense vector loops the classifiers need: dot product and axpy from <see cref="TensorPrimitives"/>, and a
/// block of inner products (which it lacks) in managed SIMD over <see cref="Vector{T}"/>. Kept here so the evaluation
/// code does not depend on the engine.
/// </summary>
public static class DenseKernels
{
    /// <summary>Σ a[k]·b[k] over the common length (<see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>).</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Dot of lengths {a.Length} and {b.Length}.");
        return TensorPrimitives.Dot(a, b);
    }

    /// <summary>y += alpha·x (<see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>).</summary>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Axpy of lengths {x.Length} and {y.Length}.");
        TensorPrimitives.MultiplyAdd(x, alpha, y, y);
    }

    /// <summary>
    /// c[i, j] = a_i · b_j for rows a_i of <paramref name="a"/> <c>[aRows, d]</c> and b_j of <paramref name="b"/>
    /// <c>[bRows, d]</c>, into <paramref name="c"/> <c>[aRows, bRows]</c>, with 2 x 4 register tiles. Matches
    /// <see cref="InnerProductBlock"/>.
    /// </summary>
    public static void InnerProducts(ReadOnlySpan<float> a, int aRows, ReadOnlySpan<float> b, int bRows, int d, Span<float> c)
    {
        CheckBlock(a, aRows, b, bRows, d, c);
        int i = 0;
        for (; i + 2 <= aRows; i += 2)
        {
            ReadOnlySpan<float> a0 = a.Slice(i * d, d), a1 = a.Slice((i + 1) * d, d);
            int j = 0;
            for (; j + 4 <= bRows; j += 4) Tile2x4(a0, a1, b.Slice(j * d, 4 * d), d, c, i * bRows + j, bRows);
            for (; j < bRows; j++)
            {
                ReadOnlySpan<float> bj = b.Slice(j * d, d);
                c[i * bRows + j] = Dot(a0, bj);
                c[(i + 1) * bRows + j] = Dot(a1, bj);
            }
        }
        for (; i < aRows; i++)
        {
            for (int j = 0; j < bRows; j++) c[i * bRows + j] = Dot(a.Slice(i * d, d), b.Slice(j * d, d));
        }
    }

    private static void CheckBlock(ReadOnlySpan<float> a, int aRows, ReadOnlySpan<float> b, int bRows, int d, Span<float> c)
    {
        if (a.Length < aRows * d || b.Length < bRows * d || c.Length < aRows * bRows)
            throw new ArgumentException($"Inner-product block [{aRows}, {d}] x [{bRows}, {d}] needs spans of {aRows * d}, {bRows * d} and {aRows * bRows} floats, not {a.Length}, {b.Length} and {c.Length}.");
    }

    // c[at + r * stride + q] = a_r · b_q for r < 2, q < 4; b4 holds 4 consecutive rows of length d.
    private static void Tile2x4(ReadOnlySpan<float> a0, ReadOnlySpan<float> a1, ReadOnlySpan<float> b4, int d, Span<float> c, int at, int stride)
    {
        ref float p0 = ref MemoryMarshal.GetReference(a0);
        ref float p1 = ref MemoryMarshal.GetReference(a1);
        ref float q = ref MemoryMarshal.GetReference(b4);
        Vector<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector<float> s10 = default, s11 = default, s12 = default, s13 = default;
        int width = Vector<float>.Count;
        int k = 0;
        for (; k <= d - width; k += width)
        {
            Vector<float> x0 = Load(ref p0, k), x1 = Load(ref p1, k);
            Vector<float> y = Load(ref q, k);
            s00 = Vector.FusedMultiplyAdd(x0, y, s00);
            s10 = Vector.FusedMultiplyAdd(x1, y, s10);
            y = Load(ref q, d + k);
            s01 = Vector.FusedMultiplyAdd(x0, y, s01);
            s11 = Vector.FusedMultiplyAdd(x1, y, s11);
            y = Load(ref q, 2 * d + k);
            s02 = Vector.FusedMultiplyAdd(x0, y, s02);
            s12 = Vector.FusedMultiplyAdd(x1, y, s12);
            y = Load(ref q, 3 * d + k);
            s03 = Vector.FusedMultiplyAdd(x0, y, s03);
            s13 = Vector.FusedMultiplyAdd(x1, y, s13);
        }
        Span<float> sums = [Vector.Sum(s00), Vector.Sum(s01), Vector.Sum(s02), Vector.Sum(s03),
                            Vector.Sum(s10), Vector.Sum(s11), Vector.Sum(s12), Vector.Sum(s13)];
        for (; k < d; k++)
        {
            for (int col = 0; col < 4; col++)
            {
                sums[col] += a0[k] * b4[col * d + k];
                sums[4 + col] += a1[k] * b4[col * d + k];
            }
        }
        sums[..4].CopyTo(c.Slice(at, 4));
        sums[4..].CopyTo(c.Slice(at + stride, 4));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ref float start, int offset) =>
        Vector.LoadUnsafe(ref start, (nuint)offset);
}
