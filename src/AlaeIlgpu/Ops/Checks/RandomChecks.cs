using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary><c>alae check</c> cases of the seeded random tensors (<see cref="Tensor.RandomNormal"/>, <see cref="Tensor.RandomUniform"/>).</summary>
[KernelChecks(typeof(Tensor), typeof(RandomKernels))]
public static class RandomChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("random normal [4096]", (b, r) => Normal(b, r, 4096)),
        new("random uniform [4096]", (b, r) => Tensor.RandomUniform(b, r, 4096)),
    ];
}
