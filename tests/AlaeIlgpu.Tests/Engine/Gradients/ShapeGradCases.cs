using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="ShapeOp"/>: reshape, concatenation, slicing and padding.</summary>
[GradCases(typeof(ShapeOp))]
public static class ShapeGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["reshape"] = new(b => [N(b, 1, 2, 3, 4)], x => ShapeOp.Reshape(x[0], 6, -1)),
        ["concat"] = new(b => [N(b, 1, 2, 3), N(b, 2, 2, 2)], x => ShapeOp.Concat(x, 1)),
        ["concat axis 0"] = new(b => [N(b, 1, 1, 3), N(b, 2, 2, 3), N(b, 3, 1, 3)], x => ShapeOp.Concat(x, 0)),
        ["slice"] = new(b => [N(b, 1, 3, 5)], x => ShapeOp.Slice(x[0], 1, 1, 3)),
        ["pad"] = new(b => [N(b, 1, 2, 3)], x => ShapeOp.Pad(x[0], 0, 1, 4)),
    };
}
