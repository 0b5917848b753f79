using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Tests.Alae;

namespace AlaeIlgpu.Tests.Data;

public sealed class PackedImageFileTests : IDisposable
{
    private const int Count = 5, Channels = 3, Resolution = 16;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Deterministic top-level pixels [Count, Channels, Resolution, Resolution].</summary>
    internal static byte[] Pixels(int count, int channels, int resolution)
    {
        var random = new SplitMix64(7);
        byte[] pixels = new byte[count * channels * resolution * resolution];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)random.NextInt(256);
        return pixels;
    }

    /// <summary>Writes <paramref name="top"/> as a packed file at <paramref name="path"/>.</summary>
    internal static void Write(string path, byte[] top, int count, int channels, int resolution)
    {
        using var writer = new PackedImageWriter(path, resolution, channels);
        int imageBytes = top.Length / count;
        for (int n = 0; n < count; n++) writer.Append(top.AsSpan(n * imageBytes, imageBytes));
        writer.Complete();
    }

    private string WriteSample(out byte[] top)
    {
        top = Pixels(Count, Channels, Resolution);
        string path = _dir.File("set.alaepack");
        Write(path, top, Count, Channels, Resolution);
        return path;
    }

    [Fact]
    public void EveryLevelReadsBackAsThePooledInMemoryLevels()
    {
        string path = WriteSample(out byte[] top);
        using var packed = PackedImageFile.Open(path);
        using var memory = new InMemoryImageDataset(top, Count, Channels, Resolution, "memory");
        packed.Verify();

        Assert.Equal([4, 8, 16], packed.Resolutions);
        Assert.Equal((Count, Channels, Resolution), (packed.Count, packed.Channels, packed.Resolution));
        int[] rows = [4, 0, 4, 2];
        foreach (int side in packed.Resolutions)
        {
            byte[] fromFile = new byte[rows.Length * Channels * side * side], fromMemory = new byte[fromFile.Length];
            packed.Read(rows, side, fromFile);
            memory.Read(rows, side, fromMemory);
            Assert.Equal(fromMemory, fromFile);
        }
        byte[] one = new byte[Channels * Resolution * Resolution];
        packed.Read([2], Resolution, one);
        Assert.Equal(top.AsSpan(2 * one.Length, one.Length).ToArray(), one);
    }

    [Fact]
    public void TheFileHasTheDocumentedSize()
    {
        string path = WriteSample(out _);
        long levels = Count * Channels * (16 * 16 + 8 * 8 + 4 * 4);

        Assert.Equal(PackedImageLayout.Alignment + levels, new FileInfo(path).Length);
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void BadMagicIsRefusedNamingTheFile()
    {
        string path = WriteSample(out _);
        Patch(path, 0, (byte)'X');

        var error = Assert.Throws<InvalidDataException>(() => PackedImageFile.Open(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("magic", error.Message);
    }

    [Fact]
    public void UnknownVersionIsRefused()
    {
        string path = WriteSample(out _);
        Patch(path, 8, 9);

        var error = Assert.Throws<InvalidDataException>(() => PackedImageFile.Open(path));
        Assert.Contains("format version 9", error.Message);
    }

    [Fact]
    public void DamagedHeaderIsRefused()
    {
        string path = WriteSample(out _);
        Patch(path, 24, 4); // image count 5 -> 4: the fields are plausible, the header hash is not

        var error = Assert.Throws<InvalidDataException>(() => PackedImageFile.Open(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("header's checksum", error.Message);
    }

    [Fact]
    public void TruncatedLevelIsRefusedOnOpen()
    {
        string path = WriteSample(out _);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length - 10);

        var error = Assert.Throws<InvalidDataException>(() => PackedImageFile.Open(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated: level 4x4", error.Message);
    }

    [Fact]
    public void DamagedLevelIsRefusedOnFirstReadOfThatLevelOnly()
    {
        string path = WriteSample(out _);
        Patch(path, PackedImageLayout.DataStart(Resolution) + 3, 0x5A, xor: true); // a byte of the 16x16 level
        using var packed = PackedImageFile.Open(path);
        byte[] small = new byte[Channels * 4 * 4];

        packed.Read([1], 4, small);
        var error = Assert.Throws<InvalidDataException>(() => packed.Read([1], 16, new byte[Channels * 16 * 16]));
        Assert.Contains(path, error.Message);
        Assert.Contains("level 16x16 does not match its SHA-256", error.Message);
        Assert.Throws<InvalidDataException>(() => packed.Read([0], 16, new byte[Channels * 16 * 16]));
    }

    [Fact]
    public void BadRowsAndSidesAreArgumentErrors()
    {
        string path = WriteSample(out _);
        using var packed = PackedImageFile.Open(path);

        Assert.Throws<ArgumentException>(() => packed.Read([Count], 4, new byte[Channels * 16]));
        Assert.Throws<ArgumentException>(() => packed.Read([0], 32, new byte[Channels * 32 * 32]));
        Assert.Throws<ArgumentException>(() => packed.Read([0], 4, new byte[1]));
    }

    [Fact]
    public void AbandonedWriterLeavesNoFile()
    {
        string path = _dir.File("abandoned.alaepack");
        using (var writer = new PackedImageWriter(path, 8, 1)) writer.Append(new byte[64]);

        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".partial"));
    }

    private static void Patch(string path, long offset, byte value, bool xor = false)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        int old = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte(xor ? (byte)(old ^ value) : value);
    }
}
