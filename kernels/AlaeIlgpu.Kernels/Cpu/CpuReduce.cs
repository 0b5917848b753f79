using System.Numerics;
using System.Runtime.CompilerServices;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>The <c>cpu</c> backend's reduction: a sum over the middle axis of an [outer, reduce, inner] view.</summary>
public static unsafe class CpuReduce
{
    /// <summary>y[o, i] = sum over r of x[o, r, i]. x is [outer, reduce, inner], y is [outer, inner].</summary>
    public static void SumMiddle(ReadOnlySpan<float> x, Span<float> y, int outer, int reduce, int inner)
    {
        if (x.Length < (long)outer * reduce * inner || y.Length < (long)outer * inner)
            throw new ArgumentException($"SumMiddle: x has {x.Length} elements, y {y.Length}, shape [{outer}, {reduce}, {inner}].");
        fixed (float* px = x, py = y)
        {
            float* sx = px, sy = py;
            if (inner == 1)
                CpuParallel.For(outer, reduce, (s, e) => { for (int o = s; o < e; o++) sy[o] = SumContiguous(sx + (long)o * reduce, reduce); });
            else if (outer >= Environment.ProcessorCount || inner < 256)
                CpuParallel.For(outer, (long)reduce * inner, (s, e) => { for (int o = s; o < e; o++) SumRows(sx + (long)o * reduce * inner, sy + (long)o * inner, reduce, inner, inner); });
            else
                CpuParallel.For(inner, (long)outer * reduce, (s, e) =>
                {
                    for (int o = 0; o < outer; o++)
                        SumRows(sx + (long)o * reduce * inner + s, sy + (long)o * inner + s, reduce, e - s, inner);
                });
        }
    }

    private static float SumContiguous(float* x, int n)
    {
        int w = Vector<float>.Count;
        var acc0 = Vector<float>.Zero;
        var acc1 = Vector<float>.Zero;
        int i = 0;
        for (; i + 2 * w <= n; i += 2 * w)
        {
            acc0 += Unsafe.ReadUnaligned<Vector<float>>(x + i);
            acc1 += Unsafe.ReadUnaligned<Vector<float>>(x + i + w);
        }
        float sum = Vector.Sum(acc0 + acc1);
        for (; i < n; i++) sum += x[i];
        return sum;
    }

    // y[0..width) = sum over r of x[r * stride + 0..width)
    private static void SumRows(float* x, float* y, int rows, int width, int stride)
    {
        int w = Vector<float>.Count;
        int j = 0;
        for (; j + w <= width; j += w)
        {
            var acc = Vector<float>.Zero;
            for (int r = 0; r < rows; r++) acc += Unsafe.ReadUnaligned<Vector<float>>(x + (long)r * stride + j);
            Unsafe.WriteUnaligned(y + j, acc);
        }
        for (; j < width; j++)
        {
            float acc = 0f;
            for (int r = 0; r < rows; r++) acc += x[(long)r * stride + j];
            y[j] = acc;
        }
    }
}
