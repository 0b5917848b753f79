namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// Labelled grayscale images as the models consume them: pixels scaled to [0, 1] (byte / 255) in a row-major
/// <c>[Count, Rows * Columns]</c> array, and one integer label per image.
/// </summary>
public sealed class MnistSet
{
    /// <summary>The largest label a digit can have.</summary>
    public const int MaxLabel = 9;

    /// <summary>Wraps already scaled pixels and labels; checks that their sizes agree.</summary>
    /// <param name="images">Pixels in [0, 1], <c>[count, rows * columns]</c> row-major.</param>
    /// <param name="labels">One label per image.</param>
    /// <param name="rows">Image height in pixels.</param>
    /// <param name="columns">Image width in pixels.</param>
    public MnistSet(float[] images, int[] labels, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (images.Length != (long)labels.Length * rows * columns)
            throw new ArgumentException($"{labels.Length} labels of {rows}x{columns} images need {labels.Length * rows * columns} pixels, not {images.Length}.");
        Images = images;
        Labels = labels;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Pixels in [0, 1], <c>[Count, PixelCount]</c> row-major.</summary>
    public float[] Images { get; }

    /// <summary>The label of each image.</summary>
    public int[] Labels { get; }

    /// <summary>Image height in pixels.</summary>
    public int Rows { get; }

    /// <summary>Image width in pixels.</summary>
    public int Columns { get; }

    /// <summary>Pixels per image (784 for MNIST).</summary>
    public int PixelCount => Rows * Columns;

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Image(int index) => Images.AsSpan(index * PixelCount, PixelCount);

    /// <summary>
    /// Builds a set from an IDX image file <c>[count, rows, columns]</c> and an IDX label file <c>[count]</c>;
    /// throws <see cref="InvalidDataException"/> naming the files when the counts differ or a label is not a digit.
    /// </summary>
    public static MnistSet FromIdx(IdxArray images, string imagesName, IdxArray labels, string labelsName)
    {
        if (images.Dimensions.Length != 3)
            throw new InvalidDataException($"{imagesName}: expected 3 dimensions [count, rows, columns] but found {images.Dimensions.Length}.");
        if (labels.Dimensions.Length != 1)
            throw new InvalidDataException($"{labelsName}: expected 1 dimension [count] but found {labels.Dimensions.Length}.");
        if (images.Count != labels.Count)
            throw new InvalidDataException($"{imagesName} holds {images.Count} images but {labelsName} holds {labels.Count} labels.");
        return new MnistSet(ScalePixels(images.Data), ReadLabels(labels.Data, labelsName), images.Dimensions[1], images.Dimensions[2]);
    }

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public MnistSet Select(ReadOnlySpan<int> indices)
    {
        int pixels = PixelCount;
        float[] images = new float[indices.Length * pixels];
        int[] labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            Image(indices[i]).CopyTo(images.AsSpan(i * pixels, pixels));
            labels[i] = Labels[indices[i]];
        }
        return new MnistSet(images, labels, Rows, Columns);
    }

    /// <summary>
    /// Shuffles with <see cref="SplitMix64"/> seeded by <paramref name="seed"/> and cuts the permutation into a
    /// training part (its first <paramref name="trainCount"/> images) and a held-out part (the next
    /// <paramref name="heldOutCount"/>).
    /// </summary>
    public (MnistSet Train, MnistSet HeldOut) Split(int trainCount, int heldOutCount, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegative(heldOutCount);
        if ((long)trainCount + heldOutCount > Count)
            throw new ArgumentException($"Cannot split {Count} images into {trainCount} training and {heldOutCount} held-out images.");
        int[] order = new SplitMix64(seed).Permutation(Count);
        return (Select(order.AsSpan(0, trainCount)), Select(order.AsSpan(trainCount, heldOutCount)));
    }

    private static float[] ScalePixels(byte[] bytes)
    {
        float[] pixels = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) pixels[i] = bytes[i] / 255f;
        return pixels;
    }

    private static int[] ReadLabels(byte[] bytes, string labelsName)
    {
        int[] labels = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] > MaxLabel)
                throw new InvalidDataException($"{labelsName}: label {bytes[i]} at index {i} is not a digit 0-{MaxLabel}.");
            labels[i] = bytes[i];
        }
        return labels;
    }
}
