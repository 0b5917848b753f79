using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>ILGPU Adam update, one thread per parameter element.</summary>
public static class AdamKernels
{
    /// <summary>Updates p, v (and m when Beta1 is not 0) in place from gradient g.</summary>
    public static void Update(Index1D i, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamStep step)
    {
        bool useM = step.Beta1 != 0f;
        var (np, nm, nv) = step.Apply(p[i], g[i], useM ? m[i] : 0f, v[i]);
        p[i] = np;
        v[i] = nv;
        if (useM) m[i] = nm;
    }

    /// <summary>Kernel entries for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
        [KernelEntry.Implicit("Adam.Update", typeof(AdamKernels), nameof(Update))];
}

/// <summary>Loads and launches the Adam kernel on one accelerator.</summary>
public sealed class AdamLauncher
{
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStep> _update;

    /// <summary>Compiles the kernel for the accelerator.</summary>
    public AdamLauncher(Accelerator accelerator) =>
        _update = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStep>(AdamKernels.Update);

    /// <summary>One Adam step over p's length; m may be any non-empty view when Beta1 is 0.</summary>
    public void Update(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamStep step)
    {
        if (p.Length > 0) _update((int)p.Length, p, g, m, v, step);
    }
}
