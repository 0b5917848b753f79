using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of <see cref="ElementwiseOp"/>: broadcasting binaries and every unary function.</summary>
[KernelChecks(typeof(ElementwiseOp), typeof(ElementwiseKernels))]
public static class ElementwiseChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("add broadcast [32,64,8,8]+[1,64,1,1]", (b, r) => Normal(b, r, 32, 64, 8, 8) + Normal(b, r, 1, 64, 1, 1)),
        new("sub [128,1024]", (b, r) => Normal(b, r, 128, 1024) - Normal(b, r, 128, 1024)),
        new("mul broadcast [32,64,8,8]*[32,64,1,1]", (b, r) => Normal(b, r, 32, 64, 8, 8) * Normal(b, r, 32, 64, 1, 1)),
        new("div [128,1024]", (b, r) => Normal(b, r, 128, 1024) / (ElementwiseOp.Square(Normal(b, r, 128, 1024)) + 1f)),
        new("scale, add-scalar [128,1024]", (b, r) => Normal(b, r, 128, 1024) * 3f + 1f),
        new("square [128,1024]", (b, r) => ElementwiseOp.Square(Normal(b, r, 128, 1024))),
        new("sqrt, rsqrt [128,1024]", (b, r) =>
            ElementwiseOp.Sqrt(Tensor.RandomUniform(b, r, 128, 1024)) + ElementwiseOp.Rsqrt(Tensor.RandomUniform(b, r, 128, 1024))),
        new("exp, log [128,1024]", (b, r) => ElementwiseOp.Exp(Normal(b, r, 128, 1024)) + ElementwiseOp.Log(Tensor.RandomUniform(b, r, 128, 1024))),
        new("softplus, sigmoid [128,1024]", (b, r) =>
            ElementwiseOp.Softplus(Normal(b, r, 128, 1024) * 10f) + ElementwiseOp.Sigmoid(Normal(b, r, 128, 1024))),
        new("leaky relu 0.2 [128,1024]", (b, r) => ElementwiseOp.LeakyRelu(Normal(b, r, 128, 1024), 0.2f)),
    ];
}
