namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// A set of square images stored at several resolutions (levels 2^k x 2^k, each made from the one above by 2x2 average
/// pooling), read in batches so a set larger than memory can be trained on. Pixels are bytes 0..255, channels first.
/// </summary>
public interface IImageDataset : IDisposable
{
    /// <summary>Images in the set.</summary>
    int Count { get; }

    /// <summary>Colour channels (1 or 3).</summary>
    int Channels { get; }

    /// <summary>Side of the largest level.</summary>
    int Resolution { get; }

    /// <summary>Sides of every stored level, smallest first (4, 8, ..., <see cref="Resolution"/>).</summary>
    IReadOnlyList<int> Resolutions { get; }

    /// <summary>
    /// Copies images <paramref name="rows"/> at side <paramref name="resolution"/> into <paramref name="destination"/>
    /// ([rows.Length, Channels, resolution, resolution] bytes).
    /// </summary>
    /// <exception cref="ArgumentException">The resolution is not stored or a row is out of range.</exception>
    /// <exception cref="InvalidDataException">The stored data is damaged (the message names the file).</exception>
    void Read(ReadOnlySpan<int> rows, int resolution, Span<byte> destination);
}
