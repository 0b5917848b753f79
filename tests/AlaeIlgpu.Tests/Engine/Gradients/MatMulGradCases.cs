using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="MatMulOp"/>: every transpose combination and the linear layer.</summary>
[GradCases(typeof(MatMulOp))]
public static class MatMulGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["matmul"] = new(b => [N(b, 1, 3, 4), N(b, 2, 4, 5)], x => MatMulOp.MatMul(x[0], x[1])),
        ["matmul transA"] = new(b => [N(b, 1, 4, 3), N(b, 2, 4, 5)], x => MatMulOp.MatMul(x[0], x[1], transA: true)),
        ["matmul transB"] = new(b => [N(b, 1, 3, 4), N(b, 2, 5, 4)], x => MatMulOp.MatMul(x[0], x[1], transB: true)),
        ["matmul transA transB"] = new(b => [N(b, 1, 4, 3), N(b, 2, 5, 4)], x => MatMulOp.MatMul(x[0], x[1], true, true)),
        ["linear"] = new(b => [N(b, 1, 4, 5), N(b, 2, 3, 5), N(b, 3, 3)], x => MatMulOp.Linear(x[0], x[1], x[2])),
    };
}
