using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Serialization;
using AlaeIlgpu.Tests.Alae;
using Xunit.Abstractions;

namespace AlaeIlgpu.Tests.Style;

/// <summary>
/// Importing the official tiny32 checkpoint (<c>model.pth</c> zip, <c>model_legacy.pth</c> pre-1.6): both give the
/// weights of the fixture's <c>.npz</c> files bit for bit, the imported run's EMA model reproduces the official
/// outputs, and damaged or foreign files are refused naming the file and what is wrong, leaving no run folder.
/// </summary>
public class OfficialImportTests(ITestOutputHelper output)
{
    private const string RunName = "imported";

    [Theory]
    [InlineData("model.pth")]
    [InlineData("model_legacy.pth")]
    public void BothFormatsImportTheFixtureWeightsBitForBit(string file)
    {
        using var dir = new TempDirectory();
        var imported = OfficialCheckpointImport.Import(Fixtures.Tiny32(file), dir.File(RunName));

        Assert.Equal(StyleFixture.Shape, imported.Shape);
        Assert.IsType<StyleModelKind>(RunCatalog.KindOf(imported.Run));
        Assert.Equal(StyleFixture.Shape, StyleModelKind.ShapeOf(JsonConfig.Load<StyleAlaeConfig>(imported.Run.ConfigPath)));
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(5), StyleFixture.Shape);
        var ema = new StyleAlae(CpuBackend.Instance, new RandomGenerator(6), StyleFixture.Shape);
        var header = Checkpoint.Load(imported.Run.CheckpointPath, StyleModelKind.ModelName, StyleAlaeTrainer.Contents(model, ema));
        var state = header.ReadState<StyleCheckpointState>(imported.Run.CheckpointPath);
        Assert.Equal((StyleFixture.TopLod, 1.0), (state.Lod, state.Blend));
        AssertSameWeights(Fixtures.Tiny32("weights.npz"), model);
        AssertSameWeights(Fixtures.Tiny32("weights_ema.npz"), ema);
    }

    [Fact]
    public void TheImportedEmaModelReproducesTheOfficialOutputs()
    {
        using var dir = new TempDirectory();
        var run = OfficialCheckpointImport.Import(Fixtures.Tiny32("model.pth"), dir.File(RunName)).Run;
        var b = CpuBackend.Instance;
        using var scope = new TensorScope();
        var autoencoder = new StyleModelKind().OpenEma(run, b);
        Assert.Equal(StyleFixture.TopLod, autoencoder.Lod);
        var model = autoencoder.Model;

        var w = model.F.Forward(StyleFixture.Array(b, "z.npy"));
        Check("mapping_w.npy", w, OfficialForwardTests.OutputTolerance);
        var styles = StyleSlots.Broadcast(w, model.Shape.StyleSlots);
        Check("generate.npy", model.G.Forward(styles, autoencoder.Lod, 1f, GeneratorNoise.Off), OfficialForwardTests.OutputTolerance);
        var x = StyleFixture.Array(b, "x.npy");
        var encoded = autoencoder.Encode(x.ToArray(), x.Shape[0]);
        Check("encode.npy", Tensor.FromArray(b, encoded, x.Shape[0], model.Shape.LatentSize), OfficialForwardTests.OutputTolerance);
        var wx = model.E.Forward(x, autoencoder.Lod, 1f);
        Check("discriminate.npy", model.D.Forward(wx), OfficialForwardTests.OutputTolerance);
        Check("reconstruct.npy", model.G.ForwardW(wx, autoencoder.Lod, 1f, GeneratorNoise.Off), OfficialForwardTests.OutputTolerance);
    }

    [Theory]
    [InlineData("model.pth", "does not open")]          // the zip's central directory is gone
    [InlineData("model_legacy.pth", "truncated")]       // the file ends inside a storage
    public void ATruncatedFileIsRefused(string file, string expected)
    {
        using var dir = new TempDirectory();
        var bytes = File.ReadAllBytes(Fixtures.Tiny32(file));
        string path = dir.File(file);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 1000)]);
        AssertRefused(dir, path, expected);
    }

    [Fact]
    public void AFlippedByteInsideAZipStorageFailsItsCrc()
    {
        using var dir = new TempDirectory();
        string path = dir.File("flipped.pth");
        File.WriteAllBytes(path, FlipInsideFirstEncoderWeight(File.ReadAllBytes(Fixtures.Tiny32("model.pth"))));
        AssertRefused(dir, path, "does not match its CRC-32");
    }

    [Fact]
    public void AnImportReplacesTheLeftoversOfARunThatNeverReachedACheckpointAndOfKilledImports()
    {
        using var dir = new TempDirectory();
        var leftovers = RunDirectory.At(dir.File(RunName));
        Directory.CreateDirectory(leftovers.Path);
        string killed = dir.File($".{RunName}.{Guid.NewGuid():N}.staging");   // an import of this name killed mid-write
        string otherRun = dir.File($".{RunName}.other.{Guid.NewGuid():N}.staging");   // run "imported.other"'s: kept
        foreach (string folder in new[] { killed, otherRun }) Directory.CreateDirectory(folder);
        File.WriteAllText(leftovers.LossesPath, "iteration\n");
        File.WriteAllText(leftovers.ConfigPath, "{}");
        string notes = leftovers.File("notes.txt");   // not a run file: kept
        File.WriteAllText(notes, "mine");

        var imported = OfficialCheckpointImport.Import(Fixtures.Tiny32("model.pth"), leftovers.Path);

        Assert.Equal(leftovers.Path, imported.Run.Path);
        Assert.False(File.Exists(leftovers.LossesPath));
        Assert.Equal(StyleFixture.Shape, StyleModelKind.ShapeOf(JsonConfig.Load<StyleAlaeConfig>(imported.Run.ConfigPath)));
        Assert.Equal("mine", File.ReadAllText(notes));
        var ema = new StyleAlae(CpuBackend.Instance, new RandomGenerator(6), StyleFixture.Shape);
        Checkpoint.Load(imported.Run.CheckpointPath, StyleModelKind.ModelName, StyleAlaeTrainer.Contents(null, ema));
        AssertSameWeights(Fixtures.Tiny32("weights_ema.npz"), ema);
        Assert.Equal([otherRun, leftovers.Path], Directory.GetDirectories(dir.Path).Order(StringComparer.Ordinal));   // staging folders gone
    }

    [Fact]
    public void AnImportedRunHoldsNoMomentsAndResumesWithZeroOnes()
    {
        using var dir = new TempDirectory();
        var imported = OfficialCheckpointImport.Import(Fixtures.Tiny32("model.pth"), dir.File(RunName));
        string path = imported.Run.CheckpointPath;
        var names = new List<string>();
        using (var stream = File.OpenRead(path)) TensorArchive.Read(stream, path, name => { names.Add(name); return false; });
        Assert.Contains("ema.dlatent_avg.buff", names);
        Assert.DoesNotContain(names, n => n.StartsWith("optimizer.", StringComparison.Ordinal));
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(5), StyleFixture.Shape);
        var ema = new StyleAlae(CpuBackend.Instance, new RandomGenerator(6), StyleFixture.Shape);
        var (encoder, decoder) = StyleAlaeTraining.CreateOptimizers(model, imported.Config.Optimizer, 1e-3f);
        var moments = encoder.State().Concat(decoder.State()).Select(e => e.Value).ToArray();
        foreach (var v in moments) v.Backend.Fill(v.Storage, 1f);   // as if the optimizers had stepped

        Checkpoint.Load(path, StyleModelKind.ModelName, StyleAlaeTrainer.TrainingContents(model, ema, encoder, decoder));
        Assert.All(moments, v => Assert.All(v.ToArray(), x => Assert.Equal(0f, x)));
        AssertSameWeights(Fixtures.Tiny32("weights.npz"), model);
    }

    [Fact]
    public void ACheckpointMissingPartOfAnOptimizersMomentsIsRefused()
    {
        using var dir = new TempDirectory();
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(5), StyleFixture.Shape);
        var ema = new StyleAlae(CpuBackend.Instance, new RandomGenerator(6), StyleFixture.Shape);
        var config = OfficialCheckpointImport.ConfigFor(StyleFixture.Shape, null).Config;
        var (encoder, decoder) = StyleAlaeTraining.CreateOptimizers(model, config.Optimizer, 1e-3f);
        var all = StyleAlaeTrainer.TrainingContents(model, ema, encoder, decoder);
        var partial = new CheckpointContents().Parameters("", []);
        foreach (var (name, value) in all.Entries.Where(e => e.Name != "optimizer.decoder.v.0")) partial.Buffer(name, value);
        string path = dir.File("checkpoint.bin");
        Checkpoint.Save(path, StyleModelKind.ModelName, 0, new { }, partial);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, StyleModelKind.ModelName, all));
        Assert.Contains("'optimizer.decoder.v.0' is missing", e.Message);
    }

    [Fact]
    public void AFlippedByteInsideALegacyStorageCannotBeDetected()
    {
        // The legacy format has no checksum: the import succeeds and exactly one value differs. (Its structure is
        // still checked: counts, lengths, the storage list and every pickle.)
        using var dir = new TempDirectory();
        string path = dir.File("flipped.pth");
        File.WriteAllBytes(path, FlipInsideFirstEncoderWeight(File.ReadAllBytes(Fixtures.Tiny32("model_legacy.pth"))));
        var run = OfficialCheckpointImport.Import(path, dir.File(RunName)).Run;
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(5), StyleFixture.Shape);
        var ema = new StyleAlae(CpuBackend.Instance, new RandomGenerator(6), StyleFixture.Shape);
        Checkpoint.Load(run.CheckpointPath, StyleModelKind.ModelName, StyleAlaeTrainer.Contents(model, ema));
        var expected = NpzFile.Read(Fixtures.Tiny32("weights.npz"))[FirstEncoderWeight].Data;
        var actual = model.NamedParameters().Single(p => p.Name == FirstEncoderWeight).Parameter.Value.ToArray();
        Assert.Equal(1, expected.Zip(actual).Count(v => v.First != v.Second));
    }

    [Theory]
    [InlineData("model.pth")]
    [InlineData("model_legacy.pth")]
    public void AnUnknownPickleOpcodeIsRefused(string file)
    {
        using var dir = new TempDirectory();
        string path = dir.File(file);
        // The main pickle opens with {"models": ...}: make its EMPTY_DICT an opcode no protocol has.
        var start = "}q\0(X\x06\0\0\0models"u8.ToArray();
        var bytes = File.ReadAllBytes(Fixtures.Tiny32(file));
        if (file.EndsWith("legacy.pth", StringComparison.Ordinal)) File.WriteAllBytes(path, TorchFiles.Replace(bytes, start, [0xff, .. start[1..]]));
        else TorchFiles.EditZip(Fixtures.Tiny32(file), path, (name, member) => name.EndsWith("data.pkl", StringComparison.Ordinal) ? TorchFiles.Replace(member, start, [0xff, .. start[1..]]) : member);
        AssertRefused(dir, path, "unknown pickle opcode 0xff");
    }

    [Fact]
    public void TheStateDictsOfAnotherModelAreRefusedByName()
    {
        using var dir = new TempDirectory();
        string path = dir.File("other.pth");
        var pickle = new TorchPickleWriter().EmptyDict().Mark().Text("models").EmptyDict().Mark()
            .Text("encoder").EmptyDict().Text("decoder").EmptyDict().SetItems().SetItems().Finish();
        TorchFiles.WriteZip(path, pickle, new Dictionary<string, byte[]>());
        var error = AssertRefused(dir, path, "'models' lacks 'discriminator', 'discriminator_s', 'dlatent_avg'");
        Assert.Contains("has unexpected 'decoder', 'encoder'", error);
    }

    [Fact]
    public void AMissingOrMisshapedTensorIsRefusedByName()
    {
        using var dir = new TempDirectory();
        string renamed = dir.File("renamed.pth");
        EditPickle(renamed, "from_rgb.0.from_rgb.bias"u8.ToArray(), "from_rgb.0.from_rgb.biaz"u8.ToArray());
        AssertRefused(dir, renamed, "no tensor 'discriminator.from_rgb.0.from_rgb.bias'");

        string misshaped = dir.File("misshaped.pth");
        // dlatent_avg.buff: BINPERSID, offset 0, size (8, 16) as TUPLE2 -> (4, 16)
        EditPickle(misshaped, [(byte)'Q', (byte)'K', 0, (byte)'K', 8, (byte)'K', 16, 0x86], [(byte)'Q', (byte)'K', 0, (byte)'K', 4, (byte)'K', 16, 0x86]);
        AssertRefused(dir, misshaped, "'dlatent_avg.buff' has shape (4, 16), the model needs [8, 16]");
    }

    [Fact]
    public void ABlurBufferThatIsNotTheOfficialKernelIsRefused()
    {
        using var dir = new TempDirectory();
        string path = dir.File("blur.pth");
        var kernel = OfficialWeights.BlurKernel(1).SelectMany(BitConverter.GetBytes).ToArray();   // the first channel's 3x3
        var changed = kernel.ToArray();
        changed[0] ^= 0x01;   // 0.0625 -> the next float
        // every blur storage starts with the kernel; the CRCs are made right again, so only the check of the values can tell
        TorchFiles.EditZip(Fixtures.Tiny32("model.pth"), path, (name, bytes) =>
            bytes.Length >= kernel.Length && bytes.AsSpan(0, kernel.Length).SequenceEqual(kernel) && bytes.Length % kernel.Length == 0 ? TorchFiles.Replace(bytes, kernel, changed) : bytes);
        AssertRefused(dir, path, "blur.weight' of shape");
    }

    private const string FirstEncoderWeight = "discriminator.from_rgb.0.from_rgb.weight";

    // The file with one bit flipped in the middle of the raw E's first weight (found by its float32 bytes).
    private static byte[] FlipInsideFirstEncoderWeight(byte[] file)
    {
        var values = NpzFile.Read(Fixtures.Tiny32("weights.npz"))[FirstEncoderWeight].Data;
        var pattern = values.SelectMany(BitConverter.GetBytes).ToArray();
        var changed = pattern.ToArray();
        changed[pattern.Length / 2] ^= 0x10;
        return TorchFiles.Replace(file, pattern, changed);
    }

    private static void EditPickle(string path, byte[] from, byte[] to) =>
        TorchFiles.EditZip(Fixtures.Tiny32("model.pth"), path, (name, bytes) => name.EndsWith("data.pkl", StringComparison.Ordinal) ? TorchFiles.Replace(bytes, from, to) : bytes);

    // The import of path fails naming it and saying expected, and leaves no run folder; returns the message.
    private static string AssertRefused(TempDirectory dir, string path, string expected)
    {
        string runPath = dir.File(RunName);
        var error = Assert.Throws<InvalidDataException>(() => OfficialCheckpointImport.Import(path, runPath));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.False(Directory.Exists(runPath), $"{runPath} was left behind");
        Assert.Empty(Directory.GetDirectories(dir.Path));   // nor the staging folder the tensors stream into
        return error.Message;
    }

    private static void AssertSameWeights(string npz, StyleAlae model)
    {
        var arrays = NpzFile.Read(npz);
        foreach (var (name, p) in model.NamedParameters()) Assert.True(arrays[name].Data.SequenceEqual(p.Value.ToArray()), $"{name} differs from {npz}");
        Assert.Equal(arrays[StyleAlae.StyleAverageName].Data, model.StyleAverage.ToArray());
    }

    private void Check(string file, Tensor actual, double tolerance)
    {
        double relative = StyleFixture.AssertClose(StyleFixture.Array(CpuBackend.Instance, file).ToArray(), actual.ToArray(), tolerance, $"imported {file}");
        output.WriteLine($"{file}: largest difference {relative:G3} of the largest magnitude");
    }
}
