using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Tests.Alae;

namespace AlaeIlgpu.Tests.Style;

public sealed class StyleAlaeConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EveryBuiltInNameLoadsItsRepositoryFile()
    {
        foreach (string name in StyleAlaeConfigs.Names)
        {
            string path = Path.Combine(RepositoryRoot.Find(), "configs", $"style-{name}.json");
            Assert.Equal(JsonConfig.ToJson(JsonConfig.Load<StyleAlaeConfig>(path)), JsonConfig.ToJson(StyleAlaeConfigs.Load(name)));
        }
    }

    [Fact]
    public void TheTypedDefaultsAreTheMnistConfig() =>
        Assert.Equal(JsonConfig.ToJson(new StyleAlaeConfig()), JsonConfig.ToJson(StyleAlaeConfigs.Load("mnist")));

    [Theory]
    [InlineData("mnist", 4, 64, 256, 32, 4, 1, 60_000, 10, 60, 32, false)]
    [InlineData("celeba", 6, 64, 256, 256, 8, 3, 182_637, 6, 80, 128, true)]
    [InlineData("celeba-hq256", 7, 64, 512, 512, 8, 3, 29_000, 30, 280, 256, true)]
    [InlineData("bedroom", 7, 32, 512, 512, 8, 3, 758_260, 2, 112, 256, true)]
    [InlineData("ffhq", 9, 16, 512, 512, 8, 3, 60_000, 16, 300, 1024, true)]
    public void BuiltInConfigsMatchTheOfficialOnes(string name, int layers, int start, int max, int latent, int mapping, int channels,
        int datasetSize, int epochsPerLod, int epochs, int resolution, bool mirror)
    {
        StyleAlaeConfig config = StyleAlaeConfigs.Load(name);

        Assert.Equal((layers, start, max, latent, mapping, channels),
            (config.Model.LayerCount, config.Model.StartChannels, config.Model.MaxChannels, config.Model.LatentSize, config.Model.MappingLayers, config.Model.Channels));
        Assert.Equal((datasetSize, epochsPerLod, epochs), (config.Schedule.DatasetSize, config.Schedule.EpochsPerLod, config.Schedule.TrainEpochs));
        Assert.Equal(resolution, config.Model.TopResolution());
        Assert.Equal(mirror, config.Data.Mirror);
        Assert.Equal((0.7, 8, 0.9, 0.995), (config.Model.TruncationPsi, config.Model.TruncationCutoff, config.Model.StyleMixingProb, config.Model.WAverageBeta));
        Assert.Equal((0.0, 0.99, 1e-8, 10.0, 10_000.0), (config.Optimizer.Beta1, config.Optimizer.Beta2, config.Optimizer.Epsilon, config.Training.R1Gamma, config.Training.EmaHalfLifeImages));
    }

    [Fact]
    public void AFileMayOverrideAFewKeysAndListsLoad()
    {
        string path = _dir.File("mine.json");
        File.WriteAllText(path, """{"model": {"generator": "modconv"}, "schedule": {"batch_sizes": [16, 8], "kimg": 2.5}}""");

        StyleAlaeConfig config = StyleAlaeConfigs.Load(path);

        Assert.Equal("modconv", config.Model.Generator);
        Assert.Equal([16, 8], config.Schedule.BatchSizes);
        Assert.Equal(2.5, config.Schedule.Kimg);
        Assert.Equal(9.5, JsonConfig.ApplyOverrides(config, ["schedule.kimg=9.5"]).Schedule.Kimg);
    }

    [Theory]
    [InlineData("""{"model": {"generator": "vq"}}""", "'model.generator'")]
    [InlineData("""{"model": {"channels": 2}}""", "'model.channels'")]
    [InlineData("""{"model": {"layer_count": 13}}""", "'model.layer_count'")]
    [InlineData("""{"model": {"max_channels": 8}}""", "'model.max_channels'")]
    [InlineData("""{"schedule": {"batch_sizes": []}}""", "'schedule.batch_sizes'")]
    [InlineData("""{"schedule": {"batch_sizes": [64, 0]}}""", "'schedule.batch_sizes[1]'")]
    [InlineData("""{"optimizer": {"learning_rates": [-1]}}""", "'optimizer.learning_rates[0]'")]
    [InlineData("""{"schedule": {"kimg": 0}}""", "'schedule.kimg'")]
    [InlineData("""{"data": {"path": ""}}""", "'data.path'")]
    [InlineData("""{"data": {"flip": true}}""", "'data.flip'")]
    public void BadValuesAreRefusedNamingTheKey(string json, string key)
    {
        var error = Assert.Throws<ConfigException>(() => JsonConfig.Parse<StyleAlaeConfig>(json, "mine.json"));

        Assert.Contains("mine.json", error.Message);
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void UnknownNamesListTheBuiltInOnes()
    {
        var error = Assert.Throws<ConfigException>(() => StyleAlaeConfigs.Load("imagenet"));

        Assert.Contains("celeba-hq256", error.Message);
    }

    [Fact]
    public void TheDatasetMustMatchTheModel()
    {
        StyleAlaeConfig tiny = StyleAlaeConfigs.Load("tiny");
        using IImageDataset digits = ImageDatasets.Open(tiny.Data.Path);

        tiny.CheckDataset(digits); // 16 px model on the 32 px digits: reads their 16 px level
        var channels = Assert.Throws<ConfigException>(() => (tiny with { Model = tiny.Model with { Channels = 3 } }).CheckDataset(digits));
        Assert.Contains("'model.channels'", channels.Message);
        var side = Assert.Throws<ConfigException>(() => (tiny with { Model = tiny.Model with { LayerCount = 5 } }).CheckDataset(digits));
        Assert.Contains("'model.layer_count'", side.Message);
    }
}
