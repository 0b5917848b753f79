using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>matmul with every transpose combination and linear, against the naive references on cpu and ilgpu-cpu.</summary>
[Collection(SimulatorCollection.Name)]
public class MatMulOpTests(SimulatorFixture fixture)
{
    /// <summary>
    /// k products of N(0, 1) values accumulated in float32: the error of a dot product is below k eps |terms| and
    /// typically sqrt(k) times less; 1e-6 k (7.8e-4 at k = 784, against partial sums of ~28) bounds it for any
    /// summation order a GEMM kernel may use.
    /// </summary>
    private const double GemmAtolPerK = 1e-6;

    /// <summary>Relative part: a handful of roundings per output beyond the accumulation.</summary>
    private const double GemmRtol = 1e-5;

    private static readonly (int M, int K, int N)[] SmallSizes =
    [
        (5, 7, 3),
        (1, 1, 1),
        (1, 9, 4),   // one sample
        (6, 1, 5),   // rank-1 update
        (4, 13, 1),  // one logit (discriminator head)
        (17, 33, 19),
    ];

    /// <summary>Backend x size x transA x transB.</summary>
    public static TheoryData<string, int, int, int, bool, bool> Cases()
    {
        var data = new TheoryData<string, int, int, int, bool, bool>();
        foreach (var backend in SimulatorFixture.BackendNames)
            foreach (var (m, k, n) in SmallSizes)
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        data.Add(backend, m, k, n, ta, tb);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMulMatchesReference(string backendName, int m, int k, int n, bool transA, bool transB)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        CheckMatMul(backend, m, k, n, transA, transB);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void RealisticMatMulMatchesReferenceOnCpu(bool transA, bool transB)
    {
        using var scope = new TensorScope();
        CheckMatMul(fixture.Get("cpu"), 128, 784, 1024, transA, transB);
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void LinearMatchesReference(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        foreach (var (batch, input, output) in new[] { (5, 7, 3), (1, 1, 1), (9, 16, 1) })
        {
            var x = TestData.NormalTensor(backend, 1, [batch, input]);
            var w = TestData.NormalTensor(backend, 2, [output, input]);
            var b = TestData.NormalTensor(backend, 3, [output]);
            double atol = GemmAtolPerK * input + 1e-6;
            TestData.AssertClose(NaiveOps.Linear(TestData.Ref(x), TestData.Ref(w), TestData.Ref(b)), MatMulOp.Linear(x, w, b),
                atol, GemmRtol, $"linear on {backendName} {x.Shape} x {w.Shape} + {b.Shape}");
            TestData.AssertClose(NaiveOps.Linear(TestData.Ref(x), TestData.Ref(w), null), MatMulOp.Linear(x, w),
                atol, GemmRtol, $"linear without bias on {backendName} {x.Shape} x {w.Shape}");
        }
    }

    [Fact]
    public void RealisticLinearMatchesReferenceOnCpu()
    {
        using var scope = new TensorScope();
        var cpu = fixture.Get("cpu");
        var x = TestData.NormalTensor(cpu, 1, [128, 784]);
        var w = TestData.NormalTensor(cpu, 2, [1024, 784], 0.05f);
        var b = TestData.NormalTensor(cpu, 3, [1024]);
        TestData.AssertClose(NaiveOps.Linear(TestData.Ref(x), TestData.Ref(w), TestData.Ref(b)), MatMulOp.Linear(x, w, b),
            GemmAtolPerK * 784, GemmRtol, "linear [128, 784] x [1024, 784]^T + [1024]");
    }

    /// <summary>
    /// The dense layer with its bias and leaky ReLU fused into the GEMM gives the separate matmul, add and leaky ReLU's
    /// output and gradients bit for bit: the same sums, the same operators, and the backward's mask read from the output's
    /// sign, which a slope of at least 0 keeps equal to the input's.
    /// </summary>
    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void FusedLinearEqualsSeparateOpsBitForBit(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        foreach (bool withBias in new[] { true, false })
        {
            var x = TestData.NormalTensor(backend, 1, [9, 23]);
            var w = TestData.NormalTensor(backend, 2, [17, 23]);
            var b = TestData.NormalTensor(backend, 3, [17]);
            var r = TestData.NormalTensor(backend, 4, [9, 17]);
            Tensor[] inputs = withBias ? [x, w, b] : [x, w];
            foreach (var t in inputs) t.RequiresGrad = true;
            var fused = MatMulOp.Linear(x, w, withBias ? b : null, 0.2f);
            var pre = MatMulOp.MatMul(x, w, transB: true);
            var separate = ElementwiseOp.LeakyRelu(withBias ? pre + b : pre, 0.2f);
            Assert.Equal(separate.ToArray(), fused.ToArray());
            var fusedGrads = Autodiff.Autograd.Grad([ReduceOp.Sum(fused * r)], inputs);
            var separateGrads = Autodiff.Autograd.Grad([ReduceOp.Sum(separate * r)], inputs);
            for (int i = 0; i < inputs.Length; i++)
                Assert.Equal(separateGrads[i].ToArray(), fusedGrads[i].ToArray());
        }
    }

    [Fact]
    public void FusedLinearRefusesANegativeSlope()
    {
        var cpu = fixture.Get("cpu");
        Assert.Throws<ArgumentOutOfRangeException>(() => MatMulOp.Linear(Tensor.Zeros(cpu, 2, 3), Tensor.Zeros(cpu, 4, 3), null, -0.5f));
    }

    /// <summary>The one run of realistic shapes on the simulator: an MLP layer 128x784 @ 784x1024, its bias add, activation and bias-gradient sum.</summary>
    [Fact]
    public void RealisticShapesOnSimulator()
    {
        using var scope = new TensorScope();
        var sim = fixture.Get("ilgpu-cpu");
        var x = TestData.NormalTensor(sim, 1, [128, 784]);
        var w = TestData.NormalTensor(sim, 2, [784, 1024]);
        var b = TestData.NormalTensor(sim, 3, [1024]);
        var y = MatMulOp.MatMul(x, w);
        var ry = NaiveOps.MatMul(TestData.Ref(x), TestData.Ref(w), false, false);
        TestData.AssertClose(ry, y, GemmAtolPerK * 784, GemmRtol, "matmul [128, 784] x [784, 1024] on ilgpu-cpu");

        var h = ElementwiseOp.LeakyRelu(y + b, 0.2f);
        var rh = NaiveOps.Map(NaiveOps.Binary(TestData.Ref(y), TestData.Ref(b), (p, q) => p + q), v => NaiveOps.LeakyRelu(v, 0.2f));
        TestData.AssertClose(rh, h, 1e-5, 1e-6, "leaky-relu(y + b) [128, 1024] on ilgpu-cpu");
        // Sums of 128 values of magnitude ~30: sqrt(128) * 6e-8 * 300 ~ 2e-4.
        TestData.AssertClose(NaiveOps.Sum(TestData.Ref(h), [0], false), ReduceOp.Sum(h, [0]), 1e-3, 1e-5, "sum over the batch [128, 1024] on ilgpu-cpu");
    }

    private static void CheckMatMul(Backends.Backend backend, int m, int k, int n, bool transA, bool transB)
    {
        var a = TestData.NormalTensor(backend, 1, transA ? [k, m] : [m, k]);
        var b = TestData.NormalTensor(backend, 2, transB ? [n, k] : [k, n]);
        var expected = NaiveOps.MatMul(TestData.Ref(a), TestData.Ref(b), transA, transB);
        TestData.AssertClose(expected, MatMulOp.MatMul(a, b, transA, transB), GemmAtolPerK * k + 1e-6, GemmRtol,
            $"matmul on {backend} {a.Shape}{(transA ? "^T" : "")} x {b.Shape}{(transB ? "^T" : "")}");
    }
}
