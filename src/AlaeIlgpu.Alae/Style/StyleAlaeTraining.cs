using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// What a StyleALAE run trains, as a config builds it: the model and its EMA copy, the two optimizers (E+D, F+G), the
/// three-step <see cref="StyleAlaeStep"/> and the seeded latent, noise and mixing streams; and one full iteration on a
/// given real batch (three latent batches, the three steps with R1, the EMA update). <see cref="StyleAlaeTrainer"/>
/// adds the schedule, the data and checkpoints; <see cref="StyleStepProbe"/> runs it on random images.
/// </summary>
public sealed class StyleAlaeTraining
{
    private readonly StyleAlaeStep _step;

    /// <summary>Builds the networks, optimizers and step of <paramref name="config"/> on <paramref name="backend"/>.</summary>
    /// <param name="config">The run's config (architecture, optimizer, R1 gamma, EMA half-life, seed).</param>
    /// <param name="backend">Where everything lives.</param>
    /// <param name="firstLearningRate">The optimizers' learning rate until the caller sets another.</param>
    public StyleAlaeTraining(StyleAlaeConfig config, Backend backend, double firstLearningRate)
    {
        Shape = StyleModelKind.ShapeOf(config);
        ulong seed = config.Training.Seed;
        Model = new StyleAlae(backend, new RandomGenerator(seed), Shape);
        Ema = new StyleAlae(backend, new RandomGenerator(seed + 1), Shape);   // own random init, as the official code
        // seed + 3 and seed + 6 belong to the trainer's data order and mirroring.
        (Latents, Noise, Mixing) = (new RandomGenerator(seed + 2), new RandomGenerator(seed + 4), new RandomGenerator(seed + 5));
        (EncoderOptimizer, DecoderOptimizer) = CreateOptimizers(Model, config.Optimizer, (float)firstLearningRate);
        var settings = new StyleAlaeStepSettings(new AlaeStepSettings((float)config.Training.R1Gamma, (float)config.Model.WAverageBeta), (float)config.Model.StyleMixingProb);
        _step = new StyleAlaeStep(Model, EncoderOptimizer, DecoderOptimizer, settings, GeneratorNoise.From(Noise), Mixing);
        EmaHalfLife = config.Training.EmaHalfLifeImages * LodSchedule.ScaleOf(config.Schedule);
    }

    /// <summary>The E+D and the F+G optimizers of <paramref name="model"/>, with zero moments.</summary>
    public static (LreqAdam Encoder, LreqAdam Decoder) CreateOptimizers(StyleAlae model, StyleOptimizerConfig settings, float learningRate)
    {
        var (b1, b2, eps) = ((float)settings.Beta1, (float)settings.Beta2, (float)settings.Epsilon);
        return (new LreqAdam(model.E.Parameters().Concat(model.D.Parameters()), learningRate, b1, b2, eps),
                new LreqAdam(model.F.Parameters().Concat(model.G.Parameters()), learningRate, b1, b2, eps));
    }

    /// <summary>
    /// Half-life of the EMA in images: <c>training.ema_half_life_images</c> scaled with the schedule, so a run shortened
    /// by <c>--kimg</c> averages over the same share of its training as the full one (at kimg 10 the mnist config's
    /// 10,000 images would otherwise leave half of the EMA at its random initialisation when the run ends).
    /// </summary>
    public double EmaHalfLife { get; }

    /// <summary>The architecture.</summary>
    public StyleAlaeShape Shape { get; }

    /// <summary>The trained model.</summary>
    public StyleAlae Model { get; }

    /// <summary>The exponential moving average of the model (used for figures).</summary>
    public StyleAlae Ema { get; }

    /// <summary>Adam over E and D.</summary>
    public LreqAdam EncoderOptimizer { get; }

    /// <summary>Adam over F and G.</summary>
    public LreqAdam DecoderOptimizer { get; }

    /// <summary>Draws the latent batches of each iteration.</summary>
    public RandomGenerator Latents { get; }

    /// <summary>Draws G's noise.</summary>
    public RandomGenerator Noise { get; }

    /// <summary>Draws the style-mixing decisions, cutoffs and second latents.</summary>
    public RandomGenerator Mixing { get; }

    /// <summary>Sets both optimizers' learning rate.</summary>
    public void SetLearningRate(double learningRate) => EncoderOptimizer.LearningRate = DecoderOptimizer.LearningRate = (float)learningRate;

    /// <summary>
    /// One full iteration at <paramref name="lod"/> and <paramref name="blend"/> on <paramref name="real"/>
    /// [B, C, 2^(lod+2), 2^(lod+2)] (already blended by <see cref="ProgressiveBlend.RealImages"/>): three latent
    /// batches, the three steps (R1 in step I), then the EMA moves towards the model by B images' worth of its half-life
    /// and takes the model's style average.
    /// </summary>
    public AlaeLosses Iterate(Tensor real, int lod, float blend) => AlaeLosses.Read(IterateOnDevice(real, lod, blend));

    /// <summary>
    /// <see cref="Iterate"/> without reading the losses: returns them stacked [3] on the device
    /// (<see cref="AlaeLosses.Stack"/>; the caller disposes them), so the host need not wait for the device.
    /// </summary>
    public Tensor IterateOnDevice(Tensor real, int lod, float blend)
    {
        int batch = real.Shape[0];
        Tensor losses;
        using (new TensorScope())
        {
            var z = Enumerable.Range(0, 3).Select(_ => Tensor.RandomNormal(real.Backend, Latents, batch, Shape.LatentSize)).ToArray();   // 3 x [B, latent]
            losses = _step.Run(real, z[0], z[1], z[2], lod, blend);
        }
        float emaBeta = (float)Math.Pow(0.5, batch / EmaHalfLife);
        ParameterAverage.Lerp(Parameters(Ema), Parameters(Model), 1f - emaBeta);
        // The style average is a buffer, not a parameter, so it is not averaged: the EMA copy draws (and truncates)
        // with the trained model's, as the official inference scripts load it.
        Ema.StyleAverage.Backend.Copy(Model.StyleAverage.Storage, Ema.StyleAverage.Storage);
        return losses;
    }

    private static Parameter[] Parameters(StyleAlae model) => model.NamedParameters().Select(p => p.Parameter).ToArray();
}
