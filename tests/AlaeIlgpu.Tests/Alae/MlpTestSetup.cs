using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>Tiny MLP ALAE configurations and helpers shared by the Mlp* tests (fast whatever the GEMM).</summary>
internal static class MlpTestSetup
{
    /// <summary>Pixels of the synthetic images: small, so a gradient check probes a meaningful share of E's input weights.</summary>
    public const int SyntheticPixels = 12;

    /// <summary>A tiny model (latent 8, hidden 32, the real layer counts and slopes) with a small batch.</summary>
    public static MlpAlaeConfig Tiny(int batch = 8, int iterations = 4) => new()
    {
        Model = new MlpModelConfig { LatentSize = 8, HiddenSize = 32 },
        Training = new MlpTrainingConfig { BatchSize = batch, Iterations = iterations, SampleInterval = 1000, CheckpointInterval = 1000 },
        Data = new MlpDataConfig { TrainCount = 200, HeldOutCount = 40 },
    };

    /// <summary>The same tiny config as <c>--set</c> overrides for the command line.</summary>
    public static string[] TinyOverrides(int iterations) =>
    [
        "--set", "model.latent_size=8", "--set", "model.hidden_size=32", "--set", "training.batch_size=8",
        "--set", $"training.iterations={iterations}", "--set", "data.train_count=200", "--set", "data.held_out_count=40",
    ];

    /// <summary>Seeded uniform [0, 1) images [count, pixels], standing in for digits.</summary>
    public static float[] SyntheticImages(int count, int pixels = SyntheticPixels, int seed = 5)
    {
        var random = new Random(seed);
        var images = new float[count * pixels];
        for (int i = 0; i < images.Length; i++) images[i] = random.NextSingle();
        return images;
    }

    /// <summary>A trainer of <paramref name="config"/> on <paramref name="count"/> synthetic images on the cpu backend.</summary>
    public static MlpAlaeTrainer Trainer(MlpAlaeConfig config, int count = 20) =>
        new(config, CpuBackend.Instance, SyntheticImages(count), SyntheticPixels);

    /// <summary>A copy of every parameter of <paramref name="model"/>, by prefixed name (F., G., E., D.).</summary>
    public static Dictionary<string, float[]> Snapshot(MlpAlae model) =>
        model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.ToArray());

    /// <summary>Every tensor a checkpoint holds (model, w average, EMA, both optimizers' moments), by checkpoint name.</summary>
    public static Dictionary<string, float[]> FullState(MlpAlaeTrainer trainer)
    {
        var state = new Dictionary<string, float[]>();
        foreach (var (name, p) in trainer.Model.NamedParameters()) state[$"model.{name}"] = p.Value.ToArray();
        state["model.w_average"] = trainer.Model.WAverage.ToArray();
        foreach (var (name, p) in trainer.Ema.NamedParameters()) state[$"ema.{name}"] = p.Value.ToArray();
        foreach (var (name, v) in trainer.EncoderOptimizer.State()) state[$"optimizer.encoder.{name}"] = v.ToArray();
        foreach (var (name, v) in trainer.DecoderOptimizer.State()) state[$"optimizer.decoder.{name}"] = v.ToArray();
        return state;
    }

    /// <summary>Asserts two states hold the same names and bit-identical floats (NaN payloads included).</summary>
    public static void AssertBitIdentical(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected)
        {
            var other = actual[name];
            Assert.Equal(values.Length, other.Length);
            for (int i = 0; i < values.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(values[i]) == BitConverter.SingleToInt32Bits(other[i]),
                    $"{name}[{i}]: expected {values[i]:R}, got {other[i]:R}");
        }
    }
}
