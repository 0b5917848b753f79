using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Alae.Style;

/// <summary>StyleALAE with progressive growing (the paper's main model) as a model kind: "style".</summary>
public sealed class StyleModelKind : ModelKind<StyleAlaeConfig>
{
    /// <summary>The kind's name in run.json and checkpoint headers.</summary>
    public const string ModelName = "style";

    /// <inheritdoc />
    public override string Name => ModelName;

    /// <inheritdoc />
    public override string Description => "StyleALAE";

    /// <inheritdoc />
    public override string RunNamePrefix => "style";

    /// <inheritdoc />
    public override string DataDirectoryKey => "data.path";

    /// <inheritdoc />
    public override IReadOnlyCollection<string> ConfigNames => StyleAlaeConfigs.Names;

    /// <inheritdoc />
    public override IReadOnlyCollection<string> ResumableKeys { get; } =
        ["training.sample_interval_kimg", "training.checkpoint_interval_kimg"];

    /// <summary>The network architecture a config describes.</summary>
    public static StyleAlaeShape ShapeOf(StyleAlaeConfig config)
    {
        var m = config.Model;
        var variant = m.Generator == "modconv" ? GeneratorVariant.ModConv : GeneratorVariant.AdaIn;
        return new StyleAlaeShape(m.LayerCount, m.StartChannels, m.MaxChannels, m.LatentSize, m.MappingLayers, m.Channels, variant);
    }

    /// <inheritdoc />
    protected override StyleAlaeConfig BaseConfig(string? configPath) => StyleAlaeConfigs.Load(configPath ?? StyleAlaeConfigs.Names[0]);

    /// <inheritdoc />
    protected override TrainingSchedule Schedule(StyleAlaeConfig config)
    {
        int iterations = new LodSchedule(config).Steps().Count();
        // Figures and checkpoints follow images, not iterations (the batch size changes with the LOD): the trainer
        // raises FiguresDue / CheckpointDue, and the loop adds the end of the run.
        return new TrainingSchedule(iterations, iterations, iterations);
    }

    /// <inheritdoc />
    protected override IAlaeTrainer CreateTrainer(StyleAlaeConfig config, Backend backend)
    {
        var dataset = ImageDatasets.Open(config.Data.Path);
        try
        {
            return new StyleAlaeTrainer(config, backend, dataset, StyleFigureImages.Open(config.Data.Path, config.Model.TopResolution()));
        }
        catch
        {
            dataset.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override IAutoencoder OpenAutoencoder(RunDirectory run, Backend backend) => OpenEma(run, backend);

    /// <summary>The run's EMA model at the level and blend of its last iteration, from the checkpoint alone.</summary>
    public StyleAutoencoder OpenEma(RunDirectory run, Backend backend)
    {
        var config = SavedConfig(run);
        var state = Checkpoint.ReadHeader(run.CheckpointPath).ReadState<StyleCheckpointState>(run.CheckpointPath);
        var ema = new StyleAlae(backend, new RandomGenerator(config.Training.Seed + 1), ShapeOf(config));
        Checkpoint.Load(run.CheckpointPath, ModelName, StyleAlaeTrainer.Contents(null, ema));
        return new StyleAutoencoder(ema, state.Lod, (float)state.Blend, config.Model);
    }

    /// <inheritdoc />
    public override IHeldOutImages OpenHeldOut(RunDirectory run)
    {
        var state = Checkpoint.ReadHeader(run.CheckpointPath).ReadState<StyleCheckpointState>(run.CheckpointPath);
        var config = SavedConfig(run);
        var images = StyleFigureImages.Open(config.Data.Path, StyleAlaeShape.Resolution(state.Lod));
        if (images.Channels != config.Model.Channels)
            throw new ConfigException($"{run.ConfigPath}: 'data.path' {config.Data.Path} has {images.Channels}-channel images but the model has {config.Model.Channels}; " +
                "point data.path at images of the model's kind (a file made by 'alae prepare').");
        return images;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The run's length is its schedule (<c>schedule.train_epochs</c> epochs, or <c>schedule.kimg</c> thousand images
    /// spread over them), which also places every LOD change, so a resumed run keeps it (<see cref="ResumableKeys"/>):
    /// longer training is a new run from the run's config with a larger <c>--kimg</c> (if it has one) or
    /// <c>schedule.train_epochs</c>.
    /// </remarks>
    public override string TrainLongerHint(RunDirectory run)
    {
        var schedule = SavedConfig(run).Schedule;
        string longer = schedule.Kimg is { } kimg
            ? $"--kimg K (now {kimg.ToString(System.Globalization.CultureInfo.InvariantCulture)})"
            : $"--set schedule.train_epochs=N (now {schedule.TrainEpochs})";
        return $"A StyleALAE run's length is its schedule, which a resumed run keeps; train longer in a new run from its config: " +
               $"alae train --model {ModelName} --config {run.ConfigPath} {longer} --name NEW";
    }

    /// <inheritdoc />
    public override string NextCommand(string runPath) => $"mix {runPath}";

    /// <inheritdoc />
    public override void Evaluate(RunDirectory run, Backend backend, Action<string> log) =>
        throw new ArgumentException($"{run.Path}: 'alae eval' scores the MLP ALAE's features on MNIST; a StyleALAE run has no evaluation yet " +
            "(look at its grids, or use 'alae sample', 'alae mix', 'alae reconstruct').");
}
