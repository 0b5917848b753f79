using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="InstanceNormOp"/>: E's style statistics and the norm with E's and G's epsilon.</summary>
[GradCases(typeof(InstanceNormOp))]
public static class InstanceNormGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["instance statistics (style)"] = new(b => [N(b, 1, 2, 3, 3, 4)], x => StyleStatistics(x[0])),
        ["instance norm eps 1e-5 (E)"] = new(b => [N(b, 1, 2, 3, 3, 4)], x => InstanceNormOp.InstanceNorm(x[0], 1e-5f)),
        ["instance norm eps 1e-8 (G)"] = new(b => [N(b, 1, 2, 2, 4, 3)], x => InstanceNormOp.InstanceNorm(x[0], 1e-8f)),
    };

    // E's style input [mu; sigma] (sigma without eps) of one block: [N, 2C].
    private static Tensor StyleStatistics(Tensor x)
    {
        var (mean, std) = InstanceNormOp.Statistics(x);
        return ShapeOp.Concat([mean, std], 1);
    }
}
