using System.Numerics;
using System.Runtime.CompilerServices;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>The <c>cpu</c> backend's Adam update, SIMD with the same operation order as <see cref="AdamStep.Apply"/>.</summary>
public static unsafe class CpuAdam
{
    /// <summary>Applies <paramref name="step"/> to every element; m is ignored (may be empty) when Beta1 is 0.</summary>
    public static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, AdamStep step)
    {
        bool useM = step.Beta1 != 0f;
        if (g.Length < p.Length || v.Length < p.Length || (useM && m.Length < p.Length))
            throw new ArgumentException($"Adam: parameter has {p.Length} elements, gradient {g.Length}, m {m.Length}, v {v.Length}.");
        fixed (float* pp = p, pg = g, pm = m, pv = v)
        {
            float* sp = pp, sg = pg, sm = useM ? pm : null, sv = pv;
            CpuParallel.For(p.Length, 8, (s, e) => UpdateRange(sp, sg, sm, sv, step, s, e));
        }
    }

    // Elements [start, end); m is null when Beta1 is 0 (the first moment is then computed from a zero m, as the scalar form).
    private static void UpdateRange(float* p, float* g, float* m, float* v, AdamStep step, int start, int end)
    {
        int w = Vector<float>.Count;
        var beta1 = new Vector<float>(step.Beta1);
        var oneMinusBeta1 = new Vector<float>(1f - step.Beta1);
        var beta2 = new Vector<float>(step.Beta2);
        var oneMinusBeta2 = new Vector<float>(1f - step.Beta2);
        var epsilon = new Vector<float>(step.Epsilon);
        var stepSize = new Vector<float>(step.StepSize);
        int i = start;
        for (; i + w <= end; i += w)
        {
            var gi = Unsafe.ReadUnaligned<Vector<float>>(g + i);
            var mi = m is null ? Vector<float>.Zero : Unsafe.ReadUnaligned<Vector<float>>(m + i);
            var mNew = beta1 * mi + oneMinusBeta1 * gi;
            var vNew = beta2 * Unsafe.ReadUnaligned<Vector<float>>(v + i) + oneMinusBeta2 * gi * gi;
            var pNew = Unsafe.ReadUnaligned<Vector<float>>(p + i) - stepSize * mNew / (Vector.SquareRoot(vNew) + epsilon);
            Unsafe.WriteUnaligned(p + i, pNew);
            Unsafe.WriteUnaligned(v + i, vNew);
            if (m is not null) Unsafe.WriteUnaligned(m + i, mNew);
        }
        for (; i < end; i++)
        {
            var (np, nm, nv) = step.Apply(p[i], g[i], m is null ? 0f : m[i], v[i]);
            p[i] = np;
            v[i] = nv;
            if (m is not null) m[i] = nm;
        }
    }
}
