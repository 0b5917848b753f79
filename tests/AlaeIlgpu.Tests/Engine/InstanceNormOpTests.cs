using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// InstanceNormOp's statistics and normalisation against the naive reference on cpu and ilgpu-cpu, with E's and G's
/// epsilons; the fused first-order backward against the reference Jacobian and against the recorded (createGraph)
/// backward. Finite differences and second order are in GradCases.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class InstanceNormOpTests(SimulatorFixture fixture)
{
    /// <summary>
    /// Plane sums of at most 64 float32 values of order 1, a division and a square root: a few ulps of the plane
    /// length times the values' magnitude.
    /// </summary>
    private const double Atol = 2e-5;

    /// <summary>Relative part of the same roundings.</summary>
    private const double Rtol = 1e-5;

    /// <summary>Backend x epsilon (0: E's style statistic, 1e-5: E's norm, 1e-8: G's norm) x shape (an odd plane, an 8x8 one).</summary>
    public static TheoryData<string, float, int[]> Cases()
    {
        var data = new TheoryData<string, float, int[]>();
        foreach (var backend in SimulatorFixture.BackendNames)
            foreach (float eps in new[] { 0f, 1e-5f, 1e-8f })
            {
                data.Add(backend, eps, [2, 3, 5, 3]);
                data.Add(backend, eps, [1, 2, 8, 8]);
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StatisticsNormAndGradientMatchReference(string backendName, float epsilon, int[] shape)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(backend, 1, shape, 2f) + 0.5f;
        x.RequiresGrad = true;
        float[] xd = x.ToArray();
        int plane = shape[2] * shape[3];
        string what = $"on {backendName}, eps {epsilon}, x {x.Shape}";

        var (mean, std) = InstanceNormOp.Statistics(x, epsilon);
        var (refMean, refStd) = NaiveInstanceNorm.Statistics(xd, plane, epsilon);
        Assert.Equal([shape[0], shape[1]], mean.Shape.ToArray());
        TestData.AssertClose(Doubles(refMean), mean.ToArray(), Atol, Rtol, "mean " + what);
        TestData.AssertClose(Doubles(refStd), std.ToArray(), Atol, Rtol, "std " + what);

        var y = InstanceNormOp.InstanceNorm(x, epsilon);
        TestData.AssertClose(Doubles(NaiveInstanceNorm.Forward(xd, plane, epsilon)), y.ToArray(), Atol, Rtol, "norm " + what);
        var dy = TestData.NormalTensor(backend, 2, shape);
        var dx = Autograd.Grad([y], [x], [dy])[0];
        TestData.AssertClose(Doubles(NaiveInstanceNorm.Backward(xd, dy.ToArray(), plane, epsilon)), dx.ToArray(), Atol, Rtol, "norm gradient " + what);
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void RecordedBackwardEqualsFusedBackward(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(backend, 1, [2, 3, 4, 5]);
        x.RequiresGrad = true;
        var y = InstanceNormOp.InstanceNorm(x, 1e-5f);
        var dy = TestData.NormalTensor(backend, 2, [2, 3, 4, 5]);
        var fused = Autograd.Grad([y], [x], [dy])[0];
        var recorded = Autograd.Grad([y], [x], [dy], createGraph: true)[0];
        Assert.True(recorded.RequiresGrad, "the createGraph gradient is on the tape");
        TestData.AssertClose(TestData.Ref(fused), recorded, Atol, Rtol, $"recorded against fused backward on {backendName}");
    }

    [Fact]
    public void BadInputNamesTheShape()
    {
        using var scope = new TensorScope();
        var cpu = CpuBackend.Instance;
        var e = Assert.Throws<ArgumentException>(() => InstanceNormOp.InstanceNorm(Tensor.Zeros(cpu, 2, 3, 4), 1e-5f));
        Assert.Contains("[2, 3, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => InstanceNormOp.Statistics(Tensor.Zeros(cpu, 2, 3, 4, 4), -1f));
        Assert.Contains("[2, 3, 4, 4]", e.Message);
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();
}
