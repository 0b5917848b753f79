using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of <see cref="StyleOp"/> (composed of elementwise ops and reductions) at StyleALAE's sizes.</summary>
[KernelChecks(typeof(StyleOp), typeof(ElementwiseKernels), typeof(ReduceKernels))]
public static class StyleChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("pixel norm [128,512]", (b, r) => StyleOp.PixelNorm(Normal(b, r, 128, 512))),
        new("style modulate + noise [8,64,16,16]", (b, r) => StyleOp.AddNoise(
            StyleOp.StyleModulate(Normal(b, r, 8, 64, 16, 16), Normal(b, r, 8, 128)), Normal(b, r, 8, 1, 16, 16), Normal(b, r, 64))),
        new("minibatch stddev [8,64,8,8]", (b, r) => StyleOp.MinibatchStddev(Normal(b, r, 8, 64, 8, 8))),
    ];
}
