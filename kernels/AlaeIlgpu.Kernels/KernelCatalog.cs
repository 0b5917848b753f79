using System.Reflection;

namespace AlaeIlgpu.Kernels;

/// <summary>
/// Every ILGPU kernel of the project, so that tests can compile each one to PTX and OpenCL C without a GPU
/// and <c>alae check</c> can list them. A kernel family registers by declaring a public static
/// <c>Entries</c> property (an <see cref="IReadOnlyList{KernelEntry}"/>) on its static kernel class in
/// <c>AlaeIlgpu.Kernels.Gpu</c>; the catalog finds it there, so adding a family needs no edit here.
/// </summary>
public static class KernelCatalog
{
    /// <summary>The name of the property a kernel family declares its entries in.</summary>
    public const string EntriesProperty = "Entries";

    /// <summary>All kernel entries, family by family (families in name order).</summary>
    public static IReadOnlyList<KernelEntry> All { get; } = Families().SelectMany(family => family.Entries).ToList();

    /// <summary>The kernel families found: each static class of the GPU namespace with an <c>Entries</c> property.</summary>
    public static IEnumerable<(Type Owner, IReadOnlyList<KernelEntry> Entries)> Families() =>
        typeof(KernelCatalog).Assembly.GetTypes()
            .Where(type => type is { IsAbstract: true, IsSealed: true, Namespace: "AlaeIlgpu.Kernels.Gpu" })
            .OrderBy(type => type.Name, StringComparer.Ordinal)
            .Select(type => (type, type.GetProperty(EntriesProperty, BindingFlags.Public | BindingFlags.Static)?.GetValue(null)))
            .Where(found => found.Item2 is IReadOnlyList<KernelEntry>)
            .Select(found => (found.type, (IReadOnlyList<KernelEntry>)found.Item2!));
}
