using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of <see cref="Conv2dOp"/> at the sizes of StyleALAE's 16x16 and 32x32 blocks.</summary>
[KernelChecks(typeof(Conv2dOp), typeof(Conv2dKernels))]
public static class Conv2dChecks
{
    private static readonly Conv2dGeometry Block16 = Conv2dGeometry.Create(8, 64, 16, 16, 64, 3, 3, 1, 1);

    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("conv2d 3x3 [8,64,16,16]x[64,64,3,3] + bias", (b, r) =>
            Conv2dOp.Conv2d(Normal(b, r, 8, 64, 16, 16), Normal(b, r, 64, 64, 3, 3) * (1f / 24), Normal(b, r, 64), 1, 1)),
        new("conv2d input grad 3x3 [8,64,16,16]", (b, r) =>
            Conv2dOp.InputGradient(Normal(b, r, 8, 64, 16, 16), Normal(b, r, 64, 64, 3, 3) * (1f / 24), Block16)),
        new("conv2d weight grad 3x3 [8,64,16,16]", (b, r) =>
            Conv2dOp.WeightGradient(Normal(b, r, 8, 64, 16, 16), Normal(b, r, 8, 64, 16, 16), Block16) * (1f / 45)),
        new("fused downsample conv [4,32,32,32] -> 16x16", (b, r) =>
            Conv2dOp.FusedDownsample(Normal(b, r, 4, 32, 32, 32), Normal(b, r, 64, 32, 3, 3) * (1f / 17), Normal(b, r, 64))),
        new("fused upsample conv [4,64,16,16] -> 32x32", (b, r) =>
            Conv2dOp.FusedUpsample(Normal(b, r, 4, 64, 16, 16), Normal(b, r, 64, 32, 3, 3) * (1f / 24), Normal(b, r, 32))),
    ];
}
