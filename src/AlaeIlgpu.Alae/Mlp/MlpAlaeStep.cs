using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>
/// One ALAE training iteration exactly as the official code (docs/alae-walkthrough.md walks through it): step I updates E and D,
/// step II updates F and G with E and D frozen, step III updates E, G and F on the latent reconstruction loss (D gets
/// zero gradients, so its Adam state still advances). Read top to bottom, this is the algorithm.
/// </summary>
public sealed class MlpAlaeStep(MlpAlae model, LreqAdam encoderOptimizer, LreqAdam decoderOptimizer, AlaeStepSettings settings)
{
    private readonly Tensor[] _encoderSide = [.. encoderOptimizer.Parameters.Select(p => p.Value)];
    private readonly Tensor[] _decoderSide = [.. decoderOptimizer.Parameters.Select(p => p.Value)];

    /// <summary>
    /// Runs the three steps on a real batch x [B, pixels] with three fresh latent batches z [B, latent] (one per step).
    /// All temporaries are released before it returns.
    /// </summary>
    public AlaeLosses Run(Tensor realBatch, Tensor z1, Tensor z2, Tensor z3) => AlaeLosses.Read(RunOnDevice(realBatch, z1, z2, z3));

    /// <summary>
    /// <see cref="Run"/> without reading the losses: returns them stacked [3] on the device (<see cref="AlaeLosses.Stack"/>;
    /// the caller disposes them), so the host need not wait for the device.
    /// </summary>
    public Tensor RunOnDevice(Tensor realBatch, Tensor z1, Tensor z2, Tensor z3)
    {
        var lossED = UpdateEncoderAndDiscriminatorLoss(realBatch, z1);
        var lossFG = UpdateGeneratorLoss(z2);
        var lossEG = UpdateLatentReconstructionLoss(z3);
        return AlaeLosses.Stack(lossED, lossFG, lossEG);
    }

    /// <summary>
    /// Step I: E and D learn to tell real digits from generated ones, with the R1 penalty on real inputs. Only E and D
    /// are updated (the fake batch is generated without a tape). Returns the loss.
    /// </summary>
    public float UpdateEncoderAndDiscriminator(Tensor realBatch, Tensor z)
    {
        using var loss = UpdateEncoderAndDiscriminatorLoss(realBatch, z);
        return loss.Item();
    }

    private Tensor UpdateEncoderAndDiscriminatorLoss(Tensor realBatch, Tensor z)
    {
        using var scope = new TensorScope();
        Tensor fake;
        using (Autograd.NoGrad()) fake = model.G.Forward(model.Map(z, settings.WAverageBeta));
        var loss = EncoderDiscriminatorLoss(realBatch, fake);
        encoderOptimizer.ClearGrad();
        Autograd.Backward(loss, _encoderSide);
        encoderOptimizer.Step();
        return loss.Detach().Persist();
    }

    /// <summary>
    /// Step I's loss on real x [B, pixels] and generated images [B, pixels]:
    /// mean softplus(D(E(fake))) + mean softplus(-D(E(x))) + gamma/2 mean ||grad_x D(E(x))||^2. The input gradient is
    /// taken with createGraph, so the penalty's own gradient reaches E's and D's weights (double backprop).
    /// </summary>
    public Tensor EncoderDiscriminatorLoss(Tensor realBatch, Tensor fake)
    {
        var real = realBatch.Detach();
        real.RequiresGrad = true;
        var realLogits = model.D.Forward(model.E.Forward(real));   // [B, 1]
        var fakeLogits = model.D.Forward(model.E.Forward(fake));   // [B, 1]

        return AlaeObjective.EncoderDiscriminator(fakeLogits, realLogits, real, settings.R1Gamma);
    }

    /// <summary>Step II: F and G learn to fool the frozen E and D (non-saturating logistic loss). Returns the loss.</summary>
    public float UpdateGenerator(Tensor z)
    {
        using var loss = UpdateGeneratorLoss(z);
        return loss.Item();
    }

    private Tensor UpdateGeneratorLoss(Tensor z)
    {
        using var scope = new TensorScope();
        return FrozenNetworks.Step([model.E, model.D], decoderOptimizer, _decoderSide, () => GeneratorLoss(z));
    }

    /// <summary>Step II's loss for latents z [B, latent]: mean softplus(-D(E(G(F(z))))).</summary>
    public Tensor GeneratorLoss(Tensor z) =>
        AlaeObjective.Generator(model.D.Forward(model.E.Forward(model.G.Forward(model.Map(z, settings.WAverageBeta)))));

    /// <summary>
    /// Step III's loss for latents z [B, latent]: mean (E(G(w)) - sg(w))^2 with w = F(z); only the target copy of w is
    /// detached, so the gradient reaches F through G's input.
    /// </summary>
    public Tensor LatentReconstructionLoss(Tensor z)
    {
        var w = model.Map(z, settings.WAverageBeta);
        return AlaeObjective.LatentReconstruction(model.E.Forward(model.G.Forward(w)), w);
    }

    /// <summary>
    /// Step III: E must recover w from G(w); the gradient reaches E, G and (through G's input) F. Both optimizers step,
    /// so D's Adam state advances with a zero gradient. Returns the loss.
    /// </summary>
    public float UpdateLatentReconstruction(Tensor z)
    {
        using var loss = UpdateLatentReconstructionLoss(z);
        return loss.Item();
    }

    private Tensor UpdateLatentReconstructionLoss(Tensor z)
    {
        using var scope = new TensorScope();
        encoderOptimizer.ClearGrad();
        decoderOptimizer.ClearGrad();
        var loss = LatentReconstructionLoss(z);
        Autograd.Backward(loss, [.. _encoderSide, .. _decoderSide]);
        encoderOptimizer.Step();
        decoderOptimizer.Step();
        return loss.Detach().Persist();
    }
}
