using System.Numerics;
using System.Runtime.CompilerServices;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>The <c>cpu</c> backend's elementwise kernels: maps, broadcast binary ops and fills, SIMD over the innermost axis.</summary>
public static unsafe class CpuElementwise
{
    /// <summary>y[i] = TOp(x[i]; a) for i &lt; y.Length. x and y may alias.</summary>
    public static void Unary<TOp>(ReadOnlySpan<float> x, Span<float> y, float a) where TOp : struct, IUnaryOperator
    {
        int n = y.Length;
        if (x.Length < n) throw new ArgumentException($"Unary op: input has {x.Length} elements, output {n}.");
        fixed (float* px = x, py = y)
        {
            float* sx = px, sy = py;
            CpuParallel.For(n, 4, (s, e) => UnaryRange<TOp>(sx, sy, s, e, a));
        }
    }

    private static void UnaryRange<TOp>(float* x, float* y, int start, int end, float a) where TOp : struct, IUnaryOperator
    {
        int w = Vector<float>.Count;
        var va = new Vector<float>(a);
        int i = start;
        for (; i + w <= end; i += w)
            Unsafe.WriteUnaligned(y + i, TOp.Apply(Unsafe.ReadUnaligned<Vector<float>>(x + i), va));
        for (; i < end; i++)
            y[i] = TOp.Apply(x[i], a);
    }

    /// <summary>y = TOp(a, b) over the broadcast geometry g; y is dense with g.Count elements and may alias a or b when their shape equals y's.</summary>
    public static void Binary<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, in BroadcastGeometry g)
        where TOp : struct, IBinaryOperator
    {
        if (y.Length < g.Count) throw new ArgumentException($"Binary op: output has {y.Length} elements, geometry needs {g.Count}.");
        fixed (float* pa = a, pb = b, py = y)
        {
            float* sa = pa, sb = pb, sy = py;
            BroadcastGeometry geo = g;
            int rows = g.D0 * g.D1 * g.D2;
            CpuParallel.For(rows, g.D3, (s, e) => BinaryRows<TOp>(sa, sb, sy, geo, s, e));
        }
    }

    private static void BinaryRows<TOp>(float* a, float* b, float* y, BroadcastGeometry g, int rowStart, int rowEnd)
        where TOp : struct, IBinaryOperator
    {
        for (int row = rowStart; row < rowEnd; row++)
        {
            int i2 = row % g.D2, rest = row / g.D2;
            int i1 = rest % g.D1, i0 = rest / g.D1;
            float* ra = a + i0 * g.A0 + i1 * g.A1 + i2 * g.A2;
            float* rb = b + i0 * g.B0 + i1 * g.B1 + i2 * g.B2;
            InnerRow<TOp>(ra, g.A3, rb, g.B3, y + (long)row * g.D3, g.D3);
        }
    }

    private static void InnerRow<TOp>(float* a, int sa, float* b, int sb, float* y, int n) where TOp : struct, IBinaryOperator
    {
        int w = Vector<float>.Count;
        int i = 0;
        if (sa == 1 && sb == 1)
            for (; i + w <= n; i += w)
                Unsafe.WriteUnaligned(y + i, TOp.Apply(Unsafe.ReadUnaligned<Vector<float>>(a + i), Unsafe.ReadUnaligned<Vector<float>>(b + i)));
        else if (sa == 1 && sb == 0)
            for (var vb = new Vector<float>(*b); i + w <= n; i += w)
                Unsafe.WriteUnaligned(y + i, TOp.Apply(Unsafe.ReadUnaligned<Vector<float>>(a + i), vb));
        else if (sa == 0 && sb == 1)
            for (var va = new Vector<float>(*a); i + w <= n; i += w)
                Unsafe.WriteUnaligned(y + i, TOp.Apply(va, Unsafe.ReadUnaligned<Vector<float>>(b + i)));
        for (; i < n; i++)
            y[i] = TOp.Apply(a[i * sa], b[i * sb]);
    }

    /// <summary>
    /// target[i] = target[i] + (source[i] - target[i]) * t for i &lt; target.Length: three roundings, no fused
    /// multiply-add, so it equals the unfused subtract, scale and add bit for bit.
    /// </summary>
    public static void LerpInPlace(Span<float> target, ReadOnlySpan<float> source, float t)
    {
        int n = target.Length;
        if (source.Length < n) throw new ArgumentException($"Lerp: target has {n} elements, source {source.Length}.");
        fixed (float* pt = target, ps = source)
        {
            float* st = pt, ss = ps;
            CpuParallel.For(n, 3, (s, e) => LerpRange(st, ss, t, s, e));
        }
    }

    private static void LerpRange(float* target, float* source, float t, int start, int end)
    {
        int w = Vector<float>.Count;
        var vt = new Vector<float>(t);
        int i = start;
        for (; i + w <= end; i += w)
        {
            var a = Unsafe.ReadUnaligned<Vector<float>>(target + i);
            Unsafe.WriteUnaligned(target + i, a + (Unsafe.ReadUnaligned<Vector<float>>(source + i) - a) * vt);
        }
        for (; i < end; i++)
            target[i] += (source[i] - target[i]) * t;
    }

    /// <summary>
    /// y[i] = g[i] for x[i] &gt; 0, else slope * g[i], for i &lt; y.Length: leaky ReLU's backward in one pass. Equal bit for
    /// bit to g times the 1-or-slope mask (g * 1 is g). y may alias g.
    /// </summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> y, float slope)
    {
        int n = y.Length;
        if (g.Length < n || x.Length < n) throw new ArgumentException($"Leaky ReLU backward: gradient has {g.Length} elements, input {x.Length}, output {n}.");
        fixed (float* pg = g, px = x, py = y)
        {
            float* sg = pg, sx = px, sy = py;
            CpuParallel.For(n, 3, (s, e) => LeakyReluBackwardRange(sg, sx, sy, slope, s, e));
        }
    }

    private static void LeakyReluBackwardRange(float* g, float* x, float* y, float slope, int start, int end)
    {
        int w = Vector<float>.Count;
        var vs = new Vector<float>(slope);
        int i = start;
        for (; i + w <= end; i += w)
        {
            var vg = Unsafe.ReadUnaligned<Vector<float>>(g + i);
            var positive = Vector.GreaterThan(Unsafe.ReadUnaligned<Vector<float>>(x + i), Vector<float>.Zero);
            Unsafe.WriteUnaligned(y + i, Vector.ConditionalSelect(positive, vg, vg * vs));
        }
        for (; i < end; i++)
            y[i] = x[i] > 0f ? g[i] : g[i] * slope;
    }

    /// <summary>Sets every element of y to value.</summary>
    public static void Fill(Span<float> y, float value) => y.Fill(value);
}
