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
    /// Largest difference over a tensor's largest magnitude. The same float32 graph in another summation order
    /// (PyTorch's conv/GEMM against ours) through up to ~60 ops with instance norms dividing by small standard deviations:
    /// differences of a few 1e-6 relative are expected; 1e-4 leaves headroom and still catches any wrong op, constant or
    /// order (each of those moves outputs by percent).
    /// </summary>
    internal const double OutputTolerance = 1e-4;

    /// <summary>
    /// The same measure for G's images, which this fixture defines less sharply: after one training step G's constant
    /// input is still about 1 +- 7e-4 over each 4x4 plane, and the first instance norm (eps 1e-8) divides by that std,
    /// magnifying float32 rounding of the constant (6e-8) about a thousandfold. Measured: moving every constant entry by
    /// one ulp moves G's output by 2.3e-4 of its largest value, so two correct float32 implementations differ by that
    /// much (seen: 1.4e-4 on ilgpu-cpu). Twice the one-ulp sensitivity.
    /// </summary>
    internal const double ImageTolerance = 5e-4;

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
        Check("generate.npy", model.G.Forward(styles, StyleFixture.TopLod, 1f, GeneratorNoise.Off), b, ImageTolerance);
        Check("generate_blend0.5.npy", model.G.Forward(styles, StyleFixture.TopLod, 0.5f, GeneratorNoise.Off), b, ImageTolerance);
        var truncated = StyleSlots.Truncate(styles, StyleFixture.Array(b, "dlatent_avg.npy"), TruncationPsi, TruncationCutoff);
        Check("generate_truncated.npy", model.G.Forward(truncated, StyleFixture.TopLod, 1f, GeneratorNoise.Off), b, ImageTolerance);
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
        Check("reconstruct.npy", model.G.ForwardW(w, StyleFixture.TopLod, 1f, GeneratorNoise.Off), b, ImageTolerance);
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
