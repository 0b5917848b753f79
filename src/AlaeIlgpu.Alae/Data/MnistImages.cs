namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// MNIST digits as a 1-channel <see cref="IImageDataset"/> for StyleALAE: each 28x28 digit padded with 2 black pixels
/// on every side to 32x32 (as the official convolutional MNIST preparation), levels 4 ... 32, held in memory.
/// </summary>
public static class MnistImages
{
    /// <summary>Side of the padded digits.</summary>
    public const int Resolution = 32;

    /// <summary>The source name that selects the embedded digits (<see cref="EmbeddedMnist"/>'s training split).</summary>
    public const string EmbeddedSource = "embedded-mnist";

    /// <summary>The 8,000-digit training split of the embedded digits (<see cref="EmbeddedMnist.LoadSplit"/>).</summary>
    public static InMemoryImageDataset Embedded() => FromSet(EmbeddedMnist.LoadSplit().Train, EmbeddedSource);

    /// <summary>The 60,000-digit training set of an MNIST IDX folder (<see cref="MnistDataset.Load"/>).</summary>
    public static InMemoryImageDataset FromDirectory(string directory) => FromSet(MnistDataset.Load(directory).Train, directory);

    /// <summary>Pads every digit of <paramref name="set"/> (28x28 or smaller, pixels in [0, 1]) to 32x32 bytes.</summary>
    /// <exception cref="ArgumentException">The digits are larger than 32x32.</exception>
    public static InMemoryImageDataset FromSet(MnistSet set, string name)
    {
        if (set.Rows > Resolution || set.Columns > Resolution)
            throw new ArgumentException($"{name}: {set.Rows}x{set.Columns} digits do not fit in {Resolution}x{Resolution}.", nameof(set));
        int top = (Resolution - set.Rows) / 2, left = (Resolution - set.Columns) / 2;
        byte[] pixels = new byte[set.Count * Resolution * Resolution]; // [N, 1, 32, 32]
        for (int n = 0; n < set.Count; n++)
        {
            ReadOnlySpan<float> digit = set.Image(n); // [rows, columns] in [0, 1]
            Span<byte> target = pixels.AsSpan(n * Resolution * Resolution, Resolution * Resolution);
            for (int y = 0; y < set.Rows; y++)
            {
                for (int x = 0; x < set.Columns; x++)
                    target[(y + top) * Resolution + x + left] = (byte)Math.Round(Math.Clamp(digit[y * set.Columns + x], 0f, 1f) * 255f);
            }
        }
        return new InMemoryImageDataset(pixels, set.Count, channels: 1, Resolution, name);
    }
}
