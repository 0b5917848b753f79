using AlaeIlgpu.Nn;

namespace AlaeIlgpu.Alae.Style;

/// <summary>One row of a network's parameter table.</summary>
/// <param name="Name">The official (state-dict) name.</param>
/// <param name="Shape">The stored shape.</param>
/// <param name="Count">Elements.</param>
public readonly record struct ParameterRow(string Name, int[] Shape, long Count);

/// <summary>A network's parameters as rows (for <c>alae describe</c>), in registration order.</summary>
public static class ParameterTable
{
    /// <summary>Every parameter of <paramref name="network"/> with its name prefixed by <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<ParameterRow> Rows(Module network, string prefix = "") =>
        network.NamedParameters(prefix).Select(p => new ParameterRow(p.Name, p.Parameter.Value.Shape.ToArray(), p.Parameter.Value.Count)).ToArray();
}
