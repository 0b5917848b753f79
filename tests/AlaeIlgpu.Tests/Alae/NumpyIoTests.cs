using System.Text;
using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>NumPy .npy/.npz reading and .npy writing: round trips, the official fixtures, and errors naming the file.</summary>
public class NumpyIoTests
{
    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 5 })]
    [InlineData(new[] { 2, 3, 4 })]
    public void WrittenArraysReadBackBitForBit(int[] shape)
    {
        using var dir = new TempDirectory();
        int count = shape.Aggregate(1, (p, d) => p * d);
        var data = Enumerable.Range(0, count).Select(i => i * 0.37f - 1.5f).ToArray();
        NpyFile.Write(dir.File("a.npy"), new NumpyArray(shape, data));

        var read = NpyFile.Read(dir.File("a.npy"));
        Assert.Equal(shape, read.Shape);
        Assert.Equal(data, read.Data);
        Assert.Equal(0, (new FileInfo(dir.File("a.npy")).Length - count * 4) % 64);   // the header is padded to 64 bytes, as NumPy pads it
    }

    [Fact]
    public void ReadsTheOfficialFixtureArchive()
    {
        var arrays = NpzFile.Read(Fixtures.Tiny32("weights_ema.npz"));
        Assert.Equal([1, 16, 4, 4], arrays["generator.const"].Shape);
        Assert.Equal([8, 16], arrays["dlatent_avg.buff"].Shape);
        var z = NpyFile.Read(Fixtures.Tiny32("z.npy"));
        Assert.Equal([4, 16], z.Shape);
        Assert.Contains(z.Data, v => v != 0f);
    }

    [Fact]
    public void ReadsFloat64AsFloat32()
    {
        var bytes = Header("<f8", "(2,)").Concat(BitConverter.GetBytes(1.25)).Concat(BitConverter.GetBytes(-3.5)).ToArray();
        var read = NpyFile.Read(new MemoryStream(bytes), "d.npy");
        Assert.Equal([1.25f, -3.5f], read.Data);
    }

    [Theory]
    [InlineData("<i4", "(2,)", "dtype '<i4'")]
    [InlineData(">f4", "(2,)", "dtype '>f4'")]
    public void UnsupportedHeadersNameTheFile(string descr, string shape, string expected)
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("bad.npy"), Header(descr, shape).Concat(new byte[8]).ToArray());
        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(dir.File("bad.npy")));
        Assert.Contains("bad.npy", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void FortranOrderAndGarbageAreRefusedNamingTheFile()
    {
        using var dir = new TempDirectory();
        var fortran = Encoding.ASCII.GetBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }\n");
        File.WriteAllBytes(dir.File("f.npy"), Prefix(fortran.Length).Concat(fortran).Concat(new byte[4]).ToArray());
        Assert.Contains("f.npy", Assert.Throws<InvalidDataException>(() => NpyFile.Read(dir.File("f.npy"))).Message);

        File.WriteAllText(dir.File("g.npy"), "not numpy at all");
        Assert.Contains("g.npy", Assert.Throws<InvalidDataException>(() => NpyFile.Read(dir.File("g.npy"))).Message);
        File.WriteAllText(dir.File("h.npz"), "not a zip");
        Assert.Contains("h.npz", Assert.Throws<InvalidDataException>(() => NpzFile.Read(dir.File("h.npz"))).Message);
    }

    private static byte[] Header(string descr, string shape)
    {
        var text = Encoding.ASCII.GetBytes($"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
        return Prefix(text.Length).Concat(text).ToArray();
    }

    private static byte[] Prefix(int headerLength) =>
        [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(headerLength & 0xFF), (byte)(headerLength >> 8)];
}
