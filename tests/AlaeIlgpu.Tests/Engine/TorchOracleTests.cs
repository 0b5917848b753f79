using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// Every op family against an outside oracle: PyTorch in float64 (Fixtures/torch-ops, written by
/// benchmarks/peers/op_fixtures_torch.py). Each case replays the fixture's inputs through our op on cpu and
/// ilgpu-cpu and compares the forward output, the gradients of sum(out * r) with respect to every input, and the
/// second order: with g = d sum(softplus(out) * r) / d in0 taken with createGraph, the gradients of sum(g^2).
/// </summary>
/// <remarks>
/// Errors are measured against each array's scale: max |ours - torch| / max |torch|. Our ops run in float32; the
/// reference's only error is the float32 rounding of its stored results. Each order's tolerance is the larger of a
/// fixed float32 budget and <see cref="ConditioningFactor"/> times PyTorch's own float32 error on the same case
/// (stored as f32err): a case whose result is a cancellation of much larger terms is as hard for us as for PyTorch.
/// </remarks>
[Collection(SimulatorCollection.Name)]
public class TorchOracleTests(SimulatorFixture fixture)
{
    /// <summary>Forward: float32 sums of at most ~60 products plus a few roundings per element, a few ulps of the
    /// output's largest magnitude (6e-8 each) with margin for the accumulation.</summary>
    private const double ForwardTolerance = 1e-5;

    /// <summary>First order: one more pass of the same size (input/weight gradients sum over batch and positions,
    /// up to ~100 terms), so about twice the forward's error budget, with margin.</summary>
    private const double FirstOrderTolerance = 3e-5;

    /// <summary>Second order: three chained passes (forward, the recorded backward, its backward) and the squaring of
    /// g, whose own relative error doubles; the low-variance instance norms divide by std^2 and std^3.</summary>
    private const double SecondOrderTolerance = 2e-4;

    /// <summary>How many times PyTorch's own float32 error (f32err) ours may reach: two correct float32 implementations
    /// that sum in different orders differ by a data-dependent factor, up to about ten where the result is a
    /// cancellation (style_stats/lowvar's second order: sum g^2 is constant along the std direction).</summary>
    private const double ConditioningFactor = 10;

    private static readonly Dictionary<string, Func<Tensor[], Tensor>> Ops = new()
    {
        ["conv2d/k3s1"] = t => Conv2dOp.Conv2d(t[0], t[1], t[2], stride: 1, padding: 1),
        ["conv2d/k3s2"] = t => Conv2dOp.Conv2d(t[0], t[1], t[2], stride: 2, padding: 1),
        ["conv2d/k1s1"] = t => Conv2dOp.Conv2d(t[0], t[1], t[2], stride: 1, padding: 0),
        ["conv2d/k1s2"] = t => Conv2dOp.Conv2d(t[0], t[1], t[2], stride: 2, padding: 0),
        ["conv2d/k3s1_nobias"] = t => Conv2dOp.Conv2d(t[0], t[1], null, stride: 1, padding: 1),
        ["conv_transpose2d/k3s2"] = t => Conv2dOp.ConvTranspose2d(t[0], t[1], t[2], stride: 2, padding: 1),
        ["conv_transpose2d/k4s2"] = t => Conv2dOp.ConvTranspose2d(t[0], t[1], t[2], stride: 2, padding: 1),
        ["fused_conv/down"] = t => Conv2dOp.FusedDownsample(t[0], t[1], t[2]),
        ["fused_conv/up"] = t => Conv2dOp.FusedUpsample(t[0], t[1], t[2]),
        ["blur/odd"] = t => ResampleOp.Blur(t[0]),
        ["avg_pool/2x2"] = t => ResampleOp.AveragePool2x2(t[0]),
        ["upsample_nearest/2x"] = t => ResampleOp.UpsampleNearest2x(t[0]),
        ["instance_norm/eps1e-5_unit"] = t => InstanceNormOp.InstanceNorm(t[0], 1e-5f),
        ["instance_norm/eps1e-5_lowvar"] = t => InstanceNormOp.InstanceNorm(t[0], 1e-5f),
        ["instance_norm/eps1e-8_lowvar"] = t => InstanceNormOp.InstanceNorm(t[0], 1e-8f),
        ["style_stats/unit"] = StyleStatistics,
        ["style_stats/lowvar"] = StyleStatistics,
        ["adain/plain"] = t => StyleOp.StyleModulate(t[0], t[1]),
        ["modulated_conv/demodulated"] = t => ModulatedConvOp.ModulatedConv2d(t[0], t[1], t[2], demodulate: true),
        ["modulated_conv/modulated"] = t => ModulatedConvOp.ModulatedConv2d(t[0], t[1], t[2], demodulate: false),
        ["pixel_norm/2d"] = t => StyleOp.PixelNorm(t[0]),
        ["leaky_relu/slope0.2"] = t => ElementwiseOp.LeakyRelu(t[0], 0.2f),
        ["leaky_relu/slope0.01"] = t => ElementwiseOp.LeakyRelu(t[0], 0.01f),
        ["softplus/plain"] = t => ElementwiseOp.Softplus(t[0]),
        ["matmul/t00"] = t => MatMulOp.MatMul(t[0], t[1]),
        ["matmul/t01"] = t => MatMulOp.MatMul(t[0], t[1], transB: true),
        ["matmul/t10"] = t => MatMulOp.MatMul(t[0], t[1], transA: true),
        ["matmul/t11"] = t => MatMulOp.MatMul(t[0], t[1], transA: true, transB: true),
        ["linear/bias"] = t => MatMulOp.Linear(t[0], t[1], t[2]),
    };

    /// <summary>The fixture families (one .npz each).</summary>
    private static IEnumerable<string> Families => Ops.Keys.Select(k => k[..k.IndexOf('/')]).Distinct();

    /// <summary>Backend x family x case, for every case of every fixture file.</summary>
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var backend in SimulatorFixture.BackendNames)
            foreach (var family in Families)
                foreach (var caseName in TorchFixture.Load(family).Cases)
                    data.Add(backend, family, caseName);
        return data;
    }

    [Fact]
    public void EveryOpHasAFixtureCaseAndEveryCaseAnOp()
    {
        var fixtureCases = Families.SelectMany(f => TorchFixture.Load(f).Cases.Select(c => $"{f}/{c}")).Order();
        Assert.Equal(Ops.Keys.Order(), fixtureCases);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string backendName, string family, string caseName)
    {
        var backend = fixture.Get(backendName);
        var file = TorchFixture.Load(family);
        var op = Ops[$"{family}/{caseName}"];
        using var scope = new TensorScope();
        var inputs = Enumerable.Range(0, file.InputCount(caseName)).Select(i => Load(backend, file, caseName, $"in{i}")).ToArray();
        foreach (var input in inputs) input.RequiresGrad = true;
        var r = Load(backend, file, caseName, "r");
        var failures = new List<string>();
        double[] tolerances = Tolerances(file.Get(caseName, "f32err").Data);

        var output = op(inputs);
        Compare(file, caseName, "out", output, tolerances[0], failures);
        var grads = Autograd.Grad([output], inputs, [r]);
        for (int i = 0; i < inputs.Length; i++) Compare(file, caseName, $"grad{i}", grads[i], tolerances[1], failures);

        var inner = ReduceOp.Sum(ElementwiseOp.Softplus(op(inputs)) * r);
        var g = Autograd.Grad([inner], [inputs[0]], createGraph: true)[0];
        var grads2 = Autograd.Grad([ReduceOp.Sum(ElementwiseOp.Square(g))], inputs);
        for (int i = 0; i < inputs.Length; i++) Compare(file, caseName, $"grad2_{i}", grads2[i], tolerances[2], failures);

        Assert.True(failures.Count == 0, $"{family}/{caseName} on {backendName}:\n" + string.Join("\n", failures));
    }

    // Forward, first and second order: the fixed budget or the case's conditioning, whichever is larger.
    private static double[] Tolerances(float[] torchFloat32Error) =>
        [.. new[] { ForwardTolerance, FirstOrderTolerance, SecondOrderTolerance }.Select((t, i) => Math.Max(t, ConditioningFactor * torchFloat32Error[i]))];

    // E's style statistics: [mean; std] with no eps, [N, C, H, W] -> [N, 2C].
    private static Tensor StyleStatistics(Tensor[] t)
    {
        var (mean, std) = InstanceNormOp.Statistics(t[0]);
        return ShapeOp.Concat([mean, std], 1);
    }

    private static Tensor Load(Backends.Backend backend, TorchFixture file, string caseName, string what)
    {
        var (shape, data) = file.Get(caseName, what);
        return Tensor.FromArray(backend, data, shape);
    }

    private static void Compare(TorchFixture file, string caseName, string what, Tensor actual, double tolerance, List<string> failures)
    {
        var (shape, expected) = file.Get(caseName, what);
        if (!shape.SequenceEqual(actual.Shape.ToArray()))
        {
            failures.Add($"{what}: shape {actual.Shape}, torch [{string.Join(", ", shape)}]");
            return;
        }
        float[] ours = actual.ToArray();
        double scale = expected.Max(v => Math.Abs((double)v));
        int worst = 0;
        for (int i = 1; i < ours.Length; i++)
            if (!(Math.Abs(ours[i] - expected[i]) <= Math.Abs(ours[worst] - expected[worst]))) worst = i;
        double error = Math.Abs(ours[worst] - (double)expected[worst]) / scale;
        if (!(error <= tolerance))
            failures.Add($"{what}: max |ours - torch| / max |torch| = {error:E2} > {tolerance:E1} at element {worst} " +
                         $"(ours {ours[worst]:G9}, torch {expected[worst]:G9}, scale {scale:G4})");
    }
}
