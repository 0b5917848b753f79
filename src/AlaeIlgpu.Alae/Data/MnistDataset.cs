namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// The MNIST training and test sets read from a directory of IDX files (the <c>--data DIR</c> option).
/// </summary>
/// <param name="Train">The 60,000-image training set (<c>train-*</c> files).</param>
/// <param name="Test">The 10,000-image test set (<c>t10k-*</c> files).</param>
public sealed record MnistDataset(MnistSet Train, MnistSet Test)
{
    /// <summary>
    /// Loads <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c> and
    /// <c>t10k-labels-idx1-ubyte</c> from <paramref name="directory"/>. Each name may also be spelt with a dot
    /// (<c>train-images.idx3-ubyte</c>) and may carry a <c>.gz</c> suffix.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists the names tried.</exception>
    /// <exception cref="InvalidDataException">A file is malformed; the message names it.</exception>
    public static MnistDataset Load(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"MNIST data directory '{directory}' does not exist.");
        return new MnistDataset(LoadPart(directory, "train"), LoadPart(directory, "t10k"));
    }

    /// <summary>
    /// Finds the file for <paramref name="prefix"/> (<c>train</c> or <c>t10k</c>) and <paramref name="kind"/>
    /// (<c>images</c> with <c>idx3</c>, or <c>labels</c> with <c>idx1</c>) in <paramref name="directory"/>.
    /// </summary>
    public static string ResolveFile(string directory, string prefix, string kind, string idx)
    {
        string[] candidates =
        [
            $"{prefix}-{kind}-{idx}-ubyte",
            $"{prefix}-{kind}.{idx}-ubyte",
            $"{prefix}-{kind}-{idx}-ubyte.gz",
            $"{prefix}-{kind}.{idx}-ubyte.gz",
        ];
        foreach (string name in candidates)
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{directory}: no MNIST {prefix} {kind} file; tried {string.Join(", ", candidates)}.");
    }

    private static MnistSet LoadPart(string directory, string prefix)
    {
        string imagesPath = ResolveFile(directory, prefix, "images", "idx3");
        string labelsPath = ResolveFile(directory, prefix, "labels", "idx1");
        return MnistSet.FromIdx(IdxFile.ReadImages(imagesPath), imagesPath, IdxFile.ReadLabels(labelsPath), labelsPath);
    }
}
