using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="ElementwiseOp"/>: broadcasting binaries and every unary function.</summary>
[GradCases(typeof(ElementwiseOp))]
public static class ElementwiseGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["add"] = new(b => [N(b, 1, 2, 3, 4), N(b, 2, 3, 1)], x => x[0] + x[1]),
        ["add per channel"] = new(b => [N(b, 1, 2, 3, 2, 2), N(b, 2, 1, 3, 1, 1)], x => x[0] + x[1]),
        ["subtract"] = new(b => [N(b, 1, 2, 3, 4), N(b, 2, 2, 1, 4)], x => x[0] - x[1]),
        ["multiply"] = new(b => [N(b, 1, 2, 3, 4), N(b, 2, 3, 1)], x => x[0] * x[1]),
        ["multiply both broadcast"] = new(b => [N(b, 1, 3, 1), N(b, 2, 1, 4)], x => x[0] * x[1]),
        ["divide"] = new(b => [N(b, 1, 2, 3, 4), P(b, 2, 4)], x => x[0] / x[1]),
        ["divide broadcast numerator"] = new(b => [N(b, 1, 1, 3, 1), P(b, 2, 2, 3, 4)], x => x[0] / x[1]),
        ["scale"] = new(b => [N(b, 1, 3, 5)], x => x[0] * -1.7f),
        ["add-scalar"] = new(b => [N(b, 1, 3, 5)], x => x[0] + 0.3f),
        ["negate"] = new(b => [N(b, 1, 3, 5)], x => -x[0]),
        ["square"] = new(b => [N(b, 1, 3, 5)], x => ElementwiseOp.Square(x[0])),
        ["sqrt"] = new(b => [P(b, 1, 3, 5)], x => ElementwiseOp.Sqrt(x[0])),
        ["rsqrt"] = new(b => [P(b, 1, 3, 5)], x => ElementwiseOp.Rsqrt(x[0])),
        ["exp"] = new(b => [N(b, 1, 3, 5)], x => ElementwiseOp.Exp(x[0])),
        ["log"] = new(b => [P(b, 1, 3, 5)], x => ElementwiseOp.Log(x[0])),
        ["softplus"] = new(b => [N(b, 1, 3, 5)], x => ElementwiseOp.Softplus(x[0] * 2f)),
        ["sigmoid"] = new(b => [N(b, 1, 3, 5)], x => ElementwiseOp.Sigmoid(x[0] * 2f)),
        ["leaky-relu"] = new(b => [K(b, 1, 3, 5)], x => ElementwiseOp.LeakyRelu(x[0], 0.2f)),
        ["lerp"] = new(b => [N(b, 1, 2, 3), N(b, 2, 3)], x => ElementwiseOp.Lerp(x[0], x[1], 0.3f)),
    };
}
