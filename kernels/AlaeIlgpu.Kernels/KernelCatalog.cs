namespace AlaeIlgpu.Kernels;

/// <summary>
/// Every ILGPU kernel of the project, so that tests can compile each one to PTX and OpenCL C without a GPU
/// and <c>alae check</c> can list them. Each kernel family contributes its own <c>Entries</c>.
/// </summary>
public static class KernelCatalog
{
    /// <summary>All kernel entries, family by family.</summary>
    public static IReadOnlyList<KernelEntry> All { get; } = Collect();

    private static List<KernelEntry> Collect()
    {
        var all = new List<KernelEntry>();
        // Each family adds one line here.
        all.AddRange(Gpu.ElementwiseKernels.Entries);
        all.AddRange(Gpu.ReduceKernels.Entries);
        all.AddRange(Gpu.LayoutKernels.Entries);
        all.AddRange(Gpu.RandomKernels.Entries);
        all.AddRange(Gpu.AdamKernels.Entries);
        all.AddRange(Gpu.GemmKernels.Entries);
        all.AddRange(Gpu.Conv2dKernels.Entries);
        all.AddRange(Gpu.ResampleKernels.Entries);
        all.AddRange(Gpu.InstanceNormKernels.Entries);
        all.AddRange(Gpu.ModulatedConvKernels.Entries);
        return all;
    }
}
