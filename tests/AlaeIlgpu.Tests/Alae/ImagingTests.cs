using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Imaging;
using AlaeIlgpu.Alae.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlaeIlgpu.Tests.Alae;

public sealed class ImagingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void GrayscaleGridHasExpectedSizeGuttersAndPixels()
    {
        MnistSet digits = EmbeddedMnist.Load();
        string path = _dir.File("grid.png");

        ImageGrid.SavePng(path, digits.Images, 10, 1, 28, 28, 4, 0f, 1f, new GridLayout(Scale: 2, Gutter: 1, GutterLevel: 50));

        using Image<L8> image = Image.Load<L8>(path);
        // 4 columns x (56 + 1) + 1 and 3 rows x (56 + 1) + 1.
        Assert.Equal(229, image.Width);
        Assert.Equal(172, image.Height);
        Assert.Equal(50, image[0, 0].PackedValue);
        Assert.Equal(50, image[228, 171].PackedValue); // empty last cell shows the gutter level
        int x = 14, y = 13; // a pixel of the first digit, drawn as a 2x2 block starting at (1 + 2x, 1 + 2y)
        byte expected = (byte)MathF.Round(digits.Images[y * 28 + x] * 255f);
        Assert.Equal(expected, image[1 + 2 * x, 1 + 2 * y].PackedValue);
        Assert.Equal(expected, image[2 + 2 * x, 2 + 2 * y].PackedValue);
    }

    [Fact]
    public void RgbGridClampsToTheValueRange()
    {
        // Two 1x2 images, channels planar: image 0 is (-1, 1) in red, 0 in green, 2 in blue.
        float[] images = [-1, 1, 0, 0, 2, 2, /* image 1 */ 0, 0, 0, 0, 0, 0];
        string path = _dir.File("rgb.png");

        ImageGrid.SavePng(path, images, 2, 3, 1, 2, 2, -1f, 1f, new GridLayout(Scale: 1, Gutter: 0));

        using Image<Rgb24> image = Image.Load<Rgb24>(path);
        Assert.Equal(4, image.Width);
        Assert.Equal(1, image.Height);
        Assert.Equal(new Rgb24(0, 128, 255), image[0, 0]);
        Assert.Equal(new Rgb24(255, 128, 255), image[1, 0]);
        Assert.Equal(new Rgb24(128, 128, 128), image[2, 0]);
    }

    [Fact]
    public void GridRejectsTooFewValuesAndBadChannels()
    {
        Assert.Throws<ArgumentException>(() => ImageGrid.Render(new float[10], 2, 1, 2, 3, 2, 0, 1));
        Assert.Throws<ArgumentException>(() => ImageGrid.Render(new float[8], 2, 2, 1, 2, 2, 0, 1));
        Assert.Throws<ArgumentException>(() => ImageGrid.Render(new float[4], 1, 1, 2, 2, 1, 1, 1));
    }

    [Fact]
    public void LossPlotRangeSkipsTheEarlyTransient()
    {
        // 100 steps: a spike of 50 in the first 5 steps, then values in [1, 2].
        double[] steps = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        double[] values = steps.Select(i => i < 5 ? 50 : 1 + (i % 10) / 9.0).ToArray();
        var range = LossPlot.SettledRange([new LossSeries("l", steps, values)]);
        Assert.NotNull(range);
        Assert.InRange(range.Value.High, 2.0, 2.1);   // 2 plus a 5% margin of the settled span
        Assert.InRange(range.Value.Low, 0.9, 1.0);
        Assert.Null(LossPlot.SettledRange([new LossSeries("l", [0], [1])]));
    }

    [Fact]
    public void LossPlotWritesAPngOfTheRequestedSize()
    {
        string csvPath = _dir.File("losses.csv");
        using (var csv = new CsvAppender(csvPath, ["step", "loss_d", "loss_g"]))
        {
            for (int step = 1; step <= 200; step++) csv.Append(step, 1.0 / step + 0.1 * Math.Sin(step), Math.Log(step));
        }
        IReadOnlyList<LossSeries> series = LossSeries.FromCsv(csvPath);
        string path = _dir.File("losses.png");

        LossPlot.SavePng(path, series, smoothing: 0.9, width: 640, height: 360);

        Assert.Equal(["loss_d", "loss_g"], series.Select(s => s.Name));
        Assert.Equal(200, series[1].Values.Length);
        using Image<Rgba32> image = Image.Load<Rgba32>(path);
        Assert.Equal(640, image.Width);
        Assert.Equal(360, image.Height);
        Assert.True(DistinctColors(image) > 10, "the plot should contain curves and text, not a blank image");
    }

    [Fact]
    public void SmoothingIsAnExponentialMovingAverage()
    {
        Assert.Equal([1.0, 1.5, 2.25], LossPlot.Smooth([1, 2, 3], 0.5));
        Assert.Equal([4.0, 5.0], LossPlot.Smooth([4, 5], 0));
    }

    private static int DistinctColors(Image<Rgba32> image)
    {
        var colors = new HashSet<uint>();
        for (int y = 0; y < image.Height; y += 3)
        {
            for (int x = 0; x < image.Width; x += 3) colors.Add(image[x, y].PackedValue);
        }
        return colors.Count;
    }
}
