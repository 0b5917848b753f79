using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="ModulatedConvOp"/> (its own tests also cover the undemodulated form and single inputs).</summary>
[GradCases(typeof(ModulatedConvOp))]
public static class ModulatedConvGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["modulated conv 3x3 demodulated"] = new(b => [N(b, 1, 2, 3, 4, 5), W(b, 2, 2, 3, 3, 3), P(b, 3, 2, 3)],
            x => ModulatedConvOp.ModulatedConv2d(x[0], x[1], x[2])),
    };
}
