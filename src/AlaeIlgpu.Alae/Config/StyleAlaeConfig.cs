using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Alae.Config;

/// <summary>
/// Every hyperparameter of a StyleALAE run, grouped in sections as in its JSON file (<c>configs/style-*.json</c>,
/// loadable by name with <see cref="StyleAlaeConfigs"/>). The defaults are the official convolutional MNIST
/// configuration (<c>configs/mnist.yaml</c> over <c>defaults.py</c>) on the embedded digits.
/// </summary>
public sealed record StyleAlaeConfig : IValidatedConfig
{
    /// <summary>Generator kinds <see cref="StyleModelConfig.Generator"/> may name.</summary>
    public static readonly IReadOnlyList<string> Generators = ["adain", "modconv"];

    /// <summary>Most levels of detail a model may have (top side 4 x 2^(11) = 8192).</summary>
    public const int MaxLayerCount = 12;

    /// <summary>Network sizes, style settings and averaging.</summary>
    public StyleModelConfig Model { get; init; } = new();

    /// <summary>The learning-rate-equalised Adam of both optimizers, with one learning rate per LOD.</summary>
    public StyleOptimizerConfig Optimizer { get; init; } = new();

    /// <summary>Progressive growing: epoch length, epochs per LOD, run length, batch size per LOD.</summary>
    public StyleScheduleConfig Schedule { get; init; } = new();

    /// <summary>Regularisation, weight averaging, seed and output intervals.</summary>
    public StyleTrainingConfig Training { get; init; } = new();

    /// <summary>Which image set is trained on and how it is augmented.</summary>
    public StyleDataConfig Data { get; init; } = new();

    /// <inheritdoc />
    public void Validate()
    {
        ValidateModel(Model);
        ConfigChecks.InRange("optimizer.beta1", Optimizer.Beta1, 0, 1, highExclusive: true);
        ConfigChecks.InRange("optimizer.beta2", Optimizer.Beta2, 0, 1, highExclusive: true);
        ConfigChecks.Positive("optimizer.epsilon", Optimizer.Epsilon);
        PositiveList("optimizer.learning_rates", Optimizer.LearningRates);
        ConfigChecks.Positive("schedule.dataset_size", Schedule.DatasetSize);
        ConfigChecks.NonNegative("schedule.epochs_per_lod", Schedule.EpochsPerLod);
        ConfigChecks.Positive("schedule.train_epochs", Schedule.TrainEpochs);
        PositiveList("schedule.batch_sizes", Schedule.BatchSizes.Select(b => (double)b).ToArray());
        if (Schedule.Kimg is { } kimg) ConfigChecks.Positive("schedule.kimg", kimg);
        ConfigChecks.NonNegative("training.r1_gamma", Training.R1Gamma);
        ConfigChecks.Positive("training.ema_half_life_images", Training.EmaHalfLifeImages);
        ConfigChecks.Positive("training.sample_interval_kimg", Training.SampleIntervalKimg);
        ConfigChecks.Positive("training.checkpoint_interval_kimg", Training.CheckpointIntervalKimg);
        if (string.IsNullOrWhiteSpace(Data.Path))
            throw new ConfigException($"'data.path' must name a packed image file, an MNIST folder or \"{MnistImages.EmbeddedSource}\".");
    }

    /// <summary>
    /// Checks that <paramref name="dataset"/> can feed this model: same channels and a top level at least the model's
    /// resolution (larger sets are read at the model's levels).
    /// </summary>
    /// <exception cref="ConfigException">They do not fit; the message names the keys and the data source.</exception>
    public void CheckDataset(IImageDataset dataset)
    {
        if (dataset.Channels != Model.Channels)
            throw new ConfigException($"'data.path' {Data.Path} has {dataset.Channels} channels but 'model.channels' is {Model.Channels}.");
        if (!dataset.Resolutions.Contains(Model.TopResolution()))
            throw new ConfigException($"'data.path' {Data.Path} stores sides {string.Join(", ", dataset.Resolutions)} but 'model.layer_count' {Model.LayerCount} needs {Model.TopResolution()}.");
    }

    private static void ValidateModel(StyleModelConfig model)
    {
        ConfigChecks.InRange("model.layer_count", model.LayerCount, 1, MaxLayerCount);
        ConfigChecks.Positive("model.start_channels", model.StartChannels);
        ConfigChecks.InRange("model.max_channels", model.MaxChannels, model.StartChannels, int.MaxValue);
        ConfigChecks.Positive("model.latent_size", model.LatentSize);
        ConfigChecks.Positive("model.mapping_layers", model.MappingLayers);
        if (model.Channels is not (1 or 3)) throw new ConfigException($"'model.channels' must be 1 or 3, not {model.Channels}.");
        if (!Generators.Contains(model.Generator))
            throw new ConfigException($"'model.generator' must be one of {string.Join(", ", Generators.Select(g => $"\"{g}\""))}, not \"{model.Generator}\".");
        ConfigChecks.InRange("model.truncation_psi", model.TruncationPsi, 0, 1);
        ConfigChecks.NonNegative("model.truncation_cutoff", model.TruncationCutoff);
        ConfigChecks.InRange("model.style_mixing_prob", model.StyleMixingProb, 0, 1);
        ConfigChecks.InRange("model.w_average_beta", model.WAverageBeta, 0, 1);
    }

    private static void PositiveList(string key, IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ConfigException($"'{key}' must list at least one value (one per LOD; the last repeats).");
        for (int i = 0; i < values.Count; i++) ConfigChecks.Positive($"{key}[{i}]", values[i]);
    }
}

/// <summary>Network sizes, style settings and averaging of F, G, E and D.</summary>
public sealed record StyleModelConfig
{
    /// <summary>Resolution blocks of G and E: the top side is 4 x 2^(layer_count - 1).</summary>
    public int LayerCount { get; init; } = 4;

    /// <summary>Channels of the top-resolution block; they double per block down to 4x4, capped at <see cref="MaxChannels"/>.</summary>
    public int StartChannels { get; init; } = 64;

    /// <summary>Largest channel count of any block.</summary>
    public int MaxChannels { get; init; } = 256;

    /// <summary>dim z = dim w.</summary>
    public int LatentSize { get; init; } = 32;

    /// <summary>Layers of the mapping network F.</summary>
    public int MappingLayers { get; init; } = 4;

    /// <summary>Image channels: 1 (grayscale) or 3 (RGB).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>"adain" (StyleGAN-1 style, as the paper) or "modconv" (StyleGAN-2 weight modulation).</summary>
    public string Generator { get; init; } = "adain";

    /// <summary>Truncation ψ for sample grids: w' = avg + ψ (w - avg) on style slots below the cutoff.</summary>
    public double TruncationPsi { get; init; } = 0.7;

    /// <summary>Style slots (two per resolution block) that truncation applies to.</summary>
    public int TruncationCutoff { get; init; } = 8;

    /// <summary>Probability that a generated batch mixes two styles (steps I and II).</summary>
    public double StyleMixingProb { get; init; } = 0.9;

    /// <summary>Decay of the running mean of w used for truncation.</summary>
    public double WAverageBeta { get; init; } = 0.995;

    /// <summary>Side of the top level: 4 x 2^(<see cref="LayerCount"/> - 1).</summary>
    public int TopResolution() => LevelPyramid.SmallestSide << (LayerCount - 1);
}

/// <summary>Adam without first moment, with equalised learning rate and one learning rate per LOD.</summary>
public sealed record StyleOptimizerConfig
{
    /// <summary>First-moment decay; the official optimizer only allows 0.</summary>
    public double Beta1 { get; init; }

    /// <summary>Second-moment decay.</summary>
    public double Beta2 { get; init; } = 0.99;

    /// <summary>Added to the root of the second moment.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Learning rate at LOD i: entry min(i, count - 1) (the official <c>LEARNING_RATES</c>).</summary>
    public IReadOnlyList<double> LearningRates { get; init; } = [0.0015, 0.0015, 0.0015, 0.0015];
}

/// <summary>Progressive growing: how long each LOD trains and with what batch size.</summary>
public sealed record StyleScheduleConfig
{
    /// <summary>Images in one epoch (the official <c>DATASET.SIZE</c>; it need not equal the set's image count).</summary>
    public int DatasetSize { get; init; } = 60_000;

    /// <summary>Epochs per LOD; the first half (rounded down) of every LOD after the first blends in the new block. 0: train the top LOD only.</summary>
    public int EpochsPerLod { get; init; } = 10;

    /// <summary>Epochs of the whole run.</summary>
    public int TrainEpochs { get; init; } = 60;

    /// <summary>Batch size at LOD i: entry min(i, count - 1) (the official single-GPU <c>LOD_2_BATCH_1GPU</c>).</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [128, 128, 128, 64];

    /// <summary>If set, the whole run is shortened (or stretched) to this many thousand images, every LOD keeping its share.</summary>
    public double? Kimg { get; init; }
}

/// <summary>Regularisation, weight averaging, seed and output intervals.</summary>
public sealed record StyleTrainingConfig
{
    /// <summary>Weight γ of the R1 penalty (γ/2)·‖∇ₓ D(E(x))‖² on real images.</summary>
    public double R1Gamma { get; init; } = 10;

    /// <summary>Half-life of the weight average (EMA) in images: β = 0.5^(batch / half-life).</summary>
    public double EmaHalfLifeImages { get; init; } = 10_000;

    /// <summary>Seed of weight initialisation, sampling, the data order and the mirror flips.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Thousands of images between sample grids.</summary>
    public double SampleIntervalKimg { get; init; } = 50;

    /// <summary>Thousands of images between checkpoints.</summary>
    public double CheckpointIntervalKimg { get; init; } = 200;
}

/// <summary>Which image set is trained on and how it is augmented.</summary>
public sealed record StyleDataConfig
{
    /// <summary>A packed image file, an MNIST IDX folder, or "embedded-mnist" (<see cref="ImageDatasets.Open"/>).</summary>
    public string Path { get; init; } = MnistImages.EmbeddedSource;

    /// <summary>Flip each training image left-right with probability 1/2.</summary>
    public bool Mirror { get; init; }
}
