using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Alae.Training;

/// <summary>What one training step of a progressive run does (from <see cref="LodSchedule"/>).</summary>
/// <param name="FirstImage">Images drawn before this step: the first sample number of its batch.</param>
/// <param name="Lod">Level of detail: 0 trains 4x4 images, each next one doubles the side.</param>
/// <param name="Resolution">Side of the images: 2^(lod + 2).</param>
/// <param name="BatchSize">Images in the step.</param>
/// <param name="LearningRate">Learning rate of both optimizers at this LOD.</param>
/// <param name="Alpha">Blend of the new block: 0.5 (1 - cos(π t)) during a transition, 1 otherwise.</param>
/// <param name="InTransition">Whether the new block is being blended in (the first half of a LOD's epochs, LOD &gt; 0).</param>
/// <param name="LodChanged">Whether this is the first step of its LOD: the trainer resets the optimizers' state.</param>
/// <param name="Epoch">Epochs done before the step (fractional).</param>
public readonly record struct LodStep(long FirstImage, int Lod, int Resolution, int BatchSize, double LearningRate, double Alpha,
    bool InTransition, bool LodChanged, double Epoch)
{
    /// <summary>The batch this step trains on.</summary>
    public BatchRequest Batch => new(FirstImage, BatchSize, Resolution);
}

/// <summary>
/// The progressive-growing schedule of the official <c>lod_driver.py</c> as a pure function of the images drawn:
/// lod = min(L - 1, ⌊epoch / epochs_per_lod⌋); each LOD after the first blends its new block in over its first
/// ⌊epochs_per_lod / 2⌋ epochs with α = 0.5 (1 - cos(π t)); batch size and learning rate per LOD (last entry repeats).
/// </summary>
/// <remarks>
/// An epoch is <c>schedule.dataset_size</c> images, or with <c>schedule.kimg</c> set, kimg·1000 / train_epochs, so a
/// shortened run keeps every LOD's share and transition. A step never straddles two LODs: when the next batch would
/// cross into the next LOD, the remaining images of the LOD are skipped (the official code likewise drops each epoch's
/// last partial batch). Because a step follows from its first image alone, a resumed run needs only the images drawn.
/// </remarks>
public sealed class LodSchedule
{
    private readonly StyleScheduleConfig _schedule;
    private readonly IReadOnlyList<double> _learningRates;
    private readonly long[] _lodStarts; // start of each reached LOD's period, then the run's end

    /// <summary>The schedule of <paramref name="config"/>.</summary>
    /// <exception cref="ConfigException">A LOD's period is shorter than one batch (the message names the key to raise).</exception>
    public LodSchedule(StyleAlaeConfig config)
    {
        (_schedule, _learningRates, LayerCount) = (config.Schedule, config.Optimizer.LearningRates, config.Model.LayerCount);
        EpochImages = config.Schedule.Kimg is { } kimg ? kimg * 1000 / config.Schedule.TrainEpochs : config.Schedule.DatasetSize;
        _lodStarts = LodStarts();
        CheckPeriods();
    }

    /// <summary>Levels of detail of the model (L).</summary>
    public int LayerCount { get; }

    /// <summary>Images in one epoch (scaled by <c>schedule.kimg</c> when set).</summary>
    public double EpochImages { get; }

    /// <summary>
    /// How much <c>schedule.kimg</c> shrinks (or stretches) the run against the configured dataset size: epoch images
    /// over <c>schedule.dataset_size</c>; 1 without kimg.
    /// </summary>
    public double Scale => ScaleOf(_schedule);

    /// <summary><see cref="Scale"/> of a schedule config: kimg·1000 / (train_epochs · dataset_size), or 1 without kimg.</summary>
    public static double ScaleOf(StyleScheduleConfig schedule) =>
        schedule.Kimg is { } kimg ? kimg * 1000 / schedule.TrainEpochs / schedule.DatasetSize : 1;

    /// <summary>Images of the whole run (train_epochs epochs).</summary>
    public long TotalImages => _lodStarts[^1];

    /// <summary>The first LOD trained (L - 1 when epochs_per_lod is 0, else 0).</summary>
    public int FirstLod => _schedule.EpochsPerLod == 0 ? LayerCount - 1 : 0;

    /// <summary>The last LOD the run reaches.</summary>
    public int LastLod => FirstLod + _lodStarts.Length - 2;

    /// <summary>Batch size at <paramref name="lod"/>.</summary>
    public int BatchSize(int lod) => _schedule.BatchSizes[Math.Min(lod, _schedule.BatchSizes.Count - 1)];

    /// <summary>Learning rate at <paramref name="lod"/>.</summary>
    public double LearningRate(int lod) => _learningRates[Math.Min(lod, _learningRates.Count - 1)];

    /// <summary>First image of <paramref name="lod"/>'s period.</summary>
    public long LodStart(int lod) => _lodStarts[lod - FirstLod];

    /// <summary>The image after <paramref name="lod"/>'s period.</summary>
    public long LodEnd(int lod) => _lodStarts[lod - FirstLod + 1];

    /// <summary>
    /// The step that starts once <paramref name="imagesDrawn"/> images have been drawn (moved to the next LOD's start
    /// when the batch would not fit in the current LOD); false when the run is over.
    /// </summary>
    public bool TryGetStep(long imagesDrawn, out LodStep step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(imagesDrawn);
        long first = imagesDrawn;
        for (int lod = LodAt(first); lod <= LastLod; lod++)
        {
            first = Math.Max(first, LodStart(lod));
            if (first + BatchSize(lod) > LodEnd(lod)) continue;
            double alpha = Alpha(lod, first, out bool inTransition);
            step = new LodStep(first, lod, LevelPyramid.SmallestSide << lod, BatchSize(lod), LearningRate(lod), alpha, inTransition,
                first == LodStart(lod), first / EpochImages);
            return true;
        }
        step = default;
        return false;
    }

    /// <summary>Every step from <paramref name="imagesDrawn"/> images on, to the end of the run.</summary>
    public IEnumerable<LodStep> Steps(long imagesDrawn = 0)
    {
        while (TryGetStep(imagesDrawn, out LodStep step))
        {
            yield return step;
            imagesDrawn = step.FirstImage + step.BatchSize;
        }
    }

    private int LodAt(long images)
    {
        int period = 0;
        while (period + 2 < _lodStarts.Length && _lodStarts[period + 1] <= images) period++;
        return FirstLod + period;
    }

    private double Alpha(int lod, long first, out bool inTransition)
    {
        double transitionImages = _schedule.EpochsPerLod / 2 * EpochImages;
        double t = transitionImages > 0 ? (first - LodStart(lod)) / transitionImages : 1;
        inTransition = lod > FirstLod && t < 1;
        return inTransition ? 0.5 * (1 - Math.Cos(Math.PI * t)) : 1;
    }

    private long Images(double epochs) => (long)Math.Round(epochs * EpochImages);

    private long[] LodStarts()
    {
        if (_schedule.EpochsPerLod == 0) return [0, Images(_schedule.TrainEpochs)];
        int reached = Math.Min(LayerCount, (_schedule.TrainEpochs + _schedule.EpochsPerLod - 1) / _schedule.EpochsPerLod);
        var starts = new long[reached + 1];
        for (int lod = 0; lod < reached; lod++) starts[lod] = Images((double)lod * _schedule.EpochsPerLod);
        starts[reached] = Images(_schedule.TrainEpochs);
        return starts;
    }

    private void CheckPeriods()
    {
        string key = _schedule.Kimg is null ? "schedule.dataset_size" : "schedule.kimg";
        for (int lod = FirstLod; lod <= LastLod; lod++)
        {
            long length = LodEnd(lod) - LodStart(lod);
            if (length >= BatchSize(lod)) continue;
            double neededEpochImages = BatchSize(lod) * EpochImages / Math.Max(length, 1);
            double needed = _schedule.Kimg is null ? neededEpochImages : neededEpochImages * _schedule.TrainEpochs / 1000;
            throw new ConfigException($"'{key}' is too small: LOD {lod} would get {length} images, less than one batch of {BatchSize(lod)}; '{key}' must be at least {Math.Ceiling(needed * 1000) / 1000}.");
        }
    }
}
