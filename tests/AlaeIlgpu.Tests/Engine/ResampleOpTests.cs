using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// ResampleOp (blur, nearest 2x upsampling, 2x2 average pooling, general upfirdn2d) against the naive reference on cpu
/// and ilgpu-cpu, its backward against the reference adjoint, and bad shapes. Finite differences are in GradCases.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class ResampleOpTests(SimulatorFixture fixture)
{
    /// <summary>At most 16 taps of O(1) products summed in float32 in another order than the double reference: a few ulps.</summary>
    private const double Atol = 1e-6;

    /// <summary>Relative part of the same few roundings.</summary>
    private const double Rtol = 1e-6;

    /// <summary>Each named op with the geometry and filter it must apply to an [N, C, H, W] input.</summary>
    public static readonly Dictionary<string, (Func<Tensor, Tensor> Op, Func<int, int, int, ResampleGeometry> Geometry, float[] Filter)> Ops = new()
    {
        ["blur"] = (ResampleOp.Blur, (p, h, w) => ResampleGeometry.Blur(p, h, w), ResampleFilters.Blur3x3()),
        ["upsample"] = (ResampleOp.UpsampleNearest2x, ResampleGeometry.UpsampleNearest2x, ResampleFilters.Nearest2x()),
        ["average pool"] = (ResampleOp.AveragePool2x2, ResampleGeometry.AveragePool2x2, ResampleFilters.Average2x2()),
    };

    /// <summary>Backend x op x input shape (odd, size 1 where the op allows it, and an E-like shape).</summary>
    public static TheoryData<string, string, int[]> Cases()
    {
        var data = new TheoryData<string, string, int[]>();
        foreach (var backend in SimulatorFixture.BackendNames)
        {
            data.Add(backend, "blur", [2, 3, 5, 7]);
            data.Add(backend, "blur", [1, 1, 1, 1]);
            data.Add(backend, "upsample", [2, 3, 3, 5]);
            data.Add(backend, "upsample", [1, 1, 1, 1]);
            data.Add(backend, "average pool", [2, 3, 4, 6]);
            data.Add(backend, "average pool", [2, 4, 8, 8]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OpAndItsGradientMatchReference(string backendName, string op, int[] shape)
    {
        var backend = fixture.Get(backendName);
        var (apply, geometry, filter) = Ops[op];
        var g = geometry(shape[0] * shape[1], shape[2], shape[3]);
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(backend, 1, shape);
        x.RequiresGrad = true;
        var y = apply(x);
        Assert.Equal([shape[0], shape[1], g.OutHeight, g.OutWidth], y.Shape.ToArray());
        TestData.AssertClose(Doubles(NaiveResample.Apply(x.ToArray(), filter, g)), y.ToArray(), Atol, Rtol, $"{op} on {backendName}");
        var dy = TestData.NormalTensor(backend, 2, y.Shape.ToArray());
        var dx = Autograd.Grad([y], [x], [dy])[0];
        var adjoint = NaiveResample.Apply(dy.ToArray(), ResampleFilters.Flip(filter), g.Adjoint());
        TestData.AssertClose(Doubles(adjoint), dx.ToArray(), Atol, Rtol, $"{op} gradient on {backendName}");
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void GeneralResampleMatchesReference(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var g = ResampleGeometry.Create(6, 5, 4, 2, 1, 4, 4, 2, 1, 2, 1);   // StyleGAN2-style 2x upsampling FIR
        float[] filter = TestData.Normal(3, 16);
        var x = TestData.NormalTensor(backend, 1, [2, 3, 5, 4]);
        TestData.AssertClose(Doubles(NaiveResample.Apply(x.ToArray(), filter, g)), ResampleOp.Resample(x, filter, g).ToArray(), Atol, Rtol,
            $"resample on {backendName}");
    }

    [Fact]
    public void BadShapesNameTheShapes()
    {
        using var scope = new TensorScope();
        var cpu = CpuBackend.Instance;
        var e = Assert.Throws<ArgumentException>(() => ResampleOp.AveragePool2x2(Tensor.Zeros(cpu, 2, 3, 5, 4)));
        Assert.Contains("[2, 3, 5, 4]", e.Message);
        Assert.Contains("even", e.Message);
        e = Assert.Throws<ArgumentException>(() => ResampleOp.Blur(Tensor.Zeros(cpu, 3, 5, 4)));
        Assert.Contains("[3, 5, 4]", e.Message);
        var g = ResampleGeometry.Blur(6, 5, 4);
        e = Assert.Throws<ArgumentException>(() => ResampleOp.Resample(Tensor.Zeros(cpu, 2, 3, 4, 5), ResampleFilters.Blur3x3(), g));
        Assert.Contains("[2, 3, 4, 5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => ResampleOp.Resample(Tensor.Zeros(cpu, 2, 3, 5, 4), [1f, 1f], g));
        Assert.Contains("2 taps", e.Message);
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();
}
