namespace AlaeIlgpu.Alae.Data;

/// <summary>A folder of images read for a model: names and pixels [count, C, side, side] in [-1, 1].</summary>
/// <param name="Names">Each image's path relative to the folder, in ordinal order.</param>
/// <param name="Pixels">The images, row after row.</param>
public sealed record ImageFolderImages(IReadOnlyList<string> Names, float[] Pixels);

/// <summary>
/// Reads every image of a folder (searched recursively, in ordinal order) as <c>alae prepare</c> packs them: centre
/// crop to the shorter side, resize to the model's side (never enlarged), grayscale/RGB converted to the model's
/// channels; pixels scaled x / 127.5 - 1 as the official loader does.
/// </summary>
public static class ImageFolder
{
    /// <summary>The images of <paramref name="directory"/> at side <paramref name="resolution"/> with <paramref name="channels"/> channels.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="resolution">The model's image side.</param>
    /// <param name="channels">1 or 3.</param>
    /// <param name="option">The command-line option that named the folder, for messages (e.g. "--images").</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no image, or an image cannot be used (names it and why).</exception>
    public static ImageFolderImages Read(string directory, int resolution, int channels, string option)
    {
        var (images, _) = ImageDecoding.List(directory);
        if (images.Length == 0) throw new InvalidDataException($"{option} {directory}: no image files ({string.Join(", ", ImageDecoding.Extensions.Order())}).");
        int imageBytes = channels * resolution * resolution;
        var bytes = new byte[images.Length * (long)imageBytes];
        var reasons = new string?[images.Length];
        Parallel.For(0, images.Length, i => reasons[i] = ImageDecoding.TryDecode(
            Path.Combine(directory, images[i]), resolution, channels, bytes.AsSpan(i * imageBytes, imageBytes)));
        if (Array.FindIndex(reasons, r => r is not null) is var bad and >= 0)
            throw new InvalidDataException($"{option} {directory}: '{images[bad]}' cannot be used: {reasons[bad]}.");
        return new ImageFolderImages(images, bytes.Select(ImageDecoding.ToSigned).ToArray());
    }
}
