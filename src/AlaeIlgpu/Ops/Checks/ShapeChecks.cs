using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of <see cref="ShapeOp"/>: strided block copies and the batch gather.</summary>
[KernelChecks(typeof(ShapeOp), typeof(LayoutKernels))]
public static class ShapeChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("concat + slice axis 1", (b, r) => ShapeOp.Slice(ShapeOp.Concat([Normal(b, r, 8, 3, 5), Normal(b, r, 8, 4, 5)], 1), 1, 2, 4)),
        new("gather rows", (b, r) => ShapeOp.GatherRows(Normal(b, r, 100, 784), [5, 99, 0, 5, 42])),
    ];
}
