using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of <see cref="ResampleOp"/> at the size of StyleALAE's 16x16 blocks.</summary>
[KernelChecks(typeof(ResampleOp), typeof(ResampleKernels))]
public static class ResampleChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("blur 3x3 [32,64,16,16]", (b, r) => ResampleOp.Blur(Normal(b, r, 32, 64, 16, 16))),
        new("nearest 2x upsample [32,64,8,8]", (b, r) => ResampleOp.UpsampleNearest2x(Normal(b, r, 32, 64, 8, 8))),
        new("average pool 2x2 [32,64,16,16]", (b, r) => ResampleOp.AveragePool2x2(Normal(b, r, 32, 64, 16, 16))),
    ];
}
