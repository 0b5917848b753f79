using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Alae;

/// <summary>ALAE's step II pattern: some networks frozen while an optimizer updates the others.</summary>
public static class FrozenNetworks
{
    /// <summary>
    /// With every parameter of <paramref name="frozen"/> excluded from the tape (so no gradient is computed for them),
    /// builds <paramref name="loss"/>, back-propagates it into <paramref name="optimizer"/>'s parameters and steps;
    /// the networks are unfrozen afterwards, also on error. Returns the loss, detached and outside every scope, so
    /// that the caller reads it when it chooses (one device read for several losses); the caller disposes it.
    /// </summary>
    public static Tensor Step(Module[] frozen, LreqAdam optimizer, Tensor[] updated, Func<Tensor> loss)
    {
        foreach (var network in frozen) network.SetRequiresGrad(false);
        try
        {
            var value = loss();
            optimizer.ClearGrad();
            Autograd.Backward(value, updated);
            optimizer.Step();
            return value.Detach().Persist();
        }
        finally
        {
            foreach (var network in frozen) network.SetRequiresGrad(true);
        }
    }
}
