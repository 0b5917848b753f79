using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// The images a StyleALAE run reconstructs in its figures and commands, read at any stored side in [-1, 1]: the
/// held-out digits for MNIST sources, the first images of the set for a packed file (which has no held-out part).
/// </summary>
public sealed class StyleFigureImages : IHeldOutImages
{
    private readonly Func<IImageDataset> _open;
    private readonly int _resolution;

    private StyleFigureImages(Func<IImageDataset> open, int resolution, int count, int channels) =>
        (_open, _resolution, Count, Channels) = (open, resolution, count, channels);

    /// <inheritdoc />
    public int Count { get; }

    /// <summary>Channels of the images (1 or 3).</summary>
    public int Channels { get; }

    /// <summary>The figure images of the data source <paramref name="source"/> (as <c>data.path</c>) at side <paramref name="resolution"/>.</summary>
    /// <exception cref="FileNotFoundException">The source does not exist.</exception>
    public static StyleFigureImages Open(string source, int resolution)
    {
        Func<IImageDataset> open = () => ImageDatasets.OpenHeldOut(source);
        using var set = open();
        return new StyleFigureImages(open, resolution, set.Count, set.Channels);
    }

    /// <summary>The same images at another side.</summary>
    public StyleFigureImages At(int resolution) => new(_open, resolution, Count, Channels);

    /// <summary>Up to <see cref="AutoencoderFigures.GridReconstructions"/> images at side <paramref name="resolution"/>: [n, C*R*R].</summary>
    public float[] Read(int resolution) => At(resolution).Read(0, Math.Min(Count, AutoencoderFigures.GridReconstructions));

    /// <inheritdoc />
    public float[] Read(int first, int count)
    {
        if (first < 0 || count < 0 || first + count > Count)
            throw new ArgumentOutOfRangeException(nameof(first), $"Images {first}..{first + count - 1} are outside the {Count} figure images.");
        using var set = _open();
        var bytes = new byte[count * set.Channels * _resolution * _resolution];
        set.Read(Enumerable.Range(first, count).ToArray(), _resolution, bytes);
        return bytes.Select(ImageDecoding.ToSigned).ToArray();
    }
}
