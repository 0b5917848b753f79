using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// Turns one image file (or uploaded image) into a square image of a model's or packed set's side: EXIF orientation
/// applied, centre crop to the shorter side, bicubic resize to the side (ImageSharp widens the kernel when shrinking,
/// so this filters like an area average), grayscale repeated to RGB for 3 channels and RGB to BT.709 luminance for 1.
/// The size is read from the header first, so an image over <see cref="MaxSourcePixels"/> is refused undecoded.
/// </summary>
public static class ImageDecoding
{
    /// <summary>Largest source image decoded (width x height): 64 Mpx, 192 MiB as RGB, so a huge file cannot exhaust memory.</summary>
    public const long MaxSourcePixels = 64L << 20;

    /// <summary>File name extensions (lower case) taken as images.</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { ".png", ".jpg", ".jpeg", ".bmp", ".webp" };

    /// <summary>
    /// The files under <paramref name="directory"/> (searched recursively) as paths relative to it in ordinal order:
    /// the images (by extension) and how many other files were ignored.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static (string[] Images, int Others) List(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Images folder '{directory}' does not exist.");
        string[] all = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(directory, file)).Order(StringComparer.Ordinal).ToArray();
        string[] images = all.Where(file => Extensions.Contains(Path.GetExtension(file))).ToArray();
        return (images, all.Length - images.Length);
    }

    /// <summary>A stored pixel byte as the models see it: x / 127.5 - 1 in [-1, 1], as the official data loader scales.</summary>
    public static float ToSigned(byte value) => value / 127.5f - 1f;

    /// <summary>One decoder per call: no shared pools, each image decoded on one thread (callers run images in parallel).</summary>
    private static Configuration NewConfiguration()
    {
        Configuration configuration = Configuration.Default.Clone();
        configuration.MaxDegreeOfParallelism = 1;
        return configuration;
    }

    /// <summary>
    /// Decodes the file at <paramref name="path"/> into <paramref name="destination"/> ([channels, resolution,
    /// resolution]); images smaller than <paramref name="resolution"/> are refused (never enlarged).
    /// Returns null on success, else why the file is skipped.
    /// </summary>
    public static string? TryDecode(string path, int resolution, int channels, Span<byte> destination)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return TryDecode(stream, resolution, channels, destination, enlarge: false);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return $"unreadable ({error.GetType().Name}: {error.Message})";
        }
    }

    /// <summary>
    /// Decodes the image in <paramref name="stream"/> (seekable) into <paramref name="destination"/> ([channels,
    /// resolution, resolution]); <paramref name="enlarge"/> lets an image smaller than <paramref name="resolution"/>
    /// be scaled up. Returns null on success, else why the image is refused (not an image, damaged, too large...).
    /// </summary>
    public static string? TryDecode(Stream stream, int resolution, int channels, Span<byte> destination, bool enlarge)
    {
        try
        {
            Configuration configuration = NewConfiguration();
            IImageInfo? info = Image.Identify(configuration, stream, out IImageFormat? _);
            if (info is null) return "unreadable (not a supported image format)";
            int side = Math.Min(info.Width, info.Height);
            if ((long)info.Width * info.Height > MaxSourcePixels)
                return $"{info.Width}x{info.Height} is larger than the {MaxSourcePixels >> 20} Mpx limit";
            if (side < resolution && !enlarge) return $"{info.Width}x{info.Height} is smaller than {resolution}x{resolution} (images are never enlarged)";
            stream.Position = 0;
            if (channels == 1) Decode<L8>(configuration, stream, resolution, destination, static (p, _) => p.PackedValue);
            else Decode<Rgb24>(configuration, stream, resolution, destination, static (p, c) => c switch { 0 => p.R, 1 => p.G, _ => p.B });
            return null;
        }
        catch (Exception error) when (error is ImageFormatException or NotSupportedException or IOException
            or InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            return $"unreadable ({error.GetType().Name}: {error.Message})";
        }
    }

    private static void Decode<TPixel>(Configuration configuration, Stream stream, int resolution, Span<byte> destination,
        Func<TPixel, int, byte> channel) where TPixel : unmanaged, IPixel<TPixel>
    {
        using Image<TPixel> image = Image.Load<TPixel>(configuration, stream);
        image.Mutate(x => x.AutoOrient());
        int side = Math.Min(image.Width, image.Height);
        var crop = new Rectangle((image.Width - side) / 2, (image.Height - side) / 2, side, side);
        image.Mutate(x =>
        {
            x.Crop(crop);
            if (side != resolution) x.Resize(resolution, resolution, KnownResamplers.Bicubic);
        });
        var pixels = new TPixel[resolution * resolution]; // [resolution, resolution]
        image.CopyPixelDataTo(pixels);
        int channels = destination.Length / pixels.Length;
        for (int c = 0; c < channels; c++)
        {
            Span<byte> plane = destination.Slice(c * pixels.Length, pixels.Length);
            for (int i = 0; i < pixels.Length; i++) plane[i] = channel(pixels[i], c);
        }
    }
}
