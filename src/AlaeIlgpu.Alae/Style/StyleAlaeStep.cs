using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Alae.Style;

/// <summary>Settings of a StyleALAE iteration beyond the common ones.</summary>
/// <param name="Common">R1 gamma and the w-average decay.</param>
/// <param name="StyleMixingProbability">Chance that steps I and II mix the styles of two latents (official 0.9; 0 = off).</param>
public readonly record struct StyleAlaeStepSettings(AlaeStepSettings Common, float StyleMixingProbability);

/// <summary>
/// One StyleALAE training iteration at a level of detail and blend, as the official <c>Model.forward</c> and training
/// loop: step I updates E and D (with R1 on the real, already blended, batch), step II updates
/// F and G with E and D frozen, step III updates E, G and F on the latent reconstruction loss (D's Adam state advances
/// with a zero gradient). Steps I and II mix styles with the set probability; every generation updates the style average.
/// </summary>
/// <param name="model">The networks.</param>
/// <param name="encoderOptimizer">Adam over E and D.</param>
/// <param name="decoderOptimizer">Adam over F and G.</param>
/// <param name="settings">R1 gamma, w-average decay, mixing probability.</param>
/// <param name="noise">G's noise (on in training; off reproduces the official fixtures).</param>
/// <param name="mixingRandom">Draws the mixing decision, the cutoff and the second latent batch.</param>
public sealed class StyleAlaeStep(StyleAlae model, LreqAdam encoderOptimizer, LreqAdam decoderOptimizer, StyleAlaeStepSettings settings,
                                  GeneratorNoise noise, RandomGenerator mixingRandom)
{
    private const int ProbabilityResolution = 1 << 24;
    private readonly Tensor[] _encoderSide = [.. encoderOptimizer.Parameters.Select(p => p.Value)];
    private readonly Tensor[] _decoderSide = [.. decoderOptimizer.Parameters.Select(p => p.Value)];
    private float Beta => settings.Common.WAverageBeta;

    /// <summary>
    /// Runs the three steps at level <paramref name="lod"/> and <paramref name="blend"/> on a real batch
    /// [B, C, 2^(lod+2), 2^(lod+2)] (blended by <see cref="ProgressiveBlend.RealImages"/> in a transition) with three
    /// latent batches z [B, latent], one per step. All temporaries are released before it returns; the losses come back
    /// stacked [3] on the device, unread (<see cref="AlaeLosses.Stack"/>; the caller disposes them).
    /// </summary>
    public Tensor Run(Tensor realBatch, Tensor z1, Tensor z2, Tensor z3, int lod, float blend)
    {
        var lossED = UpdateEncoderAndDiscriminatorLoss(realBatch, z1, lod, blend);
        var lossFG = UpdateGeneratorLoss(z2, lod, blend);
        var lossEG = UpdateLatentReconstructionLoss(z3, lod, blend);
        return AlaeLosses.Stack(lossED, lossFG, lossEG);
    }

    /// <summary>Step I: E and D on real images against images generated off the tape (mixing allowed). Returns the loss.</summary>
    public float UpdateEncoderAndDiscriminator(Tensor realBatch, Tensor z, int lod, float blend)
    {
        using var loss = UpdateEncoderAndDiscriminatorLoss(realBatch, z, lod, blend);
        return loss.Item();
    }

    private Tensor UpdateEncoderAndDiscriminatorLoss(Tensor realBatch, Tensor z, int lod, float blend)
    {
        using var scope = new TensorScope();
        using var fake = GenerateOffTape(z, lod, blend);
        var real = realBatch.Detach();
        real.RequiresGrad = true;
        var loss = AlaeObjective.EncoderDiscriminator(Logits(fake, lod, blend), Logits(real, lod, blend), real, settings.Common.R1Gamma);
        encoderOptimizer.ClearGrad();
        Autograd.Backward(loss, _encoderSide);
        encoderOptimizer.Step();
        return loss.Detach().Persist();
    }

    /// <summary>Step II: F and G learn to fool the frozen E and D (mixing allowed). Returns the loss.</summary>
    public float UpdateGenerator(Tensor z, int lod, float blend)
    {
        using var loss = UpdateGeneratorLoss(z, lod, blend);
        return loss.Item();
    }

    private Tensor UpdateGeneratorLoss(Tensor z, int lod, float blend)
    {
        using var scope = new TensorScope();
        return FrozenNetworks.Step([model.E, model.D], decoderOptimizer, _decoderSide,
            () => AlaeObjective.Generator(Logits(Generate(z, lod, blend, mixing: true).Image, lod, blend)));
    }

    /// <summary>
    /// Step III: E must recover w from G(w) (no mixing); the gradient reaches E, G and F. Both optimizers step. Returns
    /// the loss.
    /// </summary>
    public float UpdateLatentReconstruction(Tensor z, int lod, float blend)
    {
        using var loss = UpdateLatentReconstructionLoss(z, lod, blend);
        return loss.Item();
    }

    private Tensor UpdateLatentReconstructionLoss(Tensor z, int lod, float blend)
    {
        using var scope = new TensorScope();
        encoderOptimizer.ClearGrad();
        decoderOptimizer.ClearGrad();
        var (image, w) = Generate(z, lod, blend, mixing: false);
        var loss = AlaeObjective.LatentReconstruction(model.E.Forward(image, lod, blend), w);
        Autograd.Backward(loss, [.. _encoderSide, .. _decoderSide]);
        encoderOptimizer.Step();
        decoderOptimizer.Step();
        return loss.Detach().Persist();
    }

    /// <summary>
    /// The official <c>generate</c>: w = F(z) (updating the style average), repeated over the style slots; with
    /// <paramref name="mixing"/> and the set probability, the slots from a cutoff drawn in [1, 2 (lod + 1)] on take the
    /// w of a second latent batch; then G. Returns the image and the (unmixed) w.
    /// </summary>
    public (Tensor Image, Tensor W) Generate(Tensor z, int lod, float blend, bool mixing)
    {
        var w = model.Map(z, Beta);
        var styles = StyleSlots.Broadcast(w, model.Shape.StyleSlots);
        if (mixing && settings.StyleMixingProbability > 0f
                   && mixingRandom.NextInt(ProbabilityResolution) < settings.StyleMixingProbability * ProbabilityResolution)
        {
            var z2 = Tensor.RandomNormal(z.Backend, mixingRandom, z.Shape.ToArray());
            var second = StyleSlots.Broadcast(model.F.Forward(z2), model.Shape.StyleSlots);
            styles = StyleSlots.Mix(styles, second, cutoff: 1 + mixingRandom.NextInt(2 * (lod + 1)));
        }
        return (model.G.Forward(styles, lod, blend, noise), w);
    }

    // The image of Generate with mixing, off the tape. G's intermediates are released as soon as the image exists
    // instead of at the end of step I, whose peak they would add to (2.2 GiB at 1024x1024, batch 1). The caller
    // disposes the image.
    private Tensor GenerateOffTape(Tensor z, int lod, float blend)
    {
        using var scope = new TensorScope();
        using (Autograd.NoGrad()) return Generate(z, lod, blend, mixing: true).Image.Persist();
    }

    // D(E(x)) [B, 1]
    private Tensor Logits(Tensor images, int lod, float blend) => model.D.Forward(model.E.Forward(images, lod, blend));
}
