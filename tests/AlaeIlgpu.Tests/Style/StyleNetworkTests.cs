using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Alae;
using AlaeIlgpu.Tests.Engine;

namespace AlaeIlgpu.Tests.Style;

/// <summary>
/// StyleALAE's networks have the official architecture: parameter counts of every published config (ALAE_REFERENCE.md
/// 3.7), the official names and shapes, fade-in limits, and style mixing and truncation acting on the right slots.
/// </summary>
public class StyleNetworkTests
{
    private const int Batch = 2;

    /// <summary>(config, shape, F, G, E, D) from instantiating the official classes for each published config.</summary>
    public static TheoryData<string, StyleAlaeShape, long, long, long, long> PublishedConfigs() => new()
    {
        { "mnist", new(4, 64, 256, 32, 4, 1), 4_224, 2_422_980, 3_017_920, 4_224 },
        { "celeba", new(6, 64, 256, 256, 8, 3), 526_336, 5_944_402, 6_625_600, 263_168 },
        { "celeba-hq256", new(7, 64, 512, 512, 8, 3), 2_101_248, 23_984_981, 26_789_952, 1_050_624 },
        { "bedroom", new(7, 32, 512, 512, 8, 3), 2_101_248, 18_305_717, 21_145_888, 1_050_624 },
        { "ffhq", new(9, 16, 512, 512, 8, 3), 2_101_248, 24_118_379, 26_974_352, 1_050_624 },
    };

    [Theory]
    [MemberData(nameof(PublishedConfigs))]
    public void ParameterCountsMatchTheOfficialModel(string config, StyleAlaeShape shape, long f, long g, long e, long d)
    {
        var b = CpuBackend.Instance;
        var random = new RandomGenerator(1);
        Assert.True(f == new MappingF(b, random, shape).ParameterCount, $"{config}: F");
        Assert.True(d == new MappingD(b, random, shape).ParameterCount, $"{config}: D");
        Assert.True(g == new Generator(b, random, shape).ParameterCount, $"{config}: G");
        Assert.True(e == new Encoder(b, random, shape).ParameterCount, $"{config}: E");
    }

    [Fact]
    public void NamesAndShapesAreTheOfficialOnes()
    {
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(1), StyleFixture.Shape);
        var official = NpzFile.Read(Fixtures.Tiny32("weights.npz"))
            .Where(a => !a.Key.EndsWith(".blur.weight", StringComparison.Ordinal) && a.Key != StyleAlae.StyleAverageName)
            .ToDictionary(a => a.Key, a => a.Value.Shape);
        var ours = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.Shape.ToArray());
        Assert.Equal(official.Keys.Order(), ours.Keys.Order());
        foreach (var (name, shape) in official) Assert.True(shape.SequenceEqual(ours[name]), $"{name}: official {string.Join("x", shape)}, ours {string.Join("x", ours[name])}");
    }

    [Fact]
    public void TheShapeIsInferredFromOfficialTensors()
    {
        string path = Fixtures.Tiny32("weights.npz");
        Assert.Equal(StyleFixture.Shape, OfficialWeights.InferShape(NpzFile.Read(path), path));
    }

    [Fact]
    public void LoadingNamesTheMissingTensorAndTheFile()
    {
        string path = Fixtures.Tiny32("weights.npz");
        var arrays = NpzFile.Read(path);
        arrays.Remove("generator.decode_block.1.conv_1.weight");
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(1), StyleFixture.Shape);
        var error = Assert.Throws<InvalidDataException>(() => OfficialWeights.Load(model, arrays, path));
        Assert.Contains("generator.decode_block.1.conv_1.weight", error.Message);
        Assert.Contains("weights.npz", error.Message);
    }

    [Fact]
    public void TheParameterTableListsEveryTensorWithItsCount()
    {
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(1), StyleFixture.Shape);
        var rows = ParameterTable.Rows(model.G, StyleAlae.GeneratorPrefix);
        Assert.Equal(model.G.ParameterCount, rows.Sum(r => r.Count));
        var conv = rows.Single(r => r.Name == "generator.decode_block.1.conv_1.weight");
        Assert.Equal([16, 16, 3, 3], conv.Shape);
        Assert.Equal(16 * 16 * 9, conv.Count);
    }

    [Fact]
    public void AtBlendZeroGeneratorShowsThePreviousLevelUpsampled()
    {
        using var scope = new TensorScope();
        var model = StyleFixture.Load(CpuBackend.Instance, "weights.npz");
        var styles = StyleSlots.Broadcast(StyleFixture.Array(CpuBackend.Instance, "mapping_w.npy"), model.Shape.StyleSlots);
        var faded = model.G.Forward(styles, StyleFixture.TopLod, 0f, GeneratorNoise.Off);
        var previous = model.G.Forward(styles, StyleFixture.TopLod - 1, 1f, GeneratorNoise.Off);
        Assert.Equal(ResampleOp.UpsampleNearest2x(previous).ToArray(), faded.ToArray());
    }

    [Fact]
    public void AtBlendZeroEncoderSeesThePooledImageAtThePreviousLevel()
    {
        using var scope = new TensorScope();
        var model = StyleFixture.Load(CpuBackend.Instance, "weights.npz");
        var x = StyleFixture.Array(CpuBackend.Instance, "x.npy");
        var faded = model.E.Forward(x, StyleFixture.TopLod, 0f);
        var previous = model.E.Forward(ResampleOp.AveragePool2x2(x), StyleFixture.TopLod - 1, 1f);
        Assert.Equal(previous.ToArray(), faded.ToArray());
    }

    [Fact]
    public void MixingTakesTheFirstStylesBelowTheCutoff()
    {
        using var scope = new TensorScope();
        var (first, second) = (Slots(1f), Slots(2f));
        var mixed = StyleSlots.Mix(first, second, cutoff: 3).ToArray();   // [2, 8, 4]
        for (int n = 0; n < Batch; n++)
            for (int slot = 0; slot < 8; slot++)
                Assert.Equal(slot < 3 ? 1f : 2f, mixed[(n * 8 + slot) * 4]);
    }

    [Fact]
    public void TruncationPullsOnlyTheSlotsBelowTheCutoffTowardTheAverage()
    {
        using var scope = new TensorScope();
        var styles = Slots(3f);
        var average = Tensor.Full(CpuBackend.Instance, 1f, 8, 4);
        var truncated = StyleSlots.Truncate(styles, average, psi: 0.5f, cutoff: 5).ToArray();
        for (int n = 0; n < Batch; n++)
            for (int slot = 0; slot < 8; slot++)
                Assert.Equal(slot < 5 ? 2f : 3f, truncated[(n * 8 + slot) * 4 + 1]);
    }

    [Fact]
    public void TheStyleAverageMovesTowardTheBatchMeanOnEveryMapping()
    {
        using var scope = new TensorScope();
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(1), StyleFixture.Shape);
        var z = Tensor.RandomNormal(CpuBackend.Instance, new RandomGenerator(2), 4, 16);
        var mean = ReduceOp.Mean(model.F.Forward(z), [0]).ToArray();
        model.Map(z, averageBeta: 0.995f);
        var average = model.StyleAverage.ToArray();
        for (int slot = 0; slot < model.Shape.StyleSlots; slot++)
            for (int j = 0; j < 16; j++) Assert.Equal(0.005f * mean[j], average[slot * 16 + j], 1e-7f);
    }

    // styles [Batch, 8, 4] filled with one value
    private static Tensor Slots(float value) => Tensor.Full(CpuBackend.Instance, value, Batch, 8, 4);
}
