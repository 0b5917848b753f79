namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// An <see cref="IImageDataset"/> held in memory: the top level as given, the lower levels pooled from it with
/// <see cref="LevelPyramid"/>. For small sets (MNIST: 60,000 x 32 x 32 is 80 MB with every level).
/// </summary>
public sealed class InMemoryImageDataset : IImageDataset
{
    private readonly byte[][] _levels; // smallest first, each [Count, Channels, side, side]
    private readonly int[] _resolutions;
    private readonly string _name;

    /// <summary>Wraps <paramref name="top"/> ([count, channels, resolution, resolution] bytes) and pools its levels.</summary>
    /// <param name="top">The top-level pixels; kept, not copied.</param>
    /// <param name="count">Images.</param>
    /// <param name="channels">1 or 3.</param>
    /// <param name="resolution">Side of the top level (a power of two from 4).</param>
    /// <param name="name">What the set is called in error messages.</param>
    public InMemoryImageDataset(byte[] top, int count, int channels, int resolution, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (channels is not (1 or 3)) throw new ArgumentException($"{name}: channels must be 1 or 3, not {channels}.", nameof(channels));
        _resolutions = LevelPyramid.Resolutions(resolution);
        if (top.Length != count * PackedImageLayout.ImageBytes(channels, resolution))
            throw new ArgumentException($"{name}: {count} images of {channels}x{resolution}x{resolution} need {count * PackedImageLayout.ImageBytes(channels, resolution)} bytes, not {top.Length}.", nameof(top));
        (Count, Channels, Resolution, _name) = (count, channels, resolution, name);
        _levels = new byte[_resolutions.Length][];
        _levels[^1] = top;
        for (int i = _levels.Length - 2; i >= 0; i--)
        {
            _levels[i] = new byte[_levels[i + 1].Length / 4];
            LevelPyramid.Halve(_levels[i + 1], _levels[i], count, channels, _resolutions[i + 1]);
        }
    }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public int Channels { get; }

    /// <inheritdoc />
    public int Resolution { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> Resolutions => _resolutions;

    /// <inheritdoc />
    public void Read(ReadOnlySpan<int> rows, int resolution, Span<byte> destination)
    {
        int index = Array.IndexOf(_resolutions, resolution);
        if (index < 0)
            throw new ArgumentException($"{_name}: no level of side {resolution}; stored: {string.Join(", ", _resolutions)}.", nameof(resolution));
        int imageBytes = (int)PackedImageLayout.ImageBytes(Channels, resolution);
        ImageRows.Check(rows, Count, destination.Length, imageBytes, _name);
        for (int i = 0; i < rows.Length; i++)
            _levels[index].AsSpan(rows[i] * imageBytes, imageBytes).CopyTo(destination.Slice(i * imageBytes, imageBytes));
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }
}
