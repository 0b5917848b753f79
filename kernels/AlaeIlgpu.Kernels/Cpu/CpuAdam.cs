namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>The <c>cpu</c> backend's Adam update.</summary>
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
            float* sp = pp, sg = pg, sm = pm, sv = pv;
            CpuParallel.For(p.Length, 8, (s, e) =>
            {
                for (int i = s; i < e; i++)
                {
                    var (np, nm, nv) = step.Apply(sp[i], sg[i], useM ? sm[i] : 0f, sv[i]);
                    sp[i] = np;
                    sv[i] = nv;
                    if (useM) sm[i] = nm;
                }
            });
        }
    }
}
