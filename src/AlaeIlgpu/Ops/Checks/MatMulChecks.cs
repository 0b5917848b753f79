using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of <see cref="MatMulOp"/>: the MLP's GEMM shapes with each transpose, and an odd shape.</summary>
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
    ];
}
