using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of <see cref="ModulatedConvOp"/> at the size of StyleALAE's 16x16 blocks.</summary>
[KernelChecks(typeof(ModulatedConvOp), typeof(ModulatedConvKernels))]
public static class ModulatedConvChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("modulated conv 3x3, demodulated [8,64,16,16]", (b, r) =>
            ModulatedConvOp.ModulatedConv2d(Normal(b, r, 8, 64, 16, 16), Normal(b, r, 64, 64, 3, 3), Normal(b, r, 8, 64))),
        new("modulated conv backward (dx, dw, ds) [8,64,16,16]", Backward),
    ];

    private static Tensor Backward(Backend b, RandomGenerator r)
    {
        Tensor[] inputs = [Normal(b, r, 8, 64, 16, 16), Normal(b, r, 64, 64, 3, 3), Normal(b, r, 8, 64)];
        foreach (var t in inputs) t.RequiresGrad = true;
        var y = ModulatedConvOp.ModulatedConv2d(inputs[0], inputs[1], inputs[2]);
        var grads = Autograd.Grad([y], inputs, [Normal(b, r, 8, 64, 16, 16)]);
        return ShapeOp.Concat([.. grads.Select(g => ShapeOp.Reshape(g, g.Count))], 0);
    }
}
