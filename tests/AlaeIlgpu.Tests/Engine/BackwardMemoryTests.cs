using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Alae;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// A backward pass off the tape releases each gradient and backward temporary once used, so its memory does not grow
/// with the depth of the graph (StyleALAE's step I at 512x512 needed 8.0 GiB of tensors without the release, 3.2 with it).
/// </summary>
[Collection(MlpMemoryCollection.Name)]   // reads the process-wide cpu pool: runs alone
public class BackwardMemoryTests
{
    /// <summary>An element count no other test uses, so the pool holds no buffers of this length beforehand.</summary>
    private const int Length = 65_539;

    /// <summary>Ops in the chain: kept gradients and temporaries would need at least this many buffers.</summary>
    private const int Depth = 64;

    /// <summary>
    /// Buffers of <see cref="Length"/> the backward pass may add to the pool: the gradient flowing in, the one flowing
    /// out, a temporary of the op between, and the leaf's gradient it keeps.
    /// </summary>
    private const int BackwardBuffers = 4;

    [Fact]
    public void BackwardThroughADeepChainHoldsAFewBuffersNotOnePerOp()
    {
        var cpu = CpuBackend.Instance;
        using var scope = new TensorScope();
        var x = Tensor.RandomNormal(cpu, new RandomGenerator(1), Length);
        x.RequiresGrad = true;
        var y = x;
        for (int i = 0; i < Depth; i++) y = ElementwiseOp.Sigmoid(y * 1.01f);   // [Length], two ops per link
        var loss = ReduceOp.Sum(y);
        long beforeBackward = cpu.PooledBytes;

        Autograd.Backward(loss, [x]);

        long added = cpu.PooledBytes - beforeBackward;
        Assert.True(added <= BackwardBuffers * 4L * Length, $"backward through {Depth} links added {added / (4.0 * Length):F0} buffers of {Length} floats");
        Assert.NotNull(x.Grad);
        Assert.True(x.Grad.ToArray().All(float.IsFinite));
    }
}
