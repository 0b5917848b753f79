using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="ReduceOp"/>: sums and means over all or some axes, and broadcasting expansion.</summary>
[GradCases(typeof(ReduceOp))]
public static class ReduceGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["sum all"] = new(b => [N(b, 1, 2, 3, 4)], x => ReduceOp.Sum(x[0])),
        ["sum axes keepDims"] = new(b => [N(b, 1, 2, 3, 4, 2)], x => ReduceOp.Sum(x[0], [1, 3], keepDims: true)),
        ["sum axis"] = new(b => [N(b, 1, 3, 5)], x => ReduceOp.Sum(x[0], [0])),
        ["mean all"] = new(b => [N(b, 1, 2, 3, 4)], x => ReduceOp.Mean(x[0])),
        ["mean axes"] = new(b => [N(b, 1, 2, 3, 4)], x => ReduceOp.Mean(x[0], [0, 2])),
        ["expand"] = new(b => [N(b, 1, 1, 3, 1)], x => ReduceOp.Expand(x[0], new TensorShape(2, 3, 4))),
    };
}
