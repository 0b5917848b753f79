using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>
/// Everything a training run holds: the model, its EMA copy, the two optimizers (E+D, F+G), the noise generator and
/// the data on the device; runs iterations and saves/restores all of it, so a resumed run continues bit for bit.
/// </summary>
public sealed class MlpAlaeTrainer : IAlaeTrainer
{
    private readonly MlpAlaeConfig _config;
    private readonly float[] _figureImages;   // [n, pixels] held-out images for the reconstruction grid
    private readonly Tensor _images;          // [N, pixels] on the device
    private readonly RandomGenerator _noise;
    private readonly MlpAlaeStep _step;
    private readonly float _emaBeta;
    private readonly EpochSampler _sampler;

    /// <summary>Builds a fresh run on <paramref name="backend"/> over training images [count, pixels] in [0, 1], drawing no reconstructions.</summary>
    public MlpAlaeTrainer(MlpAlaeConfig config, Backend backend, float[] trainImages, int pixels)
        : this(config, backend, trainImages, new ImageShape(1, 1, pixels), [])
    {
    }

    /// <summary>
    /// Builds a fresh run on <paramref name="backend"/> over training images [count, C*H*W] in [0, 1];
    /// <paramref name="figureImages"/> [n, C*H*W] are the held-out images its reconstruction grids show.
    /// </summary>
    public MlpAlaeTrainer(MlpAlaeConfig config, Backend backend, float[] trainImages, ImageShape imageShape, float[] figureImages)
    {
        _config = config;
        _figureImages = figureImages;
        Backend = backend;
        ImageShape = imageShape;
        int pixels = imageShape.Pixels;
        Shape = ShapeOf(config, pixels);
        ulong seed = config.Training.Seed;
        Model = new MlpAlae(backend, new RandomGenerator(seed), Shape);
        Ema = new MlpAlae(backend, new RandomGenerator(seed + 1), Shape);   // own random init, as the official code
        _noise = new RandomGenerator(seed + 2);
        var o = config.Optimizer;
        EncoderOptimizer = new LreqAdam(Model.E.Parameters().Concat(Model.D.Parameters()), (float)o.LearningRate, (float)o.Beta1, (float)o.Beta2, (float)o.Epsilon);
        DecoderOptimizer = new LreqAdam(Model.F.Parameters().Concat(Model.G.Parameters()), (float)o.LearningRate, (float)o.Beta1, (float)o.Beta2, (float)o.Epsilon);
        var t = config.Training;
        _step = new MlpAlaeStep(Model, EncoderOptimizer, DecoderOptimizer, new AlaeStepSettings((float)t.R1Gamma, (float)t.WAverageBeta));
        _emaBeta = (float)Math.Pow(0.5, t.BatchSize / t.EmaHalfLifeImages);
        _images = Tensor.FromArray(backend, trainImages, trainImages.Length / pixels, pixels).Persist();
        _sampler = new EpochSampler(_images.Shape[0], config.Training.Seed + 3);
    }

    /// <summary>The backend everything lives on.</summary>
    public Backend Backend { get; }

    /// <summary>Network widths.</summary>
    public MlpShape Shape { get; }

    /// <summary>The shape of one training image.</summary>
    public ImageShape ImageShape { get; }

    /// <summary>The trained model.</summary>
    public MlpAlae Model { get; }

    /// <summary>The exponential moving average of the model (used for figures).</summary>
    public MlpAlae Ema { get; }

    /// <summary>Adam over E and D.</summary>
    public LreqAdam EncoderOptimizer { get; }

    /// <summary>Adam over F and G.</summary>
    public LreqAdam DecoderOptimizer { get; }

    /// <inheritdoc />
    public int Iteration { get; private set; }

    /// <inheritdoc />
    public int ImagesPerIteration => _config.Training.BatchSize;

    /// <inheritdoc />
    public string Status => $"epoch {_sampler.Epochs((long)Iteration * ImagesPerIteration):F1}";

    /// <summary>The EMA copy seen as an autoencoder (what the figures show).</summary>
    public IAutoencoder EmaAutoencoder => new MlpAutoencoder(Ema, ImageShape);

    /// <summary>Network widths from a config.</summary>
    public static MlpShape ShapeOf(MlpAlaeConfig config, int pixels)
    {
        var m = config.Model;
        var o = config.Optimizer;
        return new MlpShape(pixels, m.LatentSize, m.HiddenSize, m.MappingLayers, m.DiscriminatorLayers, (float)m.MappingSlope,
            (float)m.EncoderHiddenSlope, (float)m.EncoderOutputSlope, (float)m.GeneratorHiddenSlope,
            (float)o.MappingLrMultiplier, (float)o.DiscriminatorLrMultiplier);
    }

    /// <summary>Runs one ALAE iteration (three steps and the EMA update) on the next batch and fresh latents and returns its losses.</summary>
    public AlaeLosses TrainIteration() => AlaeLosses.Read(IterateOnDevice());

    /// <summary>
    /// Runs one ALAE iteration on a given real batch [B, pixels] and the latents [B, latent] of steps I, II and III
    /// (then the EMA update) and returns its losses; the lockstep test against the PyTorch peer feeds its inputs here.
    /// </summary>
    public AlaeLosses TrainIteration(Tensor realBatch, Tensor z1, Tensor z2, Tensor z3) => AlaeLosses.Read(IterateOnDevice(realBatch, z1, z2, z3));

    PendingScalars IAlaeTrainer.TrainIteration() => new(IterateOnDevice(), AlaeLosses.Names, []);

    // One iteration on the next batch and fresh latents; the losses stay on the device, stacked [3].
    private Tensor IterateOnDevice()
    {
        int batch = _config.Training.BatchSize;
        using var scope = new TensorScope();
        var real = ShapeOp.GatherRows(_images, BatchRows(Iteration, batch));
        var z1 = Tensor.RandomNormal(Backend, _noise, batch, Shape.Latent);
        var z2 = Tensor.RandomNormal(Backend, _noise, batch, Shape.Latent);
        var z3 = Tensor.RandomNormal(Backend, _noise, batch, Shape.Latent);
        return IterateOnDevice(real, z1, z2, z3);
    }

    private Tensor IterateOnDevice(Tensor realBatch, Tensor z1, Tensor z2, Tensor z3)
    {
        var losses = _step.RunOnDevice(realBatch, z1, z2, z3);
        ParameterAverage.Lerp(Parameters(Ema), Parameters(Model), 1f - _emaBeta);
        Iteration++;
        return losses;
    }

    /// <inheritdoc />
    public void DrawFigures(RunDirectory run, int iteration) =>
        AutoencoderFigures.SaveTrainingGrids(run, iteration, EmaAutoencoder, _config.Training.Seed, _figureImages);

    private int[] BatchRows(int iteration, int batch) => _sampler.Rows((long)iteration * batch, batch);

    private static Parameter[] Parameters(MlpAlae model) => model.NamedParameters().Select(p => p.Parameter).ToArray();

    // ------------------------------------------------------------------ checkpoints

    /// <summary>Writes model, EMA, w average, optimizer state, noise offset, image shape and iteration atomically to <paramref name="path"/>.</summary>
    public void SaveCheckpoint(string path)
    {
        var state = new MlpCheckpointState(_noise.Offset, EncoderOptimizer.StepCount, DecoderOptimizer.StepCount,
            [ImageShape.Channels, ImageShape.Height, ImageShape.Width]);
        Checkpoint.Save(path, MlpModelKind.ModelName, Iteration, state, Contents());
    }

    /// <summary>Restores everything <see cref="SaveCheckpoint"/> wrote (also checkpoints written before the model kind was recorded).</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this model or is damaged.</exception>
    public void LoadCheckpoint(string path)
    {
        var header = Checkpoint.Load(path, MlpModelKind.ModelName, Contents());
        var state = header.ReadState<MlpCheckpointState>(path);
        Iteration = header.Iteration;
        _noise.Restore(state.NoiseOffset);
        EncoderOptimizer.RestoreStepCount(state.EncoderSteps);
        DecoderOptimizer.RestoreStepCount(state.DecoderSteps);
    }

    private CheckpointContents Contents() => new CheckpointContents()
        .Parameters("model.", Model.NamedParameters()).Buffer("model.w_average", Model.WAverage)
        .Parameters("ema.", Ema.NamedParameters())
        .Optimizer("optimizer.encoder.", EncoderOptimizer).Optimizer("optimizer.decoder.", DecoderOptimizer);
}

/// <summary>The MLP trainer's counters in a checkpoint header (property names as in the first checkpoint format).</summary>
/// <param name="NoiseOffset">Position of the training noise generator.</param>
/// <param name="EncoderSteps">Steps of the E+D optimizer.</param>
/// <param name="DecoderSteps">Steps of the F+G optimizer.</param>
/// <param name="Image">Image shape [C, H, W]; null in checkpoints written before it was recorded (28x28 digits).</param>
public sealed record MlpCheckpointState(ulong NoiseOffset, long EncoderSteps, long DecoderSteps, int[]? Image);
