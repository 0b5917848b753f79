using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of <see cref="ReduceOp"/>: sums over inner, middle and all axes.</summary>
[KernelChecks(typeof(ReduceOp), typeof(ReduceKernels))]
public static class ReduceChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("sum axes 0,2,3 [32,64,8,8]", (b, r) => ReduceOp.Sum(Normal(b, r, 32, 64, 8, 8), [0, 2, 3])),
        new("mean axis 1 [128,1024]", (b, r) => ReduceOp.Mean(Normal(b, r, 128, 1024), [1])),
        new("sum all [65536]", (b, r) => ReduceOp.Sum(Normal(b, r, 65536))),
    ];
}
