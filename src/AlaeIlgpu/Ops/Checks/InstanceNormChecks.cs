using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of <see cref="InstanceNormOp"/> at the size of StyleALAE's 16x16 blocks.</summary>
[KernelChecks(typeof(InstanceNormOp), typeof(InstanceNormKernels))]
public static class InstanceNormChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("instance statistics [32,64,16,16]", (b, r) =>
        {
            var (mean, std) = InstanceNormOp.Statistics(Normal(b, r, 32, 64, 16, 16) * 2f + 1f);
            return ShapeOp.Concat([mean, std], 1);
        }),
        new("instance norm eps 1e-5 [32,64,16,16]", (b, r) => InstanceNormOp.InstanceNorm(Normal(b, r, 32, 64, 16, 16), 1e-5f)),
        new("instance norm backward [32,64,16,16]", Backward),
    ];

    private static Tensor Backward(Backend b, RandomGenerator r)
    {
        var x = Normal(b, r, 32, 64, 16, 16);
        x.RequiresGrad = true;
        return Autograd.Grad([InstanceNormOp.InstanceNorm(x, 1e-5f)], [x], [Normal(b, r, 32, 64, 16, 16)])[0];
    }
}
