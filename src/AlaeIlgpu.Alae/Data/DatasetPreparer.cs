using System.Diagnostics;

namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// Packs a folder of images (PNG, JPEG, BMP, WebP; searched recursively, taken in ordinal order of their relative paths)
/// into one packed multi-level file (<see cref="PackedImageFile"/>), streaming: top-level images are decoded in parallel
/// a chunk at a time and appended in order, then the lower levels are pooled from the file. Files that cannot be
/// decoded, or whose shorter side is below the target side, are skipped and listed in the report; never fatal.
/// </summary>
public static class DatasetPreparer
{
    /// <summary>Decoded top-level bytes held at once (per chunk).</summary>
    private const long ChunkBytes = 256L << 20;

    /// <summary>Most images decoded per chunk (also bounds how often progress is reported).</summary>
    private const int MaxChunkImages = 256;

    /// <summary>Packs <paramref name="imagesDir"/> into <paramref name="outFile"/>.</summary>
    /// <param name="imagesDir">The folder of images.</param>
    /// <param name="resolution">Side of the top level: a power of two from 4.</param>
    /// <param name="channels">1 (luminance) or 3 (RGB).</param>
    /// <param name="outFile">The packed file to write (replaced if it exists, only once complete).</param>
    /// <param name="progress">Called after each chunk of images and each pooled level; null for none.</param>
    /// <param name="cancellation">Stops between chunks; the partial file is deleted.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No usable image was found; the message names the folder.</exception>
    public static PrepareReport Prepare(string imagesDir, int resolution, int channels, string outFile,
        Action<PrepareProgress>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var (images, others) = ImageDecoding.List(imagesDir);
        var skipped = new List<SkippedImage>();
        using (var writer = new PackedImageWriter(outFile, resolution, channels))
        {
            WriteTopLevel(writer, imagesDir, images, skipped, progress, cancellation);
            if (writer.Count == 0)
                throw new InvalidDataException($"{imagesDir}: none of its {images.Length} image files could be used ({others} other files ignored).");
            writer.Complete((_, done, total) => progress?.Invoke(new PrepareProgress("levels", done, total)));
        }
        return new PrepareReport(outFile, resolution, channels, images.Length - skipped.Count, skipped, others,
            new FileInfo(outFile).Length, clock.Elapsed);
    }

    private static void WriteTopLevel(PackedImageWriter writer, string imagesDir, string[] images, List<SkippedImage> skipped,
        Action<PrepareProgress>? progress, CancellationToken cancellation)
    {
        int imageBytes = checked((int)PackedImageLayout.ImageBytes(writer.Channels, writer.Resolution));
        int chunkImages = (int)Math.Clamp(ChunkBytes / imageBytes, 1, MaxChunkImages);
        byte[] chunk = new byte[chunkImages * (long)imageBytes];
        string?[] reasons = new string?[chunkImages];
        var parallel = new ParallelOptions { CancellationToken = cancellation };
        for (int first = 0; first < images.Length; first += chunkImages)
        {
            int count = Math.Min(chunkImages, images.Length - first);
            Parallel.For(0, count, parallel, i => reasons[i] = ImageDecoding.TryDecode(
                Path.Combine(imagesDir, images[first + i]), writer.Resolution, writer.Channels, chunk.AsSpan(i * imageBytes, imageBytes)));
            for (int i = 0; i < count; i++)
            {
                if (reasons[i] is { } reason) skipped.Add(new SkippedImage(images[first + i], reason));
                else writer.Append(chunk.AsSpan(i * imageBytes, imageBytes));
            }
            progress?.Invoke(new PrepareProgress("images", first + count, images.Length));
        }
    }
}
