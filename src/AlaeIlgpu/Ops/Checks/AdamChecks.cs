using AlaeIlgpu.Backends;
using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Optim;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> case of the optimizer's fused update (<see cref="LreqAdam"/>).</summary>
[KernelChecks(typeof(LreqAdam), typeof(AdamKernels))]
public static class AdamChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } = [new("LREQ Adam step", Step)];

    private static Tensor Step(Backend b, RandomGenerator r)
    {
        var p = new Parameter(Normal(b, r, 4096));
        var adam = new LreqAdam([p], 0.002f, beta1: 0f, beta2: 0.99f);
        p.ZeroGrad();
        p.Grad!.CopyFrom(Normal(b, r, 4096));
        adam.Step();
        var result = p.Value.Clone();
        p.Value.Dispose();   // also disposes its gradient
        foreach (var (_, v) in adam.State()) v.Dispose();
        return result;
    }
}
