using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Evaluation;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>The MLP ALAE on MNIST digits (the paper's section 7.1) as a model kind: "mlp".</summary>
public sealed class MlpModelKind : ModelKind<MlpAlaeConfig>
{
    /// <summary>The kind's name in run.json and checkpoint headers.</summary>
    public const string ModelName = "mlp";

    // Checkpoints written before the image shape was recorded were all of 28x28 MNIST digits.
    private static readonly ImageShape LegacyImage = new(1, 28, 28);

    /// <inheritdoc />
    public override string Name => ModelName;

    /// <inheritdoc />
    public override string Description => "MLP ALAE";

    /// <inheritdoc />
    public override string RunNamePrefix => "mnist-mlp";

    /// <inheritdoc />
    public override IReadOnlyCollection<string> ResumableKeys { get; } =
        [IterationsKey, "training.sample_interval", "training.checkpoint_interval"];

    // The run length, which a resumed run may raise.
    private const string IterationsKey = "training.iterations";

    /// <inheritdoc />
    public override string TrainLongerHint(RunDirectory run) => $"Train longer with: alae train --resume {run.Path} --set {IterationsKey}=N";

    /// <inheritdoc />
    protected override TrainingSchedule Schedule(MlpAlaeConfig config) =>
        new(config.Training.Iterations, config.Training.SampleInterval, config.Training.CheckpointInterval);

    /// <inheritdoc />
    protected override IAlaeTrainer CreateTrainer(MlpAlaeConfig config, Backend backend)
    {
        var (train, heldOut) = MlpData.Load(config);
        var figureImages = heldOut.Images.AsSpan(0, Math.Min(AutoencoderFigures.GridReconstructions, heldOut.Count) * heldOut.PixelCount).ToArray();
        return new MlpAlaeTrainer(config, backend, train.Images, ImageOf(train), figureImages);
    }

    /// <inheritdoc />
    public override IAutoencoder OpenAutoencoder(RunDirectory run, Backend backend)
    {
        var (_, ema, image, _) = Open(run, backend, withModel: false);
        return new MlpAutoencoder(ema, image);
    }

    /// <inheritdoc />
    public override IHeldOutImages OpenHeldOut(RunDirectory run) => new HeldOutDigits(MlpData.Load(SavedConfig(run)).HeldOut);

    /// <inheritdoc />
    public override string NextCommand(string runPath) => $"eval {runPath}";

    /// <inheritdoc />
    public override void Evaluate(RunDirectory run, Backend backend, Action<string> log)
    {
        var config = SavedConfig(run);
        var (model, ema, _, iteration) = Open(run, backend, withModel: true);
        var (train, heldOut) = MlpData.Load(config);
        log($"evaluating {run.Name} at iteration {iteration}: {train.Count} training digits, {heldOut.Count} held out");
        var results = MlpEvaluation.Run(model!, train, heldOut, config.Evaluation, log);
        EvaluationReport.WriteJson(run.EvalJsonPath, results);
        File.WriteAllText(run.EvalMarkdownPath, EvaluationReport.ToMarkdown(results));
        log("");
        log(EvaluationReport.ToMarkdown(results));
        var quality = MlpSampleQuality.Evaluate(ema, train, heldOut, ClassifierCache(run, config), config.Training.Seed, log);
        File.WriteAllText(run.File("sample-quality.json"), System.Text.Json.JsonSerializer.Serialize(quality));
        File.AppendAllText(run.EvalMarkdownPath, SampleQualityMarkdown(quality));
        log(SampleQualityMarkdown(quality));
        log($"written {run.EvalJsonPath}, {run.EvalMarkdownPath} and sample-quality.json");
    }

    private static ImageShape ImageOf(MnistSet set) => new(1, set.Rows, set.Columns);

    // The EMA (and, for evaluation, the trained model) from the checkpoint; optimizer state is never read.
    private (MlpAlae? Model, MlpAlae Ema, ImageShape Image, int Iteration) Open(RunDirectory run, Backend backend, bool withModel)
    {
        var config = SavedConfig(run);
        var state = Checkpoint.ReadHeader(run.CheckpointPath).ReadState<MlpCheckpointState>(run.CheckpointPath);
        var image = state.Image is [int c, int h, int w] ? new ImageShape(c, h, w) : LegacyImage;
        var shape = MlpAlaeTrainer.ShapeOf(config, image.Pixels);
        var ema = new MlpAlae(backend, new RandomGenerator(config.Training.Seed + 1), shape);
        var model = withModel ? new MlpAlae(backend, new RandomGenerator(config.Training.Seed), shape) : null;
        var contents = new CheckpointContents().Parameters("ema.", ema.NamedParameters());
        if (model is not null) contents.Parameters("model.", model.NamedParameters()).Buffer("model.w_average", model.WAverage);
        var header = Checkpoint.Load(run.CheckpointPath, ModelName, contents);
        return (model, ema, image, header.Iteration);
    }

    // The classifier is trained once per dataset and shared by all runs under the same runs folder.
    private static string ClassifierCache(RunDirectory run, MlpAlaeConfig config)
    {
        var d = config.Data;
        string key = string.IsNullOrEmpty(d.Dir)
            ? $"embedded-{d.TrainCount}-{d.HeldOutCount}-{d.SplitSeed}"
            : $"dir-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(d.Dir))))[..16]}";
        return Path.Combine(Path.GetDirectoryName(run.Path)!, ".digit-classifier", $"{key}.bin");
    }

    private static string SampleQualityMarkdown(SampleQualityResult q) =>
        $"\n## Sample quality ({q.SampleCount} EMA samples)\n\n" +
        "| metric | value |\n|---|---:|\n" +
        $"| Fréchet distance to held-out digits (LeNet features) | {q.FrechetDistance:F2} |\n" +
        $"| same distance, training vs held-out real digits (floor) | {q.RealReferenceDistance:F2} |\n" +
        $"| classifier's mean confidence on samples | {q.MeanConfidence:P1} |\n" +
        $"| classifier's accuracy on held-out real digits | {q.ClassifierAccuracy:P2} |\n";

    private sealed class HeldOutDigits(MnistSet set) : IHeldOutImages
    {
        public int Count => set.Count;

        public float[] Read(int first, int count)
        {
            if (first < 0 || count < 0 || first + count > set.Count)
                throw new ArgumentOutOfRangeException(nameof(first), $"Images {first}..{first + count - 1} are outside the {set.Count} held-out digits.");
            return set.Images.AsSpan(first * set.PixelCount, count * set.PixelCount).ToArray();
        }
    }
}
