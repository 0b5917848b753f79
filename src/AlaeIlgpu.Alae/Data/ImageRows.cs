namespace AlaeIlgpu.Alae.Data;

/// <summary>Argument checks shared by every <see cref="IImageDataset.Read"/>.</summary>
internal static class ImageRows
{
    /// <summary>Every row is in [0, count) and the destination holds rows.Length images of imageBytes.</summary>
    /// <exception cref="ArgumentException">A row is out of range or the destination has the wrong size.</exception>
    public static void Check(ReadOnlySpan<int> rows, int count, int destinationLength, int imageBytes, string name)
    {
        if (destinationLength != (long)rows.Length * imageBytes)
            throw new ArgumentException($"{name}: {rows.Length} images of {imageBytes} bytes need a {(long)rows.Length * imageBytes}-byte destination, not {destinationLength}.");
        foreach (int row in rows)
        {
            if ((uint)row >= (uint)count)
                throw new ArgumentException($"{name}: row {row} is out of range [0, {count}).");
        }
    }
}
