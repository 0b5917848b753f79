using System.Text.Json;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Optim;
using AlaeIlgpu.Serialization;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>
/// Everything a training run holds: the model, its EMA copy, the two optimizers (E+D, F+G), the noise generator and
/// the data on the device; runs iterations and saves/restores all of it, so a resumed run continues bit for bit.
/// </summary>
public sealed class MlpAlaeTrainer
{
    private const string CheckpointFormat = "mlp-alae/1";
    private readonly MlpAlaeConfig _config;
    private readonly Tensor _images;          // [N, pixels] on the device
    private readonly RandomGenerator _noise;
    private readonly MlpAlaeStep _step;
    private readonly float _emaBeta;
    private readonly EpochSampler _sampler;

    /// <summary>Builds a fresh run on <paramref name="backend"/> over training images [count, pixels] in [0, 1].</summary>
    public MlpAlaeTrainer(MlpAlaeConfig config, Backend backend, float[] trainImages, int pixels)
    {
        _config = config;
        Backend = backend;
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

    /// <summary>The trained model.</summary>
    public MlpAlae Model { get; }

    /// <summary>The exponential moving average of the model (used for figures).</summary>
    public MlpAlae Ema { get; }

    /// <summary>Adam over E and D.</summary>
    public LreqAdam EncoderOptimizer { get; }

    /// <summary>Adam over F and G.</summary>
    public LreqAdam DecoderOptimizer { get; }

    /// <summary>Completed iterations.</summary>
    public int Iteration { get; private set; }

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
    public AlaeLosses TrainIteration()
    {
        int batch = _config.Training.BatchSize;
        using var scope = new TensorScope();
        var real = ShapeOp.GatherRows(_images, BatchRows(Iteration, batch));
        var z1 = Tensor.RandomNormal(Backend, _noise, batch, Shape.Latent);
        var z2 = Tensor.RandomNormal(Backend, _noise, batch, Shape.Latent);
        var z3 = Tensor.RandomNormal(Backend, _noise, batch, Shape.Latent);
        return TrainIteration(real, z1, z2, z3);
    }

    /// <summary>
    /// Runs one ALAE iteration on a given real batch [B, pixels] and the latents [B, latent] of steps I, II and III
    /// (then the EMA update) and returns its losses; the lockstep test against the PyTorch peer feeds its inputs here.
    /// </summary>
    public AlaeLosses TrainIteration(Tensor realBatch, Tensor z1, Tensor z2, Tensor z3)
    {
        var losses = _step.Run(realBatch, z1, z2, z3);
        ParameterAverage.Lerp(Parameters(Ema), Parameters(Model), 1f - _emaBeta);
        Iteration++;
        return losses;
    }

    private int[] BatchRows(int iteration, int batch) => _sampler.Rows((long)iteration * batch, batch);

    private static Parameter[] Parameters(MlpAlae model) => model.NamedParameters().Select(p => p.Parameter).ToArray();

    // ------------------------------------------------------------------ checkpoints

    /// <summary>Writes model, EMA, w averages, optimizer state, noise offset and iteration atomically to <paramref name="path"/>.</summary>
    public void SaveCheckpoint(string path)
    {
        var meta = new CheckpointMeta(CheckpointFormat, Iteration, _noise.Offset, EncoderOptimizer.StepCount, DecoderOptimizer.StepCount);
        AtomicFile.Write(path, stream => TensorArchive.Write(stream, JsonSerializer.Serialize(meta), CheckpointEntries()));
    }

    /// <summary>Restores everything <see cref="SaveCheckpoint"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this model or is damaged.</exception>
    public void LoadCheckpoint(string path)
    {
        (string metadata, Dictionary<string, (int[] Shape, float[] Data)> entries) archive;
        using (var stream = File.OpenRead(path)) archive = TensorArchive.Read(stream, path);
        var meta = ReadMeta(archive.metadata, path);
        if (meta is null || meta.Format != CheckpointFormat)
            throw new InvalidDataException($"{path}: not an MLP ALAE checkpoint (format '{meta?.Format}').");
        foreach (var (name, tensor) in CheckpointEntries()) TensorArchive.Load(archive.entries, name, tensor, path);
        Iteration = meta.Iteration;
        _noise.Restore(meta.NoiseOffset);
        EncoderOptimizer.RestoreStepCount(meta.EncoderSteps);
        DecoderOptimizer.RestoreStepCount(meta.DecoderSteps);
    }

    private static CheckpointMeta? ReadMeta(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<CheckpointMeta>(json);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path}: the checkpoint's metadata is damaged: {error.Message}", error);
        }
    }

    private IEnumerable<(string Name, Tensor Value)> CheckpointEntries()
    {
        foreach (var (name, p) in Model.NamedParameters()) yield return ($"model.{name}", p.Value);
        yield return ("model.w_average", Model.WAverage);
        foreach (var (name, p) in Ema.NamedParameters()) yield return ($"ema.{name}", p.Value);
        foreach (var (name, v) in EncoderOptimizer.State()) yield return ($"optimizer.encoder.{name}", v);
        foreach (var (name, v) in DecoderOptimizer.State()) yield return ($"optimizer.decoder.{name}", v);
    }

    private sealed record CheckpointMeta(string Format, int Iteration, ulong NoiseOffset, long EncoderSteps, long DecoderSteps);
}
