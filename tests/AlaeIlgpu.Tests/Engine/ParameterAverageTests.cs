using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// The in-place lerp behind the EMA copy against a double reference on cpu and ilgpu-cpu, its equality with the unfused
/// ops on cpu, and the SIMD Adam update against its scalar form.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class ParameterAverageTests(SimulatorFixture fixture)
{
    /// <summary>Three float32 roundings of values of order 1 (2^-24 ~ 6e-8 each) against exact double.</summary>
    private const double LerpAtol = 1e-6;

    private const float EmaWeight = 0.0385f;

    /// <summary>Backend x length: 1, odd lengths around the SIMD width, and one long enough to split over threads on cpu.</summary>
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var backend in SimulatorFixture.BackendNames)
            foreach (int n in new[] { 1, 7, 37, 1000 }) data.Add(backend, n);
        data.Add("cpu", 100_003);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LerpInPlaceMatchesReference(string backendName, int n)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var target = TestData.NormalTensor(backend, 1, [n]);
        var source = TestData.NormalTensor(backend, 2, [n]);
        var (a, b) = (target.ToArray(), source.ToArray());
        backend.LerpInPlace(target.Storage, source.Storage, EmaWeight);
        var expected = a.Select((x, i) => x + ((double)b[i] - x) * EmaWeight).ToArray();
        TestData.AssertClose(expected, target.ToArray(), LerpAtol, 0, $"lerp of {n} on {backendName}");
        Assert.Equal(b, source.ToArray());
    }

    [Fact]
    public void FusedLerpEqualsTheUnfusedOpsBitForBitOnCpu()
    {
        var cpu = fixture.Get("cpu");
        using var scope = new TensorScope();
        var target = TestData.NormalTensor(cpu, 3, [4099]);
        var source = TestData.NormalTensor(cpu, 4, [4099]);
        var unfused = ElementwiseOp.Lerp(target, source, EmaWeight).ToArray();
        cpu.LerpInPlace(target.Storage, source.Storage, EmaWeight);
        Assert.Equal(unfused, target.ToArray());
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void ParameterAverageMovesEveryTargetTowardItsSource(string backendName)
    {
        var backend = fixture.Get(backendName);
        var targets = new[] { new Parameter(TestData.NormalTensor(backend, 5, [3, 4])), new Parameter(TestData.NormalTensor(backend, 6, [5])) };
        var sources = new[] { new Parameter(TestData.NormalTensor(backend, 7, [3, 4])), new Parameter(TestData.NormalTensor(backend, 8, [5])) };
        var before = targets.Select(p => p.Value.ToArray()).ToArray();
        ParameterAverage.Lerp(targets, sources, EmaWeight);
        for (int i = 0; i < targets.Length; i++)
        {
            var s = sources[i].Value.ToArray();
            var expected = before[i].Select((x, j) => x + ((double)s[j] - x) * EmaWeight).ToArray();
            TestData.AssertClose(expected, targets[i].Value.ToArray(), LerpAtol, 0, $"EMA parameter {i} on {backendName}");
        }
    }

    [Fact]
    public void ParameterAverageRejectsMismatchedShapes()
    {
        var cpu = fixture.Get("cpu");
        var target = new[] { new Parameter(Tensor.Zeros(cpu, 3)) };
        var source = new[] { new Parameter(Tensor.Zeros(cpu, 4)) };
        var error = Assert.Throws<ArgumentException>(() => ParameterAverage.Lerp(target, source, EmaWeight));
        Assert.Contains("shape", error.Message);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.9f)]
    public void SimdAdamEqualsTheScalarFormBitForBit(float beta1)
    {
        // 20,003 elements: several SIMD blocks per thread, split over the cores, and a scalar tail.
        const int n = 20_003;
        var step = new AdamStep(beta1, 0.99f, 1e-8f, 0.003f);
        var p = TestData.Normal(11, n);
        var g = TestData.Normal(12, n);
        var m = TestData.Normal(13, n);
        var v = TestData.Uniform(14, n, 0f, 2f);
        var expected = Enumerable.Range(0, n).Select(i => step.Apply(p[i], g[i], beta1 == 0f ? 0f : m[i], v[i])).ToArray();
        CpuAdam.Update(p, g, m, v, step);
        Assert.Equal(expected.Select(e => e.P), p);
        Assert.Equal(expected.Select(e => e.V), v);
        if (beta1 != 0f) Assert.Equal(expected.Select(e => e.M), m);
    }
}
