using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// A StyleALAE training run's state and its iteration: the model and its EMA copy, the two optimizers (E+D, F+G),
/// the progressive schedule (LOD, blend, batch size and learning rate from the images drawn), the prefetching batch
/// loader and the seeded noise; saves and restores all of it, so a resumed run continues bit for bit on <c>cpu</c>.
/// </summary>
public sealed class StyleAlaeTrainer : IAlaeTrainer, IDisposable
{
    private readonly StyleAlaeConfig _config;
    private readonly IImageDataset _dataset;
    private readonly BatchAssembler _assembler;
    private readonly StyleAlaeTraining _training;
    private readonly StyleFigureImages _figureImages;
    private BatchLoader? _loader;
    private LodStep _current;   // the next step to run, or the last one once the schedule is done
    private LodStep? _ran;      // the step the last iteration ran

    /// <summary>Builds a fresh run of <paramref name="config"/> on <paramref name="backend"/> over <paramref name="dataset"/> (which it owns).</summary>
    /// <exception cref="ConfigException">The dataset does not fit the model or the schedule is too short.</exception>
    public StyleAlaeTrainer(StyleAlaeConfig config, Backend backend, IImageDataset dataset, StyleFigureImages figureImages)
    {
        config.CheckDataset(dataset);
        (_config, _dataset, _figureImages, Backend) = (config, dataset, figureImages, backend);
        Schedule = new LodSchedule(config);
        _training = new StyleAlaeTraining(config, backend, Schedule.LearningRate(Schedule.FirstLod));
        ulong seed = config.Training.Seed;   // seed to seed + 5 except 3: the networks and streams of StyleAlaeTraining
        _assembler = new BatchAssembler(dataset, new EpochSampler(dataset.Count, seed + 3), config.Data.Mirror, seed + 6);
        Schedule.TryGetStep(0, out _current);
    }

    /// <summary>The backend everything lives on.</summary>
    public Backend Backend { get; }

    /// <summary>The architecture.</summary>
    public StyleAlaeShape Shape => _training.Shape;

    /// <summary>The progressive-growing schedule.</summary>
    public LodSchedule Schedule { get; }

    /// <summary>The trained model.</summary>
    public StyleAlae Model => _training.Model;

    /// <summary>The exponential moving average of the model (used for figures).</summary>
    public StyleAlae Ema => _training.Ema;

    /// <summary>Adam over E and D.</summary>
    public LreqAdam EncoderOptimizer => _training.EncoderOptimizer;

    /// <summary>Adam over F and G.</summary>
    public LreqAdam DecoderOptimizer => _training.DecoderOptimizer;

    /// <summary>
    /// Half-life of the EMA in images: <c>training.ema_half_life_images</c> scaled with the schedule, so a run shortened
    /// by <c>--kimg</c> averages over the same share of its training as the full one (at kimg 10 the mnist config's
    /// 10,000 images would otherwise leave half of the EMA at its random initialisation when the run ends).
    /// </summary>
    public double EmaHalfLife => _training.EmaHalfLife;

    /// <summary>Real images drawn so far.</summary>
    public long ImagesDrawn { get; private set; }

    /// <inheritdoc />
    public int Iteration { get; private set; }

    /// <summary>Iterations of the whole schedule.</summary>
    public int TotalIterations => Schedule.Steps().Count();

    /// <summary>The step the last iteration ran, or the first one before any.</summary>
    public LodStep Shown => _ran ?? _current;

    /// <inheritdoc />
    public int ImagesPerIteration => Shown.BatchSize;

    /// <inheritdoc />
    public string Status => $"{Shown.Resolution}px {ImagesDrawn / 1000.0:F1}k img";

    /// <inheritdoc />
    public bool FiguresDue => LodEnds() || Crossed(_config.Training.SampleIntervalKimg);

    /// <inheritdoc />
    public bool CheckpointDue => Crossed(_config.Training.CheckpointIntervalKimg);

    /// <summary>The EMA model as an autoencoder at the level of detail and blend of the last iteration.</summary>
    public StyleAutoencoder EmaAutoencoder => new(Ema, Shown.Lod, (float)Shown.Alpha, _config.Model);

    /// <summary>Runs one iteration and returns its scalars (losses, LOD, blend), read from the device.</summary>
    public IReadOnlyList<TrainingScalar> TrainIteration() => ((IAlaeTrainer)this).TrainIteration().Read();

    /// <inheritdoc />
    PendingScalars IAlaeTrainer.TrainIteration()
    {
        if (!Schedule.TryGetStep(ImagesDrawn, out var step))
            throw new InvalidOperationException($"The schedule ends at {Schedule.TotalImages} images; nothing left to train.");
        if (step.LodChanged) ResetOptimizers();
        _training.SetLearningRate(step.LearningRate);
        Tensor losses;
        using (new TensorScope())
            losses = _training.IterateOnDevice(ProgressiveBlend.RealImages(NextBatch(step), (float)step.Alpha), step.Lod, (float)step.Alpha);   // real [B, C, R, R]
        (_ran, _current, ImagesDrawn) = (step, step, step.FirstImage + step.BatchSize);
        Iteration++;
        if (Schedule.TryGetStep(ImagesDrawn, out var next)) _current = next;
        return new(losses, AlaeLosses.Names, [new("lod", step.Lod), new("blend", step.Alpha)]);
    }

    /// <inheritdoc />
    public void DrawFigures(RunDirectory run, int iteration)
    {
        var model = EmaAutoencoder;
        AutoencoderFigures.SaveTrainingGrids(run, iteration, model, _config.Training.Seed, _figureImages.Read(model.ImageShape.Height));
        StyleFigures.SaveMixingGrid(run.File($"mixing-{iteration:D6}.png"), model, _config.Training.Seed);
        if (model.Lod > 0) StyleFigures.SaveFadeInStrip(run.File($"fade-in-{iteration:D6}.png"), model, _config.Training.Seed);
    }

    /// <inheritdoc />
    public void SaveCheckpoint(string path)
    {
        var state = new StyleCheckpointState(ImagesDrawn, _training.Latents.Offset, _training.Noise.Offset, _training.Mixing.Offset,
            EncoderOptimizer.StepCount, DecoderOptimizer.StepCount, Shown.Lod, Shown.Alpha, Shown.BatchSize);
        Checkpoint.Save(path, StyleModelKind.ModelName, Iteration, state, TrainingContents(Model, Ema, EncoderOptimizer, DecoderOptimizer));
    }

    /// <inheritdoc />
    public void LoadCheckpoint(string path)
    {
        var header = Checkpoint.Load(path, StyleModelKind.ModelName, TrainingContents(Model, Ema, EncoderOptimizer, DecoderOptimizer));
        var state = header.ReadState<StyleCheckpointState>(path);
        (Iteration, ImagesDrawn) = (header.Iteration, state.ImagesDrawn);
        _training.Latents.Restore(state.LatentOffset);
        _training.Noise.Restore(state.NoiseOffset);
        _training.Mixing.Restore(state.MixingOffset);
        EncoderOptimizer.RestoreStepCount(state.EncoderSteps);
        DecoderOptimizer.RestoreStepCount(state.DecoderSteps);
        _loader?.Dispose();
        _loader = null;
        if (Schedule.TryGetStep(ImagesDrawn, out var next)) _current = next;
        if (Iteration > 0) _ran = _current with { Lod = state.Lod, Alpha = state.Blend, BatchSize = state.BatchSize };
    }

    /// <summary>Checkpoint entry prefix of the trained model's tensors (<see cref="Contents"/>).</summary>
    public const string ModelEntryPrefix = "model.";

    /// <summary>Checkpoint entry prefix of the EMA model's tensors (<see cref="Contents"/>).</summary>
    public const string EmaEntryPrefix = "ema.";

    /// <summary>
    /// The checkpoint entries of a model and its EMA copy (the EMA-only readers use the same names): each model's
    /// <see cref="StyleAlae.NamedTensors"/> under <see cref="ModelEntryPrefix"/> and <see cref="EmaEntryPrefix"/>.
    /// </summary>
    public static CheckpointContents Contents(StyleAlae? model, StyleAlae ema)
    {
        var contents = new CheckpointContents();
        foreach (var (prefix, kept) in new[] { (ModelEntryPrefix, model), (EmaEntryPrefix, ema) })
            foreach (var (name, value) in kept?.NamedTensors() ?? []) contents.Buffer(prefix + name, value);
        return contents;
    }

    /// <summary>Every checkpoint entry of a training run: <see cref="Contents"/> and both optimizers' moments.</summary>
    public static CheckpointContents TrainingContents(StyleAlae model, StyleAlae ema, LreqAdam encoder, LreqAdam decoder) =>
        Contents(model, ema).Optimizer("optimizer.encoder.", encoder).Optimizer("optimizer.decoder.", decoder);

    /// <inheritdoc />
    public void Dispose()
    {
        _loader?.Dispose();
        _dataset.Dispose();
    }

    // The official trainer builds fresh optimizers at each LOD change: second moments and step counts start over.
    private void ResetOptimizers()
    {
        EncoderOptimizer.Reset();
        DecoderOptimizer.Reset();
    }

    private Tensor NextBatch(LodStep step)
    {
        _loader ??= new BatchLoader(_assembler, Schedule.Steps(ImagesDrawn).Select(s => s.Batch));
        if (!_loader.TryNext(out var batch)) throw new InvalidOperationException("The batch loader ran out before the schedule.");
        using (batch)
        {
            if (batch.Request != step.Batch) throw new InvalidOperationException($"The loader delivered {batch.Request}, the schedule wants {step.Batch}.");
            return Tensor.FromBatch(Backend, batch.Pixels, step.BatchSize, batch.Channels, step.Resolution, step.Resolution);
        }
    }

    // The iteration just run was the last of its level of detail (figures show what the level learned).
    private bool LodEnds() => _ran is not null && (!Schedule.TryGetStep(ImagesDrawn, out var next) || next.LodChanged);

    // Whether the last iteration crossed a multiple of intervalKimg thousand images.
    private bool Crossed(double intervalKimg)
    {
        double interval = intervalKimg * 1000;
        if (_ran is not { } ran) return false;
        return Math.Floor(ImagesDrawn / interval) > Math.Floor((ImagesDrawn - ran.BatchSize) / interval);
    }
}

/// <summary>The StyleALAE trainer's counters in a checkpoint header.</summary>
/// <param name="ImagesDrawn">Real images drawn: where the schedule and the data order stand.</param>
/// <param name="LatentOffset">Position of the latent generator.</param>
/// <param name="NoiseOffset">Position of G's noise generator.</param>
/// <param name="MixingOffset">Position of the style-mixing generator.</param>
/// <param name="EncoderSteps">Steps of the E+D optimizer since its last reset.</param>
/// <param name="DecoderSteps">Steps of the F+G optimizer since its last reset.</param>
/// <param name="Lod">Level of detail of the last iteration (figures and commands show the model there).</param>
/// <param name="Blend">Blend of the last iteration.</param>
/// <param name="BatchSize">Batch size of the last iteration.</param>
public sealed record StyleCheckpointState(long ImagesDrawn, ulong LatentOffset, ulong NoiseOffset, ulong MixingOffset,
                                          long EncoderSteps, long DecoderSteps, int Lod, double Blend, int BatchSize);
