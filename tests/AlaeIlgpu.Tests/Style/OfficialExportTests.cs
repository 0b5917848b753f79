using System.Buffers.Binary;
using System.Collections;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Tests.Alae;

namespace AlaeIlgpu.Tests.Style;

/// <summary>
/// <c>alae export</c>'s writer: import(export(run)) gives every tensor of the run back bit for bit (the imported tiny32
/// fixture and a fresh tiny run), the file holds exactly the official checkpoint's tensors (blur buffers included), each
/// storage 64-byte aligned as in the official file, and runs without an official layout are refused. (That PyTorch's own <c>torch.load</c> reads the file was checked by
/// hand: it needs Python.)
/// </summary>
public class OfficialExportTests
{
    [Fact]
    public void ExportThenImportOfTheImportedFixtureIsBitIdentical()
    {
        using var dir = new TempDirectory();
        var run = OfficialCheckpointImport.Import(Fixtures.Tiny32("model.pth"), dir.File("first")).Run;
        AssertRoundTrip(dir, run);
    }

    [Fact]
    public void ExportThenImportOfAFreshTinyRunIsBitIdentical()
    {
        using var dir = new TempDirectory();
        var config = StyleAlaeConfigs.Load("tiny");
        var shape = StyleModelKind.ShapeOf(config);
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(3), shape);
        var ema = new StyleAlae(CpuBackend.Instance, new RandomGenerator(4), shape);
        // The official checkpoints hold one style average, which both models share after an import.
        var average = Tensor.RandomNormal(CpuBackend.Instance, new RandomGenerator(5), shape.StyleSlots, shape.LatentSize).ToArray();
        foreach (var m in new[] { model, ema }) CpuBackend.Instance.Upload(average, m.StyleAverage.Storage);
        AssertRoundTrip(dir, FinishedStyleRun.Write(dir.File("fresh"), config, model, ema));
    }

    [Fact]
    public void TheExportHoldsTheOfficialTensorsWithTheOfficialBlurKernels()
    {
        using var dir = new TempDirectory();
        string exported = ExportImportedFixture(dir);

        using var official = TorchCheckpoint.Open(Fixtures.Tiny32("model.pth"));
        using var ours = TorchCheckpoint.Open(exported);
        var officialModels = Models(official);
        var ourModels = Models(ours);
        Assert.Equal(Names(officialModels.Keys), Names(ourModels.Keys));
        foreach (DictionaryEntry module in officialModels)
        {
            var expected = (Hashtable)module.Value!;
            var actual = (Hashtable)ourModels[module.Key]!;
            Assert.Equal(Names(expected.Keys), Names(actual.Keys));
            foreach (string name in expected.Keys.Cast<string>().Where(n => n.EndsWith(".blur.weight", StringComparison.Ordinal)))
            {
                var want = official.Read((TorchTensor)expected[name]!, name);
                var got = ours.Read((TorchTensor)actual[name]!, name);
                Assert.Equal(want.Shape, got.Shape);
                Assert.Equal(want.Data, got.Data);
            }
        }
        Assert.Empty((Hashtable)((Hashtable)ours.Root!)[OfficialCheckpointLayout.AuxiliaryKey]!);
    }

    [Fact]
    public void EveryStorageStartsAt64BytesAsInTheOfficialFile()
    {
        using var dir = new TempDirectory();
        string exported = ExportImportedFixture(dir);

        // The official file (its 308 storages include the optimizer state in 'auxiliary'), then ours (the models' 217).
        foreach (var (file, storages) in new[] { (Fixtures.Tiny32("model.pth"), 308), (exported, 217) })
        {
            var offsets = DataOffsets(File.ReadAllBytes(file));
            Assert.Equal(storages, offsets.Count(o => o.Name.Contains("/data/", StringComparison.Ordinal)));
            Assert.All(offsets, o => Assert.True(o.Offset % AlignedZipWriter.Alignment == 0, $"{file}: '{o.Name}' starts at {o.Offset}"));
        }
    }

    // The tiny32 fixture imported, then exported to exported.pth in dir.
    private static string ExportImportedFixture(TempDirectory dir)
    {
        var run = OfficialCheckpointImport.Import(Fixtures.Tiny32("model.pth"), dir.File("first")).Run;
        string exported = dir.File("exported.pth");
        OfficialCheckpointExport.Export(run.Path, exported);
        return exported;
    }

    // Each member's name and the file offset of its data, from the central directory and each local header's lengths.
    private static List<(string Name, long Offset)> DataOffsets(byte[] zip)
    {
        const int EndSize = 22, CentralSize = 46, LocalSize = 30;
        int end = zip.Length - EndSize;
        Assert.Equal(0x06054b50u, BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end)));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(end + 10));
        int at = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 16));
        var offsets = new List<(string, long)>();
        for (int i = 0; i < count; i++)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28));
            int skip = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 30)) + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 32));
            int local = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 42));
            string name = System.Text.Encoding.UTF8.GetString(zip, at + CentralSize, nameLength);
            int localExtra = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(local + 28));
            offsets.Add((name, local + LocalSize + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(local + 26)) + localExtra));
            at += CentralSize + nameLength + skip;
        }
        return offsets;
    }

    [Fact]
    public void AModConvRunIsRefusedNamingTheConfigKey()
    {
        using var dir = new TempDirectory();
        var config = StyleAlaeConfigs.Load("tiny");
        config = config with { Model = config.Model with { Generator = "modconv" } };
        var shape = StyleModelKind.ShapeOf(config);
        var run = FinishedStyleRun.Write(dir.File("modconv"), config,
            new StyleAlae(CpuBackend.Instance, new RandomGenerator(3), shape), new StyleAlae(CpuBackend.Instance, new RandomGenerator(4), shape));
        string path = dir.File("modconv.pth");
        var error = Assert.Throws<ArgumentException>(() => OfficialCheckpointExport.Export(run.Path, path));
        Assert.Contains("model.generator", error.Message);
        Assert.False(File.Exists(path));
    }

    // export -> import -> every tensor of both models equal to the run's.
    private static void AssertRoundTrip(TempDirectory dir, RunDirectory run)
    {
        string exported = dir.File("exported.pth");
        OfficialCheckpointExport.Export(run.Path, exported);
        var again = OfficialCheckpointImport.Import(exported, dir.File("again")).Run;
        var (model, ema) = Load(run);
        var (model2, ema2) = Load(again);
        foreach (var (a, b, label) in new[] { (model, model2, "model"), (ema, ema2, "ema") })
        {
            var named = b.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.ToArray());
            Assert.Equal(a.NamedParameters().Select(p => p.Name), named.Keys);
            foreach (var (name, p) in a.NamedParameters())
                Assert.True(p.Value.ToArray().SequenceEqual(named[name]), $"{label} {name} differs after export and import");
            Assert.Equal(a.StyleAverage.ToArray(), b.StyleAverage.ToArray());
        }
    }

    private static (StyleAlae Model, StyleAlae Ema) Load(RunDirectory run)
    {
        var shape = StyleModelKind.ShapeOf(new StyleModelKind().SavedConfig(run));
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(7), shape);
        var ema = new StyleAlae(CpuBackend.Instance, new RandomGenerator(8), shape);
        Checkpoint.Load(run.CheckpointPath, StyleModelKind.ModelName, StyleAlaeTrainer.Contents(model, ema));
        return (model, ema);
    }

    private static Hashtable Models(TorchCheckpoint checkpoint) => (Hashtable)((Hashtable)checkpoint.Root!)[OfficialCheckpointLayout.ModelsKey]!;

    private static string[] Names(ICollection keys) => keys.Cast<string>().Order(StringComparer.Ordinal).ToArray();
}
