using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Tests.Alae;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlaeIlgpu.Tests.Data;

public sealed class DatasetPreparerTests : IDisposable
{
    private const int Resolution = 16;
    private readonly TempDirectory _dir = new();
    private readonly string _images;

    public DatasetPreparerTests()
    {
        _images = Path.Combine(_dir.Path, "images");
        Directory.CreateDirectory(_images);
        Save("a-noise.png", Noise(40, 40));                                    // shrunk 40 -> 16
        Save("b-wide.png", Stripes(48, Resolution));                           // centre crop keeps the red middle
        using (var gray = new Image<L8>(Resolution, Resolution, new L8(77))) gray.SaveAsPng(Path.Combine(_images, "c-gray.png"));
        using (var photo = Noise(20, 30)) photo.SaveAsJpeg(Path.Combine(_images, "d-photo.jpg"));
        Save("e-small.png", Noise(Resolution - 1, 40));                        // shorter side 15 < 16: skipped
        File.WriteAllBytes(Path.Combine(_images, "f-corrupt.png"), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Save("g-truncated.png", Noise(64, 64));
        byte[] png = File.ReadAllBytes(Path.Combine(_images, "g-truncated.png"));
        File.WriteAllBytes(Path.Combine(_images, "g-truncated.png"), png[..(png.Length / 2)]);
        File.WriteAllText(Path.Combine(_images, "notes.txt"), "not an image");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void GoodImagesArePackedAndBadOnesReported()
    {
        string outFile = _dir.File("set.alaepack");
        var phases = new List<PrepareProgress>();

        PrepareReport report = DatasetPreparer.Prepare(_images, Resolution, 3, outFile, phases.Add);

        Assert.Equal(4, report.Written);
        Assert.Equal(["e-small.png", "f-corrupt.png", "g-truncated.png"], report.Skipped.Select(s => s.File));
        Assert.Contains("smaller than 16x16", report.Skipped[0].Reason);
        Assert.All(report.Skipped.Skip(1), s => Assert.StartsWith("unreadable", s.Reason));
        Assert.Equal(1, report.Ignored);
        Assert.Contains("skipped g-truncated.png", report.ToString());
        Assert.Equal(new PrepareProgress("images", 7, 7), phases.First(p => p.Phase == "images"));
        Assert.Equal(new PrepareProgress("levels", 2, 2), phases[^1]);
        using var set = PackedImageFile.Open(outFile);
        set.Verify();
        Assert.Equal((4, 3, Resolution), (set.Count, set.Channels, set.Resolution));
        Assert.Equal(new FileInfo(outFile).Length, report.FileBytes);
    }

    [Fact]
    public void CropGrayscaleAndPoolingAreExact()
    {
        string outFile = _dir.File("set.alaepack");
        DatasetPreparer.Prepare(_images, Resolution, 3, outFile);
        using var set = PackedImageFile.Open(outFile);
        int plane = Resolution * Resolution;
        byte[] wide = Read(set, 1, Resolution), gray = Read(set, 2, Resolution);

        Assert.All(wide[..plane], r => Assert.Equal(255, r));          // red everywhere: the blue sides were cropped
        Assert.All(wide[plane..], gb => Assert.Equal(0, gb));
        Assert.All(gray, v => Assert.Equal(77, v));                     // gray repeated in R, G and B
        for (int side = 8; side >= 4; side /= 2)
        {
            byte[] above = Read(set, 0, side * 2), level = Read(set, 0, side), pooled = new byte[level.Length];
            LevelPyramid.Halve(above, pooled, 1, 3, side * 2);
            Assert.Equal(pooled, level);
        }
    }

    [Fact]
    public void OneChannelSetsStoreLuminance()
    {
        string outFile = _dir.File("gray.alaepack");
        DatasetPreparer.Prepare(_images, Resolution, 1, outFile);
        using var set = PackedImageFile.Open(outFile);
        byte[] wide = Read(set, 1, Resolution);

        const int Bt709RedLuminance = 54; // round(0.2126 * 255)
        Assert.All(wide, v => Assert.Equal(Bt709RedLuminance, v));
    }

    [Fact]
    public void AFolderWithoutUsableImagesIsAnErrorNamingIt()
    {
        string empty = Path.Combine(_dir.Path, "empty");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<InvalidDataException>(() => DatasetPreparer.Prepare(empty, Resolution, 3, _dir.File("none.alaepack")));
        Assert.Contains(empty, error.Message);
        Assert.False(File.Exists(_dir.File("none.alaepack")));
    }

    private static byte[] Read(IImageDataset set, int row, int side)
    {
        byte[] image = new byte[set.Channels * side * side];
        set.Read([row], side, image);
        return image;
    }

    private void Save(string name, Image<Rgb24> image)
    {
        using (image) image.SaveAsPng(Path.Combine(_images, name));
    }

    private static Image<Rgb24> Noise(int width, int height)
    {
        var random = new SplitMix64((ulong)(width * 1000 + height));
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++) image[x, y] = new Rgb24((byte)random.NextInt(256), (byte)random.NextInt(256), (byte)random.NextInt(256));
        }
        return image;
    }

    private static Image<Rgb24> Stripes(int width, int height)
    {
        var image = new Image<Rgb24>(width, height, new Rgb24(0, 0, 255));
        int left = (width - height) / 2;
        for (int y = 0; y < height; y++)
        {
            for (int x = left; x < left + height; x++) image[x, y] = new Rgb24(255, 0, 0);
        }
        return image;
    }
}
