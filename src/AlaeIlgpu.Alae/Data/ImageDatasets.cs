namespace AlaeIlgpu.Alae.Data;

/// <summary>Opens the image set a StyleALAE configuration names in <c>data.path</c>.</summary>
public static class ImageDatasets
{
    /// <summary>
    /// <see cref="MnistImages.EmbeddedSource"/> ("embedded-mnist") gives the embedded digits, a directory an MNIST IDX
    /// folder's training set, and a file a packed image file (<see cref="PackedImageFile"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The path is neither a file nor a directory.</exception>
    /// <exception cref="InvalidDataException">The data is malformed; the message names the file.</exception>
    public static IImageDataset Open(string source)
    {
        if (source == MnistImages.EmbeddedSource) return MnistImages.Embedded();
        if (Directory.Exists(source)) return MnistImages.FromDirectory(source);
        if (File.Exists(source)) return PackedImageFile.Open(source);
        throw new FileNotFoundException($"Dataset '{source}' is neither a packed image file, an MNIST folder nor \"{MnistImages.EmbeddedSource}\".", source);
    }

    /// <summary>
    /// The images a run of <paramref name="source"/> shows but does not train on: the embedded set's held-out digits,
    /// an MNIST folder's test set, and for a packed file the file itself (it has no held-out part).
    /// </summary>
    /// <exception cref="FileNotFoundException">The path is neither a file nor a directory.</exception>
    public static IImageDataset OpenHeldOut(string source)
    {
        if (source == MnistImages.EmbeddedSource) return MnistImages.FromSet(EmbeddedMnist.LoadSplit().HeldOut, "embedded-mnist held-out digits");
        if (Directory.Exists(source)) return MnistImages.FromSet(MnistDataset.Load(source).Test, source);
        return Open(source);
    }
}
