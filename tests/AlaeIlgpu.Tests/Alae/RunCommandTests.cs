using System.Text;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Cli;
using AlaeIlgpu.Serialization;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>What a newcomer runs into: resume options, bad names and keys, leftovers of stopped runs, seeds, old runs.</summary>
[Collection(MlpConsoleCollection.Name)]
public class RunCommandTests
{
    private static (int ExitCode, string Output, string Error) Alae(params string[] args) => MlpCommandTests.Alae(args);

    private static string TrainTinyRun(TempDirectory dir, int iterations, string name = "tiny") => MlpCommandTests.TrainTinyRun(dir, iterations, name);

    [Fact]
    public void ResumeAppliesRunLengthAndRefusesEveryOtherChangeByName()
    {
        using var dir = new TempDirectory();
        string run = TrainTinyRun(dir, iterations: 2);

        var (refusedCode, _, refused) = Alae("train", "--device", "cpu", "--resume", run, "--set", "model.hidden_size=16");
        Assert.Equal(ExitCodes.Error, refusedCode);
        Assert.Contains("--set model.hidden_size", refused);
        Assert.Contains("training.iterations", refused);   // what can change

        foreach (var option in new[] { "--config", "--name", "--data", "--model" })
        {
            var (code, _, error) = Alae("train", "--device", "cpu", "--resume", run, option, "x");
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains($"{option} cannot be used with --resume", error);
        }

        var (extendCode, output, extendError) = Alae("train", "--device", "cpu", "--resume", run, "--set", "training.iterations=3");
        Assert.True(extendCode == ExitCodes.Ok, extendError);
        Assert.Contains("done at iteration 3", output);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, "losses.csv")).Length);   // header + iterations 1-3
        Assert.Equal(3, JsonConfig.Load<MlpAlaeConfig>(Path.Combine(run, "config.json")).Training.Iterations);

        var (againCode, again, _) = Alae("train", "--device", "cpu", "--resume", run);
        Assert.Equal(ExitCodes.Ok, againCode);
        Assert.Contains("already at iteration 3 of 3; nothing to do", again);
    }

    [Fact]
    public void ARunThatStoppedBeforeItsFirstCheckpointPointsToANewTrainWhichReusesTheFolder()
    {
        using var dir = new TempDirectory();
        var (code, _, _) = Alae(["train", "--device", "cpu", "--runs", dir.Path, "--name", "early", .. MlpTestSetup.TinyOverrides(2),
                                 "--set", "optimizer.learning_rate=1e30"]);
        Assert.Equal(ExitCodes.Diverged, code);
        string run = Path.Combine(dir.Path, "early");

        var (resumeCode, _, resumeError) = Alae("train", "--device", "cpu", "--resume", run);
        Assert.Equal(ExitCodes.Error, resumeCode);
        Assert.Contains("nothing to resume", resumeError);
        Assert.Contains("alae train --name early", resumeError);

        TrainTinyRun(dir, iterations: 1, name: "early");
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "losses.csv")).Length);   // the old rows are gone
    }

    [Theory]
    [InlineData("data.held_out_count=10", "'data.held_out_count' must be at least 32")]
    [InlineData("training.iterations=0", "'training.iterations' must be positive")]
    public void ValuesThatWouldFailLaterAreRefusedNamingTheKey(string assignment, string message)
    {
        using var dir = new TempDirectory();
        var (code, _, error) = Alae(["train", "--device", "cpu", "--runs", dir.Path, "--name", "bad", .. MlpTestSetup.TinyOverrides(2), "--set", assignment]);
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains(message, error);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "bad")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData(" lead")]
    public void NamesThatAreNotOneFolderAreRefused(string name)
    {
        using var dir = new TempDirectory();
        string runs = dir.File("runs");
        var (code, _, error) = Alae(["train", "--device", "cpu", "--runs", runs, "--name", name, .. MlpTestSetup.TinyOverrides(1)]);
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("--name", error);
        Assert.False(Directory.Exists(runs), "a folder was created for a bad name");
    }

    [Fact]
    public void ResumingRemovesTemporaryFilesOfKilledWritersOnly()
    {
        using var dir = new TempDirectory();
        string run = TrainTinyRun(dir, iterations: 1);
        string stale = Path.Combine(run, $".checkpoint.bin.{Guid.NewGuid():N}.tmp"), notes = Path.Combine(run, "notes.tmp");
        File.WriteAllText(stale, "half a checkpoint");
        File.WriteAllText(notes, "mine");

        var (code, _, error) = Alae("train", "--device", "cpu", "--resume", run, "--set", "training.iterations=2");

        Assert.True(code == ExitCodes.Ok, error);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(notes));
    }

    [Fact]
    public void SampleNeedsOnlyTheCheckpointAndRepeatsWithItsSeed()
    {
        using var dir = new TempDirectory();
        string run = TrainTinyRun(dir, iterations: 1);
        // Point the data somewhere that does not exist: sample must not read it, reconstruct must say so.
        string configPath = Path.Combine(run, "config.json");
        var config = JsonConfig.Load<MlpAlaeConfig>(configPath);
        JsonConfig.Save(configPath, config with { Data = config.Data with { Dir = dir.File("gone") } });

        var (a, aOut, aError) = Alae("sample", run, "--device", "cpu", "--seed", "7", "-o", "a.png");
        var (b, _, _) = Alae("sample", run, "--device", "cpu", "--seed", "7", "-o", "b.png");
        var (c, _, _) = Alae("sample", run, "--device", "cpu", "--seed", "8", "-o", "c.png");
        Assert.True(a == ExitCodes.Ok && b == ExitCodes.Ok && c == ExitCodes.Ok, aError);
        Assert.Contains("seed 7", aOut);
        Assert.Equal(File.ReadAllBytes(Path.Combine(run, "a.png")), File.ReadAllBytes(Path.Combine(run, "b.png")));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(run, "a.png")), File.ReadAllBytes(Path.Combine(run, "c.png")));

        var (code, _, error) = Alae("reconstruct", run, "--device", "cpu");
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains(dir.File("gone"), error);
    }

    [Fact]
    public void DataOptionTrainsOnAFolderAndFiguresTakeTheImageShapeFromTheModel()
    {
        using var dir = new TempDirectory();
        string data = dir.File("digits");
        Directory.CreateDirectory(data);
        WriteIdx(data, "train", count: 24);
        WriteIdx(data, "t10k", count: 8);

        var (code, _, error) = Alae(["train", "--device", "cpu", "--runs", dir.Path, "--name", "idx", "--data", data, .. MlpTestSetup.TinyOverrides(1)]);
        Assert.True(code == ExitCodes.Ok, error);
        string run = Path.Combine(dir.Path, "idx");
        Assert.Equal(Path.GetFullPath(data), JsonConfig.Load<MlpAlaeConfig>(Path.Combine(run, "config.json")).Data.Dir);
        foreach (var command in new[] { "sample", "reconstruct", "interpolate" })
        {
            string[] count = command == "interpolate" ? ["--steps", "5"] : ["--n", "5"];   // not a whole row of 8
            var (figureCode, _, figureError) = Alae([command, run, "--device", "cpu", .. count]);
            Assert.True(figureCode == ExitCodes.Ok, $"{command}: {figureError}");
        }
    }

    // MNIST-format files of `count` 6x5 images (not 28x28) under the given part name.
    private static void WriteIdx(string folder, string part, int count)
    {
        var pixels = new byte[count * 30];
        new Random(3).NextBytes(pixels);
        IdxFile.Write(Path.Combine(folder, $"{part}-images-idx3-ubyte"), new IdxArray([count, 6, 5], pixels));
        IdxFile.Write(Path.Combine(folder, $"{part}-labels-idx1-ubyte"), new IdxArray([count], [.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))]));
    }

    [Fact]
    public void ARunFromBeforeRunJsonAndChecksumsOpensAsMlp()
    {
        using var dir = new TempDirectory();
        string run = TrainTinyRun(dir, iterations: 1);
        File.Delete(Path.Combine(run, "run.json"));
        RewriteAsFirstFormat(Path.Combine(run, "checkpoint.bin"));

        foreach (var command in new[] { "sample", "eval" })
        {
            var (code, _, error) = Alae(command, run, "--device", "cpu");
            Assert.True(code == ExitCodes.Ok, $"{command}: {error}");
        }
        var (resumeCode, _, resumeError) = Alae("train", "--device", "cpu", "--resume", run, "--set", "training.iterations=2");
        Assert.True(resumeCode == ExitCodes.Ok, resumeError);
    }

    // The first checkpoint layout: archive version 1 (no checksums), metadata {"Format": "mlp-alae/1", ...}.
    private static void RewriteAsFirstFormat(string path)
    {
        Dictionary<string, (int[] Shape, float[] Data)> entries;
        string metadata;
        using (var stream = File.OpenRead(path)) (metadata, entries) = TensorArchive.Read(stream, path);
        var header = System.Text.Json.Nodes.JsonNode.Parse(metadata)!;
        var state = header["state"]!;
        string legacy = $"{{\"Format\":\"mlp-alae/1\",\"Iteration\":{header["iteration"]},\"NoiseOffset\":{state["NoiseOffset"]}," +
                        $"\"EncoderSteps\":{state["EncoderSteps"]},\"DecoderSteps\":{state["DecoderSteps"]}}}";
        using var output = new BinaryWriter(File.Create(path), Encoding.UTF8);
        output.Write("ALAETNSR"u8);
        output.Write(1);
        output.Write(legacy);
        output.Write(entries.Count);
        foreach (var (name, (shape, data)) in entries)
        {
            output.Write(name);
            output.Write(shape.Length);
            foreach (int d in shape) output.Write(d);
            foreach (float v in data) output.Write(v);
        }
    }

    [Fact]
    public void AnEditedWeightIsRefusedNamingTheFileAndTheTensor()
    {
        using var dir = new TempDirectory();
        string run = TrainTinyRun(dir, iterations: 1);
        string checkpoint = Path.Combine(run, "checkpoint.bin");
        byte[] bytes = File.ReadAllBytes(checkpoint);
        bytes[DataOffset(bytes, "ema.G.fc1.weight") + 5] ^= 0x40;   // one bit of one EMA weight
        File.WriteAllBytes(checkpoint, bytes);

        var (code, _, error) = Alae("sample", run, "--device", "cpu");
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains(checkpoint, error);
        Assert.Contains("'ema.G.fc1.weight' fails its checksum", error);
    }

    // Byte offset of an entry's floats (layout: magic, version, metadata, count, then name, rank, extents, floats, checksum).
    private static int DataOffset(byte[] bytes, string entry)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        r.ReadBytes(12);
        r.ReadString();
        int count = r.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            int elements = 1, rank = r.ReadInt32();
            for (int d = 0; d < rank; d++) elements *= r.ReadInt32();
            if (name == entry) return (int)r.BaseStream.Position;
            r.BaseStream.Seek(4L * elements + sizeof(ulong), SeekOrigin.Current);
        }
        throw new InvalidOperationException($"no entry {entry}");
    }

    [Fact]
    public void ACheckpointHoldingANanIsRefusedNamingTheTensor()
    {
        using var dir = new TempDirectory();
        using var scope = new TensorScope();
        var buffer = Tensor.FromArray(AlaeIlgpu.Backends.CpuBackend.Instance, [1f, float.NaN, 3f], 3);
        Checkpoint.Save(dir.File("nan.bin"), "mlp", 1, new { }, new CheckpointContents().Buffer("model.w_average", buffer));

        var target = Tensor.Zeros(AlaeIlgpu.Backends.CpuBackend.Instance, 3);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir.File("nan.bin"), "mlp", new CheckpointContents().Buffer("model.w_average", target)));
        Assert.Contains(dir.File("nan.bin"), error.Message);
        Assert.Contains("'model.w_average' holds NaN at index 1", error.Message);

        var kind = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir.File("nan.bin"), "style", new CheckpointContents()));
        Assert.Contains("a checkpoint of model 'mlp', not 'style'", kind.Message);
    }

    [Fact]
    public void AnUnknownOptionIsAUsageError()
    {
        var (code, _, error) = Alae("train", "--iterations", "5");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--iterations", error);
    }
}
