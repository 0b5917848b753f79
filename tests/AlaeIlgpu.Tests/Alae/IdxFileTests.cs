using System.Buffers.Binary;
using System.IO.Compression;
using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Tests.Alae;

public sealed class IdxFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // Builds IDX bytes by hand (big-endian header), independent of IdxFile.Write.
    private static byte[] RawIdx(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    private static byte[] Gzip(byte[] plain)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(plain);
        return output.ToArray();
    }

    private string WriteFile(string name, byte[] content, bool gzip)
    {
        string path = _dir.File(gzip ? name + ".gz" : name);
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);
        return path;
    }

    private static byte[] Pixels(int count) => Enumerable.Range(0, count).Select(i => (byte)(i * 7)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesWithShapeAndBytes(bool gzip)
    {
        byte[] data = Pixels(3 * 4 * 5);
        string path = WriteFile("images-idx3-ubyte", RawIdx(0x803, [3, 4, 5], data), gzip);

        IdxArray array = IdxFile.ReadImages(path);

        Assert.Equal([3, 4, 5], array.Dimensions);
        Assert.Equal(data, array.Data);
        Assert.Equal(3, array.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteThenReadRoundTrips(bool gzip)
    {
        var original = new IdxArray([2, 3], Pixels(6));
        string path = _dir.File(gzip ? "x.idx2.gz" : "x.idx2");

        IdxFile.Write(path, original);
        IdxArray read = IdxFile.Read(path);

        Assert.Equal(original.Dimensions, read.Dimensions);
        Assert.Equal(original.Data, read.Data);
        Assert.Equal(gzip, File.ReadAllBytes(path)[0] == 0x1F);
    }

    [Fact]
    public void WriterProducesTheStandardHeader()
    {
        string path = _dir.File("labels-idx1-ubyte");
        IdxFile.Write(path, new IdxArray([4], [1, 2, 3, 9]));

        Assert.Equal(RawIdx(0x801, [4], [1, 2, 3, 9]), File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataIsRejectedWithTheFileName(bool gzip)
    {
        byte[] full = RawIdx(0x803, [2, 28, 28], Pixels(2 * 784));
        string path = WriteFile("train-images-idx3-ubyte", full[..^10], gzip);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));

        Assert.StartsWith(path + ": truncated", error.Message);
        Assert.Contains("1568", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedHeaderIsRejected(bool gzip)
    {
        string path = WriteFile("short-idx3-ubyte", RawIdx(0x803, [2, 28, 28], [])[..9], gzip);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));

        Assert.StartsWith(path + ": truncated header", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WrongMagicIsRejectedNamingExpectedAndFound(bool gzip)
    {
        string path = WriteFile("labels-as-images", RawIdx(0x801, [3], [1, 2, 3]), gzip);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));

        Assert.Equal($"{path}: expected magic 0x00000803 (IDX3 images) but found 0x00000801.", error.Message);
    }

    [Fact]
    public void NonByteElementTypeIsRejected()
    {
        string path = WriteFile("floats-idx1", RawIdx(0x0D01, [1], [0, 0, 0, 0]), gzip: false);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));

        Assert.Contains("not an unsigned-byte IDX file", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailingBytesAreRejected(bool gzip)
    {
        byte[] content = [.. RawIdx(0x801, [3], [1, 2, 3]), 4];
        string path = WriteFile("labels-idx1-ubyte", content, gzip);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabels(path));

        Assert.Contains("more bytes follow", error.Message);
    }

    [Fact]
    public void CorruptGzipNamesTheFile()
    {
        byte[] gz = Gzip(RawIdx(0x801, [300], Pixels(300)));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        string path = _dir.File("labels-idx1-ubyte.gz");
        File.WriteAllBytes(path, gz);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabels(path));

        Assert.StartsWith(path + ":", error.Message);
    }

    [Fact]
    public void ImageAndLabelCountMismatchIsRejected()
    {
        var images = new IdxArray([3, 2, 2], Pixels(12));
        var labels = new IdxArray([2], [1, 2]);

        var error = Assert.Throws<InvalidDataException>(() => MnistSet.FromIdx(images, "a-images", labels, "b-labels"));

        Assert.Equal("a-images holds 3 images but b-labels holds 2 labels.", error.Message);
    }

    [Fact]
    public void LabelAboveNineIsRejected()
    {
        var images = new IdxArray([2, 1, 1], [0, 255]);
        var labels = new IdxArray([2], [3, 12]);

        var error = Assert.Throws<InvalidDataException>(() => MnistSet.FromIdx(images, "i", labels, "l"));

        Assert.Equal("l: label 12 at index 1 is not a digit 0-9.", error.Message);
    }

    [Fact]
    public void PixelsAreScaledByOneOver255()
    {
        var set = MnistSet.FromIdx(new IdxArray([1, 1, 3], [0, 51, 255]), "i", new IdxArray([1], [7]), "l");

        Assert.Equal([0f, 51f / 255f, 1f], set.Images);
        Assert.Equal([7], set.Labels);
        Assert.Equal(3, set.PixelCount);
    }
}
