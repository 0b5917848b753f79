using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary>
/// <c>alae check</c> cases of <see cref="MatMulOp"/>: the MLP's GEMM shapes with each transpose, an odd shape, and the
/// dense layer with its bias and leaky ReLU fused into the GEMM.
/// </summary>
[KernelChecks(typeof(MatMulOp), typeof(GemmKernels))]
public static class MatMulChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("matmul 128x784x1024", (b, r) => MatMulOp.MatMul(Normal(b, r, 128, 784), Normal(b, r, 784, 1024))),
        new("matmul A^T B 1024x128x784", (b, r) => MatMulOp.MatMul(Normal(b, r, 128, 1024), Normal(b, r, 128, 784), transA: true)),
        new("matmul A B^T 128x1024x784", (b, r) => MatMulOp.MatMul(Normal(b, r, 128, 784), Normal(b, r, 1024, 784), transB: true)),
        new("matmul 65x33x17 odd", (b, r) => MatMulOp.MatMul(Normal(b, r, 65, 17), Normal(b, r, 17, 33))),
        new("linear+bias+lrelu 128x784->1024", (b, r) => MatMulOp.Linear(Normal(b, r, 128, 784), Normal(b, r, 1024, 784), Normal(b, r, 1024), 0.2f)),
        new("linear+lrelu 65x17->33 odd", (b, r) => MatMulOp.Linear(Normal(b, r, 65, 17), Normal(b, r, 33, 17), null, 0.01f)),
    ];
}
