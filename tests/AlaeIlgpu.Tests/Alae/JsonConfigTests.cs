using System.Text.Json.Nodes;
using AlaeIlgpu.Alae.Config;

namespace AlaeIlgpu.Tests.Alae;

public sealed class JsonConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void RepositoryDefaultFileEqualsTheTypedDefaults()
    {
        string path = Path.Combine(RepositoryRoot.Find(), "configs", "mnist-mlp.json");

        MlpAlaeConfig config = JsonConfig.Load<MlpAlaeConfig>(path);

        Assert.Equal(new MlpAlaeConfig(), config);
        Assert.Equal(50, config.Model.LatentSize);
        Assert.Equal(0.01, config.Model.GeneratorHiddenSlope);
        Assert.Null(config.Data.Dir);
    }

    [Fact]
    public void SaveThenLoadRoundTripsAndUsesSnakeCase()
    {
        string path = _dir.File("config.json");
        var config = new MlpAlaeConfig { Training = new MlpTrainingConfig { BatchSize = 64, Seed = 9 }, Data = new MlpDataConfig { Dir = "/data/mnist" } };

        JsonConfig.Save(path, config);

        Assert.Equal(config, JsonConfig.Load<MlpAlaeConfig>(path));
        string text = File.ReadAllText(path);
        Assert.Contains("\"batch_size\": 64", text);
        Assert.Contains("\"r1_gamma\": 10", text);
        Assert.Contains("\"mapping_lr_multiplier\": 0.1", text);
    }

    [Fact]
    public void PartialFileKeepsDefaultsForMissingKeys()
    {
        const string Text = """
            { "training": { "iterations": 10, }, // a comment and a trailing comma
            }
            """;
        MlpAlaeConfig config = JsonConfig.Parse<MlpAlaeConfig>(Text, "inline");

        Assert.Equal(10, config.Training.Iterations);
        Assert.Equal(128, config.Training.BatchSize);
    }

    [Fact]
    public void DottedAndPlainOverridesAreTypedAndApplied()
    {
        MlpAlaeConfig config = JsonConfig.ApplyOverrides(new MlpAlaeConfig(),
            ["training.batch_size=32", "learning_rate=1e-3", "data.dir=/tmp/m", "seed=18446744073709551615", "svm_c = 0.5"]);

        Assert.Equal(32, config.Training.BatchSize);
        Assert.Equal(0.001, config.Optimizer.LearningRate);
        Assert.Equal("/tmp/m", config.Data.Dir);
        Assert.Equal(ulong.MaxValue, config.Training.Seed);
        Assert.Equal(0.5, config.Evaluation.SvmC);
        Assert.Equal(6, config.Model.MappingLayers);
    }

    [Fact]
    public void NullClearsANullableKey()
    {
        var config = new MlpAlaeConfig { Data = new MlpDataConfig { Dir = "x" } };

        Assert.Null(JsonConfig.ApplyOverrides(config, ["data.dir=null"]).Data.Dir);
    }

    [Fact]
    public void UnknownOverrideKeyListsValidKeys()
    {
        var error = Assert.Throws<ConfigException>(() => JsonConfig.ApplyOverrides(new MlpAlaeConfig(), ["training.batchsize=3"]));

        Assert.Contains("unknown key 'training.batchsize'", error.Message);
        Assert.Contains("training.batch_size", error.Message);
        Assert.Contains("model.latent_size", error.Message);
    }

    [Fact]
    public void UnparsableOverrideValueNamesKeyAndType()
    {
        var error = Assert.Throws<ConfigException>(() => JsonConfig.ApplyOverrides(new MlpAlaeConfig(), ["batch_size=12.5"]));

        Assert.Equal("--set: '12.5' is not a valid 32-bit integer for key 'training.batch_size'.", error.Message);
    }

    [Fact]
    public void OverrideWithoutEqualsIsRejected()
    {
        var error = Assert.Throws<ConfigException>(() => JsonConfig.ApplyOverrides(new MlpAlaeConfig(), ["batch_size"]));

        Assert.Contains("expected key=value", error.Message);
    }

    [Fact]
    public void UnknownKeyInFileNamesFileAndKey()
    {
        string path = _dir.File("bad.json");
        File.WriteAllText(path, """{ "model": { "latent_size": 50, "latent_dim": 3 } }""");

        var error = Assert.Throws<ConfigException>(() => JsonConfig.Load<MlpAlaeConfig>(path));

        Assert.StartsWith($"{path}: unknown key 'model.latent_dim'. Valid keys: model.latent_size,", error.Message);
    }

    [Fact]
    public void UnknownSectionInFileIsRejected()
    {
        var error = Assert.Throws<ConfigException>(() => JsonConfig.Parse<MlpAlaeConfig>("""{ "trainig": {} }""", "f.json"));

        Assert.Contains("unknown key 'trainig'", error.Message);
    }

    [Fact]
    public void WrongValueTypeInFileNamesTheKey()
    {
        var error = Assert.Throws<ConfigException>(() => JsonConfig.Parse<MlpAlaeConfig>("""{ "training": { "batch_size": "big" } }""", "f.json"));

        Assert.StartsWith("f.json: invalid value for 'training.batch_size'", error.Message);
    }

    [Fact]
    public void OutOfRangeValueIsRejectedByValidation()
    {
        var error = Assert.Throws<ConfigException>(() => JsonConfig.ApplyOverrides(new MlpAlaeConfig(), ["beta2=1"]));

        Assert.Equal("--set: 'optimizer.beta2' must be in [0, 1), not 1.", error.Message);
    }

    [Fact]
    public void RepositoryDefaultFileSpellsOutEveryValidKey()
    {
        string path = Path.Combine(RepositoryRoot.Find(), "configs", "mnist-mlp.json");
        JsonObject root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        string[] fileKeys = root.SelectMany(section => section.Value!.AsObject().Select(leaf => $"{section.Key}.{leaf.Key}")).ToArray();

        IReadOnlyDictionary<string, Type> keys = JsonConfig.ValidKeys<MlpAlaeConfig>();

        Assert.Equal(keys.Keys, fileKeys);
        Assert.Equal(typeof(int), keys["training.iterations"]);
        Assert.Equal(typeof(string), keys["data.dir"]);
        Assert.Equal(typeof(ulong), keys["training.seed"]);
    }
}
