using AlaeIlgpu.Alae;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Tests.Engine;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>
/// Each of the three ALAE steps updates exactly its networks (the official training step): I moves E and D, II moves F and
/// G, III moves E, G and F; and step I's R1 double backprop gives the gradient finite differences give.
/// </summary>
public class MlpAlaeStepTests
{
    private const int Batch = 8;

    /// <summary>
    /// D's second moment after a zero-gradient Adam step is beta2 * v, computed in float32 by the kernel: one rounding
    /// of a product, so a few ulps relative.
    /// </summary>
    private const double MomentDecayRtol = 1e-6;

    private static (MlpAlaeTrainer Trainer, MlpAlaeStep Step, Tensor Real, RandomGenerator Noise) Setup(int batch = Batch, float r1Gamma = 10f)
    {
        var config = MlpTestSetup.Tiny(batch);
        var trainer = MlpTestSetup.Trainer(config);
        var t = config.Training;
        var step = new MlpAlaeStep(trainer.Model, trainer.EncoderOptimizer, trainer.DecoderOptimizer, new AlaeStepSettings(r1Gamma, (float)t.WAverageBeta));
        var images = MlpTestSetup.SyntheticImages(batch, seed: 9);
        var real = Tensor.FromArray(CpuBackend.Instance, images, batch, MlpTestSetup.SyntheticPixels).Persist();
        return (trainer, step, real, new RandomGenerator(77));
    }

    private static Tensor Z(MlpAlaeTrainer trainer, RandomGenerator noise, int batch = Batch) =>
        Tensor.RandomNormal(CpuBackend.Instance, noise, batch, trainer.Shape.Latent);

    // Every parameter whose name starts with one of movedNetworks ("E.") changed somewhere; every other one is bit-identical.
    private static void AssertOnlyMoved(Dictionary<string, float[]> before, Dictionary<string, float[]> after, params string[] movedNetworks)
    {
        foreach (var (name, old) in before)
        {
            bool changed = !old.AsSpan().SequenceEqual(after[name]);
            bool shouldMove = movedNetworks.Any(n => name.StartsWith(n, StringComparison.Ordinal));
            Assert.True(changed == shouldMove, $"{name}: {(changed ? "changed" : "did not change")}, but this step should {(shouldMove ? "" : "not ")}update it");
        }
    }

    private static IEnumerable<Parameter> Of(params Nn.Module[] networks) => networks.SelectMany(n => n.Parameters());

    [Fact]
    public void StepOneUpdatesOnlyEncoderAndDiscriminator()
    {
        var (trainer, step, real, noise) = Setup();
        var before = MlpTestSetup.Snapshot(trainer.Model);
        using (new TensorScope()) step.UpdateEncoderAndDiscriminator(real, Z(trainer, noise));

        AssertOnlyMoved(before, MlpTestSetup.Snapshot(trainer.Model), "E.", "D.");
        Assert.Equal(1, trainer.EncoderOptimizer.StepCount);
        Assert.Equal(0, trainer.DecoderOptimizer.StepCount);
        // F and G receive no gradient in step I: the fake batch is generated off the tape and backward stops at E and D.
        Assert.All(Of(trainer.Model.F, trainer.Model.G), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void StepTwoUpdatesOnlyMappingAndGenerator()
    {
        var (trainer, step, _, noise) = Setup();
        var before = MlpTestSetup.Snapshot(trainer.Model);
        using (new TensorScope()) step.UpdateGenerator(Z(trainer, noise));

        AssertOnlyMoved(before, MlpTestSetup.Snapshot(trainer.Model), "F.", "G.");
        Assert.Equal(0, trainer.EncoderOptimizer.StepCount);
        Assert.Equal(1, trainer.DecoderOptimizer.StepCount);
        // E and D were frozen (no gradient accumulated) and are trainable again afterwards.
        Assert.All(Of(trainer.Model.E, trainer.Model.D), p => Assert.Null(p.Grad));
        Assert.All(Of(trainer.Model.E, trainer.Model.D), p => Assert.True(p.Value.RequiresGrad));
    }

    [Fact]
    public void StepThreeUpdatesEncoderGeneratorAndMappingButNotDiscriminator()
    {
        var (trainer, step, real, noise) = Setup();
        using (new TensorScope()) step.UpdateEncoderAndDiscriminator(real, Z(trainer, noise));   // gives D a non-zero Adam moment
        var before = MlpTestSetup.Snapshot(trainer.Model);
        var dMomentsBefore = DiscriminatorMoments(trainer).Select(v => v.ToArray()).ToArray();

        using (new TensorScope()) step.UpdateLatentReconstruction(Z(trainer, noise));

        AssertOnlyMoved(before, MlpTestSetup.Snapshot(trainer.Model), "E.", "G.", "F.");
        Assert.Equal(2, trainer.EncoderOptimizer.StepCount);
        Assert.Equal(1, trainer.DecoderOptimizer.StepCount);
        Assert.All(trainer.Model.D.Parameters(), p => Assert.All(p.Grad!.ToArray(), g => Assert.Equal(0f, g)));
        // D's optimizer state still advanced: its second moment decayed by beta2 under a zero gradient.
        float beta2 = trainer.EncoderOptimizer.Beta2;
        var dMomentsAfter = DiscriminatorMoments(trainer).Select(v => v.ToArray()).ToArray();
        Assert.Contains(dMomentsBefore, v => v.Any(x => x > 0f));
        for (int i = 0; i < dMomentsBefore.Length; i++)
            for (int j = 0; j < dMomentsBefore[i].Length; j++)
            {
                double expected = beta2 * (double)dMomentsBefore[i][j];
                Assert.True(Math.Abs(dMomentsAfter[i][j] - expected) <= MomentDecayRtol * expected, $"D moment {i}[{j}]: {dMomentsAfter[i][j]:R}, expected {expected:R}");
            }
    }

    private static IEnumerable<Tensor> DiscriminatorMoments(MlpAlaeTrainer trainer)
    {
        var d = new HashSet<Parameter>(trainer.Model.D.Parameters(), ReferenceEqualityComparer.Instance);
        var state = trainer.EncoderOptimizer.State().ToDictionary(s => s.Name, s => s.Value);
        return trainer.EncoderOptimizer.Parameters.Select((p, i) => (p, i)).Where(x => d.Contains(x.p)).Select(x => state[$"v.{x.i}"]);
    }

    [Fact]
    public void RunDoesTheThreeStepsInOrder()
    {
        var (trainer, step, real, noise) = Setup();
        var before = MlpTestSetup.Snapshot(trainer.Model);
        AlaeLosses losses;
        using (new TensorScope()) losses = step.Run(real, Z(trainer, noise), Z(trainer, noise), Z(trainer, noise));

        AssertOnlyMoved(before, MlpTestSetup.Snapshot(trainer.Model), "E.", "D.", "F.", "G.");
        Assert.Equal(2, trainer.EncoderOptimizer.StepCount);
        Assert.Equal(2, trainer.DecoderOptimizer.StepCount);
        Assert.True(float.IsFinite(losses.EncoderDiscriminator) && float.IsFinite(losses.Generator) && losses.LatentReconstruction >= 0f, losses.ToString());
    }

    [Fact]
    public void StepOneLossGradientWithRespectToAnEncoderWeightMatchesFiniteDifferences()
    {
        const int batch = 4;
        var (trainer, step, real, noise) = Setup(batch);
        Tensor fake;
        using (Autograd.NoGrad()) fake = trainer.Model.G.Forward(trainer.Model.F.Forward(Z(trainer, noise, batch))).Persist();
        var weight = trainer.Model.E.NamedParameters().Single(p => p.Name == "fc1.weight").Parameter.Value;

        GradCheck.Check(_ => step.EncoderDiscriminatorLoss(real, fake), [weight]);

        // The check covers the R1 path: without the penalty the same weight's gradient is far outside the tolerance.
        var noR1 = new MlpAlaeStep(trainer.Model, trainer.EncoderOptimizer, trainer.DecoderOptimizer, new AlaeStepSettings(0f, 0.995f));
        using var scope = new TensorScope();
        var withPenalty = Autograd.Grad([step.EncoderDiscriminatorLoss(real, fake)], [weight])[0].ToArray();
        var without = Autograd.Grad([noR1.EncoderDiscriminatorLoss(real, fake)], [weight])[0].ToArray();
        double largestR1Part = withPenalty.Zip(without, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largestR1Part > R1VisibleFactor * GradCheck.Atol, $"R1 changes the gradient by at most {largestR1Part:G3}");
    }

    [Fact]
    public void StepTwoLossGradientsReachMappingAndGeneratorThroughTheFrozenEncoderAsFiniteDifferencesSay()
    {
        var (trainer, step, _, noise) = Setup(batch: 4);
        var z = Z(trainer, noise, 4).Persist();
        var m = trainer.Model;
        m.E.SetRequiresGrad(false);
        m.D.SetRequiresGrad(false);
        try
        {
            GradCheck.CheckPiecewiseSmooth(_ => step.GeneratorLoss(z), [Weight(m.G, "fc1.weight"), Weight(m.G, "fc3.weight"),
                Weight(m.F, "layers.0.weight"), Weight(m.F, "layers.5.bias")], WholeStepFdStep, GradCheck.Atol, GradCheck.Rtol);
        }
        finally
        {
            m.E.SetRequiresGrad(true);
            m.D.SetRequiresGrad(true);
        }
    }

    [Fact]
    public void StepOneLossGradientsReachEveryEncoderAndDiscriminatorLayerAsFiniteDifferencesSay()
    {
        const int batch = 4;
        var (trainer, step, real, noise) = Setup(batch);
        var m = trainer.Model;
        Tensor fake;
        using (Autograd.NoGrad()) fake = m.G.Forward(m.F.Forward(Z(trainer, noise, batch))).Persist();
        GradCheck.CheckPiecewiseSmooth(_ => step.EncoderDiscriminatorLoss(real, fake), [Weight(m.E, "fc1.bias"),
            Weight(m.E, "fc2.weight"), Weight(m.E, "fc2.bias"), Weight(m.E, "fc3.weight"), Weight(m.E, "fc3.bias"),
            Weight(m.D, "layers.0.weight"), Weight(m.D, "layers.1.bias"), Weight(m.D, "layers.2.weight")],
            R1FdStep, GradCheck.Atol, GradCheck.Rtol);
    }

    // F is left out here: finite differences of F's weights also move the detached target w = F(z), which the
    // stop-gradient leaves out on purpose. F's path through G is the one step II checks.
    [Fact]
    public void StepThreeLossGradientsReachEncoderAndGeneratorAsFiniteDifferencesSay()
    {
        var (trainer, step, _, noise) = Setup(batch: 4);
        var z = Z(trainer, noise, 4).Persist();
        var m = trainer.Model;
        GradCheck.CheckPiecewiseSmooth(_ => step.LatentReconstructionLoss(z), [Weight(m.E, "fc1.weight"), Weight(m.E, "fc3.bias"),
            Weight(m.G, "fc1.weight"), Weight(m.G, "fc2.weight")], WholeStepFdStep, GradCheck.Atol, GradCheck.Rtol);
    }

    private static Tensor Weight(Nn.Module network, string name) =>
        network.NamedParameters().Single(p => p.Name == name).Parameter.Value;

    /// <summary>
    /// Finite-difference step for the whole-step checks: GradCheck's usual 1e-2. The tiny model's step III loss is large
    /// at initialisation, so float32 rounding of it over a 1e-3 step alone is ~2e-3, the size of the tolerance; leaky
    /// ReLUs make the losses piecewise smooth, so the piecewise check also accepts a one-sided difference.
    /// </summary>
    private const float WholeStepFdStep = GradCheck.Step;

    /// <summary>
    /// Finite-difference step for step I's loss: the R1 penalty jumps where a hidden pre-activation changes sign, and
    /// with 1e-2 a one-sided probe of an fc2 weight already reached the next kink (forward 0.115 against 0.104); 1e-3
    /// stays on the smooth piece, and the loss (about 50 at initialisation) still rounds to well below the tolerance.
    /// </summary>
    private const float R1FdStep = 1e-3f;

    /// <summary>How far above the finite-difference tolerance R1's share of the gradient must be for the check to see it.</summary>
    private const double R1VisibleFactor = 100;
}
