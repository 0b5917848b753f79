using AlaeIlgpu.Alae.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlaeIlgpu.Alae.Imaging;

/// <summary>How an <see cref="ImageGrid"/> is laid out beyond the images themselves.</summary>
/// <param name="Scale">Each pixel becomes a Scale x Scale block (nearest neighbour), so 28x28 digits stay legible.</param>
/// <param name="Gutter">Pixels between cells and around the grid.</param>
/// <param name="GutterLevel">Gray level of gutters and empty cells, 0-255.</param>
public sealed record GridLayout(int Scale = 3, int Gutter = 2, byte GutterLevel = 96)
{
    // Cells are enlarged up to this side (28 and 32 px images 3x, 64 px 3x, 128 px 2x, 256 px and more not at all).
    private const int EnlargeUpTo = 256;

    /// <summary>The default layout with the scale for images of side <paramref name="side"/>: 3x for small images, less for larger, never below 1x.</summary>
    public static GridLayout For(int side) => new(Scale: Math.Clamp(EnlargeUpTo / Math.Max(side, 1), 1, 3));
}

/// <summary>
/// Writes a batch of images <c>[count, channels, height, width]</c> (NCHW floats) as one PNG grid, row by row.
/// Values map linearly from [low, high] to [0, 255] and are clamped; NaN becomes 0. One channel gives a grayscale
/// PNG, three give RGB.
/// </summary>
public static class ImageGrid
{
    /// <summary>Renders the grid and writes it to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="images">Pixels, <c>[count, channels, height, width]</c> (at least that many values).</param>
    /// <param name="count">Images to draw.</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB).</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="columns">Images per grid row.</param>
    /// <param name="low">The value drawn as black.</param>
    /// <param name="high">The value drawn as white (full intensity).</param>
    /// <param name="layout">Scale and gutters; null for <see cref="GridLayout"/>'s defaults.</param>
    public static void SavePng(string path, float[] images, int count, int channels, int height, int width, int columns,
        float low, float high, GridLayout? layout = null)
    {
        AtomicFile.Write(path, stream => WritePng(stream, images, count, channels, height, width, columns, low, high, layout));
    }

    /// <summary>Renders the grid and writes it as a PNG (grayscale for one channel) to <paramref name="stream"/> (see <see cref="SavePng"/> for the parameters).</summary>
    public static void WritePng(Stream stream, float[] images, int count, int channels, int height, int width, int columns,
        float low, float high, GridLayout? layout = null)
    {
        using Image<Rgb24> grid = Render(images, count, channels, height, width, columns, low, high, layout);
        if (channels == 1)
        {
            using var gray = grid.CloneAs<L8>();
            gray.SaveAsPng(stream);
        }
        else grid.SaveAsPng(stream);
    }

    /// <summary>Writes one image [channels, height, width] as a PNG of its own size (no scale, no gutter), atomically.</summary>
    public static void SaveImagePng(string path, float[] image, int channels, int height, int width, float low, float high) =>
        SavePng(path, image, 1, channels, height, width, 1, low, high, new GridLayout(Scale: 1, Gutter: 0));

    /// <summary>Renders the grid in memory (see <see cref="SavePng"/> for the parameters).</summary>
    public static Image<Rgb24> Render(float[] images, int count, int channels, int height, int width, int columns,
        float low, float high, GridLayout? layout = null)
    {
        layout ??= new GridLayout();
        Check(images, count, channels, height, width, columns, low, high, layout);
        int rows = (count + columns - 1) / columns;
        int cellWidth = width * layout.Scale, cellHeight = height * layout.Scale;
        int gridWidth = layout.Gutter + columns * (cellWidth + layout.Gutter);
        int gridHeight = layout.Gutter + rows * (cellHeight + layout.Gutter);
        var pixels = new Rgb24[gridWidth * gridHeight]; // [gridHeight, gridWidth]
        pixels.AsSpan().Fill(new Rgb24(layout.GutterLevel, layout.GutterLevel, layout.GutterLevel));
        for (int n = 0; n < count; n++)
        {
            int left = layout.Gutter + (n % columns) * (cellWidth + layout.Gutter);
            int top = layout.Gutter + (n / columns) * (cellHeight + layout.Gutter);
            var cell = new Cell(pixels, gridWidth, left, top, layout.Scale);
            DrawCell(cell, images.AsSpan(n * channels * height * width, channels * height * width), channels, height, width, low, high);
        }
        return Image.LoadPixelData<Rgb24>(pixels, gridWidth, gridHeight);
    }

    // Where one image goes: the grid's pixels [gridHeight, stride], the cell's top-left corner and the upscale factor.
    private readonly record struct Cell(Rgb24[] Pixels, int Stride, int Left, int Top, int Scale);

    private static void DrawCell(Cell cell, ReadOnlySpan<float> image, int channels, int height, int width, float low, float high)
    {
        int plane = height * width;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                byte r = ToByte(image[y * width + x], low, high);
                var color = channels == 1
                    ? new Rgb24(r, r, r)
                    : new Rgb24(r, ToByte(image[plane + y * width + x], low, high), ToByte(image[2 * plane + y * width + x], low, high));
                for (int dy = 0; dy < cell.Scale; dy++)
                {
                    int start = (cell.Top + y * cell.Scale + dy) * cell.Stride + cell.Left + x * cell.Scale;
                    cell.Pixels.AsSpan(start, cell.Scale).Fill(color);
                }
            }
        }
    }

    private static byte ToByte(float value, float low, float high)
    {
        float unit = (value - low) / (high - low);
        if (float.IsNaN(unit)) return 0;
        return (byte)MathF.Round(Math.Clamp(unit, 0f, 1f) * 255f);
    }

    private static void Check(float[] images, int count, int channels, int height, int width, int columns,
        float low, float high, GridLayout layout)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layout.Scale, "layout.Scale");
        ArgumentOutOfRangeException.ThrowIfNegative(layout.Gutter, "layout.Gutter");
        if (channels is not (1 or 3)) throw new ArgumentException($"Image grids take 1 or 3 channels, not {channels}.", nameof(channels));
        if (!(high > low)) throw new ArgumentException($"The value range [{low}, {high}] is empty.", nameof(high));
        if (images.Length < (long)count * channels * height * width)
            throw new ArgumentException($"{count} images of {channels}x{height}x{width} need {(long)count * channels * height * width} values, not {images.Length}.", nameof(images));
    }
}
