using System.Text;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Serialization;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>The checkpoint format round-trips exactly and rejects foreign, truncated or mismatched data with the file's name.</summary>
public class TensorArchiveTests
{
    private static readonly Backend Cpu = CpuBackend.Instance;

    private static MemoryStream Archive(string metadata, params (string, Tensor)[] entries)
    {
        var stream = new MemoryStream();
        TensorArchive.Write(stream, metadata, entries);
        stream.Position = 0;
        return stream;
    }

    [Fact]
    public void EntriesAndMetadataRoundTripExactly()
    {
        using var scope = new TensorScope();
        var a = TestData.NormalTensor(Cpu, 1, [2, 3, 1]);
        var b = Tensor.FromArray(Cpu, [float.MaxValue, float.Epsilon, -0f, float.NegativeInfinity], 4);
        var (metadata, entries) = TensorArchive.Read(Archive("{\"step\": 7, \"name\": \"é\"}", ("a", a), ("layers.0.b", b)), "ckpt");
        Assert.Equal("{\"step\": 7, \"name\": \"é\"}", metadata);
        Assert.Equal(new[] { 2, 3, 1 }, entries["a"].Shape);
        Assert.Equal(a.ToArray(), entries["a"].Data);
        Assert.Equal(b.ToArray(), entries["layers.0.b"].Data);
        var target = Tensor.Zeros(Cpu, 2, 3, 1);
        TensorArchive.Load(entries, "a", target, "ckpt");
        Assert.Equal(a.ToArray(), target.ToArray());
    }

    [Fact]
    public void LoadRejectsMissingEntriesAndOtherShapes()
    {
        using var scope = new TensorScope();
        var (_, entries) = TensorArchive.Read(Archive("", ("w", Tensor.Zeros(Cpu, 4, 3))), "model.ckpt");
        var missing = Assert.Throws<InvalidDataException>(() => TensorArchive.Load(entries, "v", Tensor.Zeros(Cpu, 4, 3), "model.ckpt"));
        Assert.Contains("model.ckpt", missing.Message);
        Assert.Contains("'v'", missing.Message);
        var shape = Assert.Throws<InvalidDataException>(() => TensorArchive.Load(entries, "w", Tensor.Zeros(Cpu, 3, 4), "model.ckpt"));
        Assert.Contains("[4, 3]", shape.Message);
        Assert.Contains("[3, 4]", shape.Message);
    }

    [Fact]
    public void ReadRejectsForeignAndTruncatedFiles()
    {
        using var scope = new TensorScope();
        var foreign = Assert.Throws<InvalidDataException>(() => TensorArchive.Read(new MemoryStream("PK\u0003\u0004 not ours"u8.ToArray()), "x.zip"));
        Assert.Contains("x.zip", foreign.Message);
        var full = Archive("meta", ("w", Tensor.Zeros(Cpu, 16))).ToArray();
        foreach (int length in new[] { 0, 5, 12, full.Length - 1 })
        {
            var truncated = new MemoryStream(full[..length]);
            var ex = Assert.Throws<InvalidDataException>(() => TensorArchive.Read(truncated, "cut.ckpt"));
            Assert.Contains("cut.ckpt", ex.Message);
        }
    }

    [Fact]
    public void AnEditedFloatFailsItsEntrysChecksumNamingFileAndEntry()
    {
        using var scope = new TensorScope();
        var bytes = Archive("m", ("first", Tensor.Zeros(Cpu, 3)), ("second", Tensor.Zeros(Cpu, 4))).ToArray();
        // Entry "second": its four floats end 8 bytes (the checksum) before the end of the file.
        int lastFloat = bytes.Length - sizeof(ulong) - sizeof(float);
        BitConverter.TryWriteBytes(bytes.AsSpan(lastFloat), float.NaN);

        var error = Assert.Throws<InvalidDataException>(() => TensorArchive.Read(new MemoryStream(bytes), "edited.ckpt"));
        Assert.Contains("edited.ckpt", error.Message);
        Assert.Contains("'second'", error.Message);
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void VersionOneArchivesWithoutChecksumsStillRead()
    {
        float[] values = [1.5f, -2f, 3.25f];
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("ALAETNSR"u8);
            w.Write(1);
            w.Write("old");
            w.Write(1);
            w.Write("w");
            w.Write(1);
            w.Write(values.Length);
            foreach (float v in values) w.Write(v);
        }
        stream.Position = 0;

        var (metadata, entries) = TensorArchive.Read(stream, "v1.ckpt");
        Assert.Equal("old", metadata);
        Assert.Equal(values, entries["w"].Data);
    }

    [Fact]
    public void ExcludedEntriesAreSkippedAndTheRestRead()
    {
        using var scope = new TensorScope();
        var a = TestData.NormalTensor(Cpu, 2, [5]);
        var c = TestData.NormalTensor(Cpu, 3, [2, 2]);
        var (_, entries) = TensorArchive.Read(Archive("m", ("a", a), ("optimizer.v.0", Tensor.Zeros(Cpu, 7)), ("c", c)), "f",
            include: name => !name.StartsWith("optimizer.", StringComparison.Ordinal));
        Assert.Equal(["a", "c"], entries.Keys.Order());
        Assert.Equal(a.ToArray(), entries["a"].Data);
        Assert.Equal(c.ToArray(), entries["c"].Data);
    }
}
