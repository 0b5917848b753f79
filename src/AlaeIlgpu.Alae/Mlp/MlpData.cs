using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>The training and held-out digits a config names: the embedded 8,000 / 2,000 split, or an MNIST-format folder.</summary>
public static class MlpData
{
    /// <summary>
    /// Loads the data of <paramref name="config"/>: with no data dir, the embedded set split by the config's counts and
    /// seed; with one, its train files for training and its t10k files as the held-out set.
    /// </summary>
    public static (MnistSet Train, MnistSet HeldOut) Load(MlpAlaeConfig config)
    {
        var d = config.Data;
        if (string.IsNullOrEmpty(d.Dir)) return EmbeddedMnist.Load().Split(d.TrainCount, d.HeldOutCount, d.SplitSeed);
        var set = MnistDataset.Load(d.Dir);
        return (set.Train, set.Test);
    }
}
