using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Tests.Engine;
using Xunit.Abstractions;

namespace AlaeIlgpu.Tests.Style;

/// <summary>
/// The EMA networks of the official tiny32 fixture, loaded by official name, reproduce every output the official
/// PyTorch code wrote (noise off): F, G at blend 1 and 0.5 and truncated, E at the top level, in a transition and
/// one level below, D, and the reconstruction G(E(x)).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class OfficialForwardTests(SimulatorFixture fixture, ITestOutputHelper output)
{
    /// <summary>
    /// Largest difference over a tensor's largest magnitude, for every output, G's images included (the bound).
    /// The same float32 graph in another summation order (PyTorch's conv/GEMM against ours) through up to ~60 ops:
    /// differences of a few 1e-6 relative are expected (measured 1e-7 to 3.3e-6), and 1e-4 still catches any wrong op,
    /// constant or order (each of those moves outputs by percent). G's first instance norm divides its nearly constant
    /// 4x4 input (1 +- 7e-4) by its std and so magnifies one ulp of that input, or of its statistics, about a
    /// thousandfold (2.3e-4 of the image); our instance norm and exp therefore round as PyTorch's CPU kernels do
    /// (CpuInstanceNorm, TorchExp), and the noise stand-in follows the official op order.
    /// </summary>
    internal const double OutputTolerance = 1e-4;

    private const float TruncationPsi = 0.7f;
    private const int TruncationCutoff = 8;

    public static TheoryData<string> Backends() => SimulatorFixture.Backends();

    [Theory]
    [MemberData(nameof(Backends))]
    public void MappingMatchesTheOfficialOutput(string backendName)
    {
        var b = fixture.Get(backendName);
        using var scope = new TensorScope();
        var model = StyleFixture.Load(b, "weights_ema.npz");
        var w = model.F.Forward(StyleFixture.Array(b, "z.npy"));
        Check("mapping_w.npy", w, b);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void GeneratorMatchesAtBlendOneHalfAndTruncated(string backendName)
    {
        var b = fixture.Get(backendName);
        using var scope = new TensorScope();
        var model = StyleFixture.Load(b, "weights_ema.npz");
        var styles = StyleSlots.Broadcast(StyleFixture.Array(b, "mapping_w.npy"), model.Shape.StyleSlots);
        Check("generate.npy", model.G.Forward(styles, StyleFixture.TopLod, 1f, GeneratorNoise.Off), b);
        Check("generate_blend0.5.npy", model.G.Forward(styles, StyleFixture.TopLod, 0.5f, GeneratorNoise.Off), b);
        var truncated = StyleSlots.Truncate(styles, StyleFixture.Array(b, "dlatent_avg.npy"), TruncationPsi, TruncationCutoff);
        Check("generate_truncated.npy", model.G.Forward(truncated, StyleFixture.TopLod, 1f, GeneratorNoise.Off), b);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void EncoderAndDiscriminatorMatchAtEveryBlend(string backendName)
    {
        var b = fixture.Get(backendName);
        using var scope = new TensorScope();
        var model = StyleFixture.Load(b, "weights_ema.npz");
        var x = StyleFixture.Array(b, "x.npy");
        var w = model.E.Forward(x, StyleFixture.TopLod, 1f);
        Check("encode.npy", w, b);
        Check("encode_blend0.5.npy", model.E.Forward(x, StyleFixture.TopLod, 0.5f), b);
        Check("encode_half.npy", model.E.Forward(StyleFixture.Array(b, "x_half.npy"), StyleFixture.TopLod - 1, 1f), b);
        Check("discriminate.npy", model.D.Forward(w), b);
        Check("reconstruct.npy", model.G.ForwardW(w, StyleFixture.TopLod, 1f, GeneratorNoise.Off), b);
    }

    [Fact]
    public void TheFixtureStyleAverageIsTheSavedBuffer()
    {
        var b = CpuBackend.Instance;
        using var scope = new TensorScope();
        var model = StyleFixture.Load(b, "weights_ema.npz");
        Assert.Equal(StyleFixture.Array(b, "dlatent_avg.npy").ToArray(), model.StyleAverage.ToArray());
    }

    private void Check(string file, Tensor actual, Backend b, double tolerance = OutputTolerance)
    {
        var expected = StyleFixture.Array(b, file);
        Assert.Equal(expected.Count, actual.Count);
        double relative = StyleFixture.AssertClose(expected.ToArray(), actual.ToArray(), tolerance, $"{file} on {b}");
        output.WriteLine($"{file} on {b}: largest difference {relative:G3} of the largest magnitude");
    }
}
