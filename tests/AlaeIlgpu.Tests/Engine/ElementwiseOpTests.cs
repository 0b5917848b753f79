using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Elementwise ops (broadcasting binary ops, lerp, every unary map and the fused leaky ReLU backward) against the naive references on cpu and ilgpu-cpu.</summary>
[Collection(SimulatorCollection.Name)]
public class ElementwiseOpTests(SimulatorFixture fixture)
{
    /// <summary>+, -, *, scale, add-scalar, square, lerp: a few correctly rounded float32 steps (2^-24 ~ 6e-8 each) against exact double.</summary>
    private const double ArithmeticRtol = 1e-6;

    /// <summary>Cancellation in a - b or lerp leaves an absolute error of ~eps |operands| (operands here below ~5): ~3e-7.</summary>
    private const double ArithmeticAtol = 1e-6;

    /// <summary>Division, sqrt, rsqrt: at most two roundings.</summary>
    private const double DivisionRtol = 1e-6;

    /// <summary>exp, log, softplus, sigmoid: vectorised (Vector.Exp/Log) and scalar MathF both stay within a few ulps; 1e-5 leaves room.</summary>
    private const double TranscendentalRtol = 1e-5;

    /// <summary>Results near 0 (log near 1, softplus/sigmoid far left) are judged absolutely: one rounding of 1 + e^-|x| is ~6e-8.</summary>
    private const double TranscendentalAtol = 1e-6;

    private const float LeakySlope = 0.2f;
    private const float LerpWeight = 0.3f;

    private static readonly (int[] A, int[] B)[] SmallPairs =
    [
        ([4, 3, 5, 7], [1, 3, 1, 1]), // per-channel
        ([4, 3, 5, 7], [4, 3, 1, 1]), // per-sample-and-channel (style modulation)
        ([1, 3, 1, 1], [4, 3, 5, 7]), // broadcast on the left
        ([4, 3, 5, 7], [4, 3, 5, 7]),
        ([5, 1], [1, 6]),             // outer product pattern: both broadcast
        ([3, 1, 7], [7]),             // lower rank on the right
        ([1], [2, 3]),
        ([1, 1], [1, 1]),
        ([2, 3, 4], [3, 1]),
        ([2, 1, 4, 1], [1, 3, 1, 5]), // alternating broadcast axes, the 4-axis limit
    ];

    private static readonly (int[] A, int[] B)[] RealisticPairs =
    [
        ([128, 1024], [1024]),        // bias add on an MLP activation
        ([128, 1024], [128, 1024]),
    ];

    /// <summary>Backend x shape pair; the realistic shapes run on cpu only (the simulator's single realistic run is in MatMulOpTests).</summary>
    public static TheoryData<string, int[], int[]> BinaryCases()
    {
        var data = new TheoryData<string, int[], int[]>();
        foreach (var backend in SimulatorFixture.BackendNames)
            foreach (var (a, b) in SmallPairs) data.Add(backend, a, b);
        foreach (var (a, b) in RealisticPairs) data.Add("cpu", a, b);
        return data;
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void BinaryOpsMatchReference(string backendName, int[] shapeA, int[] shapeB)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var a = TestData.NormalTensor(backend, 1, shapeA, 2f);
        var b = Tensor.FromArray(backend, TestData.AwayFromZero(2, NaiveOps.Count(shapeB), 0.5f), shapeB);
        RefTensor ra = TestData.Ref(a), rb = TestData.Ref(b);
        string at = $"{backendName} {a.Shape} with {b.Shape}";
        TestData.AssertClose(NaiveOps.Binary(ra, rb, (x, y) => x + y), a + b, ArithmeticAtol, ArithmeticRtol, $"add {at}");
        TestData.AssertClose(NaiveOps.Binary(ra, rb, (x, y) => x - y), a - b, ArithmeticAtol, ArithmeticRtol, $"subtract {at}");
        TestData.AssertClose(NaiveOps.Binary(ra, rb, (x, y) => x * y), a * b, ArithmeticAtol, ArithmeticRtol, $"multiply {at}");
        TestData.AssertClose(NaiveOps.Binary(ra, rb, (x, y) => x / y), a / b, ArithmeticAtol, DivisionRtol, $"divide {at}");
        TestData.AssertClose(NaiveOps.Binary(ra, rb, (x, y) => x + (y - x) * LerpWeight), ElementwiseOp.Lerp(a, b, LerpWeight),
            ArithmeticAtol, ArithmeticRtol, $"lerp {at}");
    }

    private sealed record UnaryCase(Func<Tensor, Tensor> Engine, Func<double, double> Reference, Func<int, int, float[]> Inputs, double Atol, double Rtol);

    private static float[] Wide(int seed, int n) => TestData.Normal(seed, n, 8f);
    private static float[] Unit(int seed, int n) => TestData.Normal(seed, n, 1.5f);
    private static float[] Positive(int seed, int n) => TestData.Uniform(seed, n, 0.05f, 4f);

    private static readonly Dictionary<string, UnaryCase> UnaryOps = new()
    {
        ["scale"] = new(x => x * -1.7f, v => v * (double)-1.7f, Unit, ArithmeticAtol, ArithmeticRtol),
        ["negate"] = new(x => -x, v => -v, Unit, 0, 0),
        ["add-scalar"] = new(x => x + 0.3f, v => v + (double)0.3f, Unit, ArithmeticAtol, ArithmeticRtol),
        ["square"] = new(ElementwiseOp.Square, v => v * v, Unit, ArithmeticAtol, ArithmeticRtol),
        ["sqrt"] = new(ElementwiseOp.Sqrt, Math.Sqrt, Positive, 0, DivisionRtol),
        ["rsqrt"] = new(ElementwiseOp.Rsqrt, v => 1 / Math.Sqrt(v), Positive, 0, DivisionRtol),
        ["exp"] = new(ElementwiseOp.Exp, Math.Exp, (s, n) => TestData.Normal(s, n, 3f), TranscendentalAtol, TranscendentalRtol),
        ["log"] = new(ElementwiseOp.Log, Math.Log, Positive, TranscendentalAtol, TranscendentalRtol),
        ["softplus"] = new(ElementwiseOp.Softplus, NaiveOps.Softplus, Wide, TranscendentalAtol, TranscendentalRtol),
        ["sigmoid"] = new(ElementwiseOp.Sigmoid, NaiveOps.Sigmoid, Wide, TranscendentalAtol, TranscendentalRtol),
        ["leaky-relu"] = new(x => ElementwiseOp.LeakyRelu(x, LeakySlope), v => NaiveOps.LeakyRelu(v, LeakySlope), Unit, 0, ArithmeticRtol),
        ["leaky-relu slope 0"] = new(x => ElementwiseOp.LeakyRelu(x, 0f), v => NaiveOps.LeakyRelu(v, 0), Unit, 0, 0),
    };

    // [37] and [4, 3, 5, 7] (420 elements) leave SIMD tails; [1] and [3] are shorter than a vector.
    private static readonly int[][] UnaryShapes = [[1], [3], [37], [4, 3, 5, 7]];

    /// <summary>Backend x unary op.</summary>
    public static TheoryData<string, string> UnaryCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in SimulatorFixture.BackendNames)
            foreach (var op in UnaryOps.Keys) data.Add(backend, op);
        return data;
    }

    [Theory]
    [MemberData(nameof(UnaryCases))]
    public void UnaryOpMatchesReference(string backendName, string op)
    {
        var backend = fixture.Get(backendName);
        var c = UnaryOps[op];
        var shapes = backendName == "cpu" ? [.. UnaryShapes, [128, 1024]] : UnaryShapes;
        using var scope = new TensorScope();
        foreach (var shape in shapes)
        {
            var x = Tensor.FromArray(backend, c.Inputs(shape.Length, NaiveOps.Count(shape)), shape);
            TestData.AssertClose(NaiveOps.Map(TestData.Ref(x), c.Reference), c.Engine(x), c.Atol, c.Rtol, $"{op} on {backendName} {x.Shape}");
        }
    }

    /// <summary>Backend x length: shorter than a vector, SIMD tails, and (cpu only) one long enough to split over threads.</summary>
    public static TheoryData<string, int> LeakyReluBackwardCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var backend in SimulatorFixture.BackendNames)
            foreach (int n in new[] { 1, 3, 37, 420 }) data.Add(backend, n);
        data.Add("cpu", 128 * 1024);
        return data;
    }

    [Theory]
    [MemberData(nameof(LeakyReluBackwardCases))]
    public void LeakyReluBackwardMatchesReference(string backendName, int n)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var g = TestData.NormalTensor(backend, 1, [n]);
        var x = TestData.NormalTensor(backend, 2, [n]);
        var y = Tensor.Empty(backend, new TensorShape(n));
        backend.LeakyReluBackward(g.Storage, x.Storage, y.Storage, LeakySlope);
        var (rg, rx) = (g.ToArray(), x.ToArray());
        var expected = rg.Select((v, i) => rx[i] > 0 ? v : v * (double)LeakySlope).ToArray();
        TestData.AssertClose(expected, y.ToArray(), 0, ArithmeticRtol, $"leaky ReLU backward of {n} on {backendName}");
    }

    [Fact]
    public void LeakyReluGradientEqualsGradientTimesSlopeMaskBitForBitOnCpu()
    {
        var cpu = fixture.Get("cpu");
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(cpu, 3, [4099]);
        var g = TestData.NormalTensor(cpu, 4, [4099]);
        x.RequiresGrad = true;
        var gx = Autodiff.Autograd.Grad([ReduceOp.Sum(ElementwiseOp.LeakyRelu(x, LeakySlope) * g)], [x])[0].ToArray();
        var (rg, rx) = (g.ToArray(), x.ToArray());
        Assert.Equal(rg.Select((v, i) => v * (rx[i] > 0f ? 1f : LeakySlope)).ToArray(), gx);
    }
}
