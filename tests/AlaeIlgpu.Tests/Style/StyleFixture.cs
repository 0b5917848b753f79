using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Tests.Alae;

namespace AlaeIlgpu.Tests.Style;

/// <summary>The official tiny32 StyleALAE fixture: models loaded by official name, arrays as tensors, and the comparison.</summary>
internal static class StyleFixture
{
    /// <summary>The architecture of tiny32 (its config.json).</summary>
    public static readonly StyleAlaeShape Shape = new(LayerCount: 4, StartChannels: 8, MaxChannels: 16, LatentSize: 16, MappingLayers: 3, Channels: 3);

    /// <summary>The top level of detail of tiny32 (32x32).</summary>
    public const int TopLod = 3;

    /// <summary>A model on <paramref name="backend"/> with the weights of the fixture's <c>.npz</c> <paramref name="file"/>.</summary>
    public static StyleAlae Load(Backend backend, string file)
    {
        string path = Fixtures.Tiny32(file);
        var model = new StyleAlae(backend, new RandomGenerator(1), Shape);
        OfficialWeights.Load(model, NpzFile.Read(path), path);
        return model;
    }

    /// <summary>The fixture's <c>.npy</c> <paramref name="file"/> as a tensor on <paramref name="backend"/>.</summary>
    public static Tensor Array(Backend backend, string file) => ToTensor(backend, NpyFile.Read(Fixtures.Tiny32(file)));

    /// <summary>A NumPy array as a tensor (a 0-d array becomes [1]).</summary>
    public static Tensor ToTensor(Backend backend, NumpyArray array) =>
        Tensor.FromArray(backend, array.Data, array.Shape.Length == 0 ? [1] : array.Shape);

    /// <summary>
    /// The largest |actual - expected| over the tensor divided by the largest |expected|; fails above
    /// <paramref name="tolerance"/> naming <paramref name="label"/>. Returns the ratio so tests can report it.
    /// </summary>
    public static double AssertClose(float[] expected, float[] actual, double tolerance, string label)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v));
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]));
        double relative = scale > 0 ? worst / scale : worst;
        Assert.True(relative <= tolerance && !double.IsNaN(relative),
            $"{label}: largest difference {worst:G4} is {relative:G4} of the largest magnitude {scale:G4} (allowed {tolerance:G4}).");
        return relative;
    }
}
