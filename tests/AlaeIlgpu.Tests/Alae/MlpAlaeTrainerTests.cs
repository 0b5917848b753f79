using System.Text;
using AlaeIlgpu.Alae.Mlp;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>Checkpoints of the MLP ALAE trainer: complete round trips, bit-identical resume, clear errors on damaged files.</summary>
public class MlpAlaeTrainerTests
{
    // 20 images at batch 8: the data order wraps to a new epoch inside iteration 3, so resuming crosses a reshuffle.
    private const int Images = 20;

    [Fact]
    public void CheckpointRoundTripRestoresModelEmaOptimizersAndCounters()
    {
        using var dir = new TempDirectory();
        var config = MlpTestSetup.Tiny();
        var trained = MlpTestSetup.Trainer(config, Images);
        for (int i = 0; i < 3; i++) trained.TrainIteration();
        trained.SaveCheckpoint(dir.File("checkpoint.bin"));

        var fresh = MlpTestSetup.Trainer(config, Images);
        fresh.LoadCheckpoint(dir.File("checkpoint.bin"));

        MlpTestSetup.AssertBitIdentical(MlpTestSetup.FullState(trained), MlpTestSetup.FullState(fresh));
        Assert.Equal(3, fresh.Iteration);
        Assert.Equal(trained.EncoderOptimizer.StepCount, fresh.EncoderOptimizer.StepCount);
        Assert.Equal(trained.DecoderOptimizer.StepCount, fresh.DecoderOptimizer.StepCount);
        // The EMA differs from the model (it is a separate average), so the comparison above checked both.
        Assert.NotEqual(trained.Model.E.Parameters().First().Value.ToArray(), trained.Ema.E.Parameters().First().Value.ToArray());
    }

    [Fact]
    public void ResumingFromACheckpointIsBitIdenticalToTrainingStraight()
    {
        const int total = 6;
        using var dir = new TempDirectory();
        var config = MlpTestSetup.Tiny();

        var straight = MlpTestSetup.Trainer(config, Images);
        var straightLosses = Enumerable.Range(0, total).Select(_ => straight.TrainIteration()).ToArray();

        var firstHalf = MlpTestSetup.Trainer(config, Images);
        for (int i = 0; i < total / 2; i++) firstHalf.TrainIteration();
        firstHalf.SaveCheckpoint(dir.File("checkpoint.bin"));
        var resumed = MlpTestSetup.Trainer(config, Images);
        resumed.LoadCheckpoint(dir.File("checkpoint.bin"));
        var resumedLosses = Enumerable.Range(0, total / 2).Select(_ => resumed.TrainIteration()).ToArray();

        MlpTestSetup.AssertBitIdentical(MlpTestSetup.FullState(straight), MlpTestSetup.FullState(resumed));
        Assert.Equal(straightLosses[(total / 2)..], resumedLosses);   // exact: same floats, same noise, same batches
        Assert.Equal(total, resumed.Iteration);
    }

    [Fact]
    public void CheckpointOfAnotherModelSizeIsRefusedNamingTheEntry()
    {
        using var dir = new TempDirectory();
        MlpTestSetup.Trainer(MlpTestSetup.Tiny()).SaveCheckpoint(dir.File("checkpoint.bin"));
        var wider = MlpTestSetup.Tiny() with { Model = MlpTestSetup.Tiny().Model with { HiddenSize = 16 } };

        var error = Assert.Throws<InvalidDataException>(() => MlpTestSetup.Trainer(wider).LoadCheckpoint(dir.File("checkpoint.bin")));
        Assert.Contains("model.G.fc1.weight", error.Message);
        Assert.Contains("shape", error.Message);
    }

    public static TheoryData<string, string> Damages => new()
    {
        { "truncated", "truncated" },
        { "not-an-archive", "not a tensor archive" },
        { "metadata", "metadata" },
        { "rank", "rank" },
        { "extent", "extent" },
        { "name-length", "damaged" },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void DamagedCheckpointGivesAClearError(string damage, string expectedMessage)
    {
        using var dir = new TempDirectory();
        string path = dir.File("checkpoint.bin");
        var trainer = MlpTestSetup.Trainer(MlpTestSetup.Tiny());
        trainer.SaveCheckpoint(path);
        Damage(path, damage);

        var error = Assert.Throws<InvalidDataException>(() => MlpTestSetup.Trainer(MlpTestSetup.Tiny()).LoadCheckpoint(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expectedMessage, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    // Layout (TensorArchive): magic[8], version i32, metadata string, count i32, then per entry: name string, rank i32, extents i32...
    private static void Damage(string path, string damage)
    {
        byte[] bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncated":
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                return;
            case "not-an-archive":
                File.WriteAllText(path, "this is not a checkpoint");
                return;
        }
        var (metadataStart, nameOffset, rankOffset) = Offsets(bytes);
        if (damage == "metadata") bytes[metadataStart] = (byte)'#';                                     // JSON no longer parses
        else if (damage == "rank") BitConverter.TryWriteBytes(bytes.AsSpan(rankOffset), -3);           // negative rank
        else if (damage == "extent") BitConverter.TryWriteBytes(bytes.AsSpan(rankOffset + 4), 1 << 30); // first extent 2^30: 4 GiB claimed
        else bytes.AsSpan(nameOffset, 5).Fill(0xFF);                                                   // not a valid 7-bit length
        File.WriteAllBytes(path, bytes);
    }

    // Byte offsets of the metadata text, the first entry's name (its length prefix) and the first entry's rank.
    private static (int MetadataStart, int NameOffset, int RankOffset) Offsets(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        reader.ReadBytes(8 + 4);
        string metadata = reader.ReadString();
        int metadataStart = (int)reader.BaseStream.Position - Encoding.UTF8.GetByteCount(metadata);
        reader.ReadInt32();
        int nameOffset = (int)reader.BaseStream.Position;
        reader.ReadString();
        return (metadataStart, nameOffset, (int)reader.BaseStream.Position);
    }
}
