using System.Numerics;
using System.Runtime.Intrinsics;
using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Kernels.Gpu;
using AlaeIlgpu.Tests.Reference;
using ILGPU.Runtime.CPU;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>
/// GEMM: <see cref="CpuGemm"/>, <see cref="GemmLauncher"/> and the naive baseline (<see cref="NaiveGpuLauncher"/>;
/// both on ILGPU's CPU simulator) against a naive double-accumulation reference, for every transpose combination, with
/// and without accumulation.
/// </summary>
public sealed class GemmKernelTests(GemmKernelTests.Simulator simulator, GemmKernelTests.GpuGroupSimulator gpuGroups)
    : IClassFixture<GemmKernelTests.Simulator>, IClassFixture<GemmKernelTests.GpuGroupSimulator>
{
    /// <summary>
    /// Relative part of the tolerance: float32 has a 2^-24 (6e-8) unit roundoff; 1e-5 leaves room for rounding the
    /// products and the final sum in any order.
    /// </summary>
    private const double RelativeTolerance = 1e-5;

    /// <summary>
    /// Absolute tolerance per term of K. Inputs are uniform in [-1, 1]; each of the K float32 additions rounds a
    /// partial sum of magnitude about sqrt(K)/3 by up to 6e-8 of it, so the summed error stays below 1e-6 per
    /// term for any summation order (blocked, FMA, tiled), while a dropped or doubled product (about 0.25 on
    /// average) is far above it.
    /// </summary>
    private const double AbsoluteTolerancePerTerm = 1e-6;

    /// <summary>The default test simulator (2 x 2 thread groups for the tiled kernel) with its GEMM launcher.</summary>
    public class Simulator : IlgpuTestAccelerator
    {
        public Simulator() => (Launcher, Naive) = (new GemmLauncher(Accelerator), new NaiveGpuLauncher(Accelerator));

        protected Simulator(CPUDevice device)
            : base(device) => (Launcher, Naive) = (new GemmLauncher(Accelerator), new NaiveGpuLauncher(Accelerator));

        public GemmLauncher Launcher { get; }

        public NaiveGpuLauncher Naive { get; }
    }

    /// <summary>A simulator whose groups hold 256 threads, so the tiled kernel runs 16 x 16 groups as on a GPU.</summary>
    public sealed class GpuGroupSimulator : Simulator
    {
        public GpuGroupSimulator()
            : base(new CPUDevice(numThreadsPerWarp: 16, numWarpsPerMultiprocessor: 16, numMultiprocessors: 1))
        {
        }
    }

    /// <summary>Odd shapes (m, n, k): size-1 and size-0 dimensions, and sizes that are no multiple of any tile.</summary>
    private static readonly (int M, int N, int K)[] OddShapes =
    [
        (1, 1, 1), (1, 37, 1), (1, 1, 300), (5, 1, 9), (1, 17, 33), (40, 30, 1), (3, 4, 0),
        (7, 13, 5), (33, 65, 17), (127, 129, 131),
    ];

    /// <summary>
    /// The MLP ALAE's layer at batch 128 (784 in, 1024 out): forward <c>X W</c>, weight gradient <c>X^T dY</c>
    /// (784 x 1024 x 128) and input gradient <c>dY W^T</c> (128 x 784 x 1024).
    /// </summary>
    private static readonly (int M, int N, int K, bool TransA, bool TransB)[] MlpShapes =
    [
        (128, 1024, 784, false, false), (784, 1024, 128, true, false), (128, 784, 1024, false, true),
    ];

    public static TheoryData<int, int, int, bool, bool, bool> OddCases()
    {
        var data = new TheoryData<int, int, int, bool, bool, bool>();
        foreach (var (m, n, k) in OddShapes)
        {
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    data.Add(m, n, k, transA, transB, false);
                    data.Add(m, n, k, transA, transB, true);
                }
            }
        }
        return data;
    }

    public static TheoryData<int, int, int, bool, bool, bool> MlpCases()
    {
        var data = new TheoryData<int, int, int, bool, bool, bool>();
        foreach (var (m, n, k, transA, transB) in MlpShapes)
        {
            data.Add(m, n, k, transA, transB, false);
            data.Add(m, n, k, transA, transB, true);
        }
        foreach (bool transA in new[] { false, true })
        {
            data.Add(128, 1024, 784, transA, !transA, false);   // the two remaining transpose combinations
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(OddCases))]
    [MemberData(nameof(MlpCases))]
    public void CpuMatchesReference(int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        var problem = new Problem(m, n, k, transA, transB, accumulate);
        float[] c = problem.InitialC();

        CpuGemm.Multiply(problem.A, problem.B, c, m, n, k, transA, transB, accumulate);

        problem.AssertClose(c);
    }

    /// <summary>
    /// Both lane widths of the shared micro-kernel (<see cref="Lanes512"/> runs, emulated, where AVX-512 is missing),
    /// including a depth of three blocks with edges in every direction, and more rows than one tile takes (op(B) is
    /// then packed whole up front instead of per tile).
    /// </summary>
    [Theory]
    [MemberData(nameof(OddCases))]
    [InlineData(37, 53, 700, false, true, true)]
    [InlineData(37, 53, 700, true, false, false)]
    [InlineData(401, 53, 300, false, false, true)]
    [InlineData(401, 53, 300, true, true, false)]
    public void CpuMatchesReferenceAtEitherLaneWidth(int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        var problem = new Problem(m, n, k, transA, transB, accumulate);
        float[] wide = problem.InitialC(), narrow = problem.InitialC();

        CpuGemm.Multiply<Lanes512, Vector512<float>>(problem.A, problem.B, wide, m, n, k, transA, transB, CpuEpilogue.Plain(accumulate));
        CpuGemm.Multiply<LanesVectorT, Vector<float>>(problem.A, problem.B, narrow, m, n, k, transA, transB, CpuEpilogue.Plain(accumulate));

        problem.AssertClose(wide);
        problem.AssertClose(narrow);
    }

    [Theory]
    [MemberData(nameof(OddCases))]
    public void NaiveKernelMatchesReference(int m, int n, int k, bool transA, bool transB, bool accumulate) =>
        AssertMatches(new Problem(m, n, k, transA, transB, accumulate), naive: true);

    [Theory]
    [MemberData(nameof(OddCases))]
    public void TiledKernelMatchesReference(int m, int n, int k, bool transA, bool transB, bool accumulate) =>
        AssertMatches(new Problem(m, n, k, transA, transB, accumulate), naive: false);

    /// <summary>The MLP forward shape once on the simulator (it takes seconds there: one case only).</summary>
    [Fact]
    public void TiledKernelMatchesReferenceOnMlpForwardShape() =>
        AssertMatches(new Problem(128, 1024, 784, false, false, false), naive: false);

    /// <summary>
    /// The tiled kernel with the GPU's 16 x 16 groups (64 x 64 tiles, 256 OS threads on the simulator, so a small
    /// problem only): two tiles down, three across and two depth steps, each with an edge.
    /// </summary>
    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, false)]
    [InlineData(true, true, true)]
    public void TiledKernelWithGpuSizedGroupsMatchesReference(bool transA, bool transB, bool accumulate) =>
        AssertMatches(new Problem(70, 130, 40, transA, transB, accumulate), naive: false, gpuGroups);

    /// <summary>
    /// 8 x 8 register tiles with the GPU's 16 x 16 groups (128 x 128 blocks): a block and an edge block down, two across,
    /// three stages of 16 with a partial last one.
    /// </summary>
    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, true, true)]
    public void EightByEightRegisterTilesWithGpuSizedGroupsMatchReference(bool transA, bool transB, bool accumulate)
    {
        using (TileShape.Force(new TileShape(16, 16, RegisterSide: 8)))
        {
            AssertMatches(new Problem(140, 250, 40, transA, transB, accumulate), naive: false, gpuGroups);
        }
    }

    [Fact]
    public void CpuIsDeterministicAcrossCalls()
    {
        var problem = new Problem(127, 129, 131, false, true, false);
        float[] first = new float[127 * 129], second = new float[127 * 129];

        CpuGemm.Multiply(problem.A, problem.B, first, 127, 129, 131, false, true, false);
        CpuGemm.Multiply(problem.A, problem.B, second, 127, 129, 131, false, true, false);

        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(14, 20, 20, "A needs 15 elements but has 14")]
    [InlineData(15, 19, 20, "B needs 20 elements but has 19")]
    [InlineData(15, 20, 11, "C needs 12 elements but has 11")]
    public void CpuRejectsShortSpansNamingTheShapes(int aLength, int bLength, int cLength, string detail)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            CpuGemm.Multiply(new float[aLength], new float[bLength], new float[cLength], 3, 4, 5, true, false, false));

        Assert.Contains("m=3, n=4, k=5: A [5, 3], B [5, 4], C [3, 4]", error.Message);
        Assert.Contains(detail, error.Message);
    }

    [Fact]
    public void CpuRejectsNegativeDimensions()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            CpuGemm.Multiply(new float[4], new float[4], new float[4], 2, -1, 2, false, false, false));

        Assert.Contains("n=-1", error.Message);
    }

    [Fact]
    public void LauncherRejectsShortViewsNamingTheShapes()
    {
        using var a = simulator.Accelerator.Allocate1D<float>(15);
        using var b = simulator.Accelerator.Allocate1D<float>(19);
        using var c = simulator.Accelerator.Allocate1D<float>(12);

        var error = Assert.Throws<ArgumentException>(() =>
            simulator.Launcher.Multiply(a.View, b.View, c.View, 3, 4, 5, false, true, false));

        Assert.Contains("m=3, n=4, k=5: A [3, 5], B [4, 5], C [3, 4]", error.Message);
        Assert.Contains("B needs 20 elements but has 19", error.Message);
    }

    // The production (tiled) launcher or the tests' naive baseline against the double reference.
    private void AssertMatches(Problem problem, bool naive, Simulator? on = null)
    {
        Simulator target = on ?? simulator;
        using var a = target.Upload(problem.A);
        using var b = target.Upload(problem.B);
        using var c = target.Upload(problem.InitialC());

        if (naive)
            target.Naive.Multiply(a.View, b.View, c.View, problem.M, problem.N, problem.K, problem.TransA, problem.TransB, problem.Accumulate);
        else
            target.Launcher.Multiply(a.View, b.View, c.View, problem.M, problem.N, problem.K, problem.TransA, problem.TransB, problem.Accumulate);

        problem.AssertClose(target.Download(c));
    }

    /// <summary>Seeded random operands of one GEMM, with the double-accumulation reference result.</summary>
    private sealed class Problem
    {
        public Problem(int m, int n, int k, bool transA, bool transB, bool accumulate)
        {
            (M, N, K, TransA, TransB, Accumulate) = (m, n, k, transA, transB, accumulate);
            var random = new Random(((m * 31 + n) * 31 + k) * 8 + (transA ? 4 : 0) + (transB ? 2 : 0) + (accumulate ? 1 : 0));
            A = RandomValues(random, m * k);
            B = RandomValues(random, k * n);
            _initialC = RandomValues(random, m * n);
        }

        public int M { get; }
        public int N { get; }
        public int K { get; }
        public bool TransA { get; }
        public bool TransB { get; }
        public bool Accumulate { get; }
        public float[] A { get; }   // [M, K], or [K, M] when TransA
        public float[] B { get; }   // [K, N], or [N, K] when TransB

        private readonly float[] _initialC;   // [M, N]

        /// <summary>C before the call: random, so that a kernel that ignores <c>accumulate</c> fails.</summary>
        public float[] InitialC() => (float[])_initialC.Clone();

        public void AssertClose(float[] actual)
        {
            Assert.Equal(M * N, actual.Length);
            double atol = AbsoluteTolerancePerTerm * K;
            for (int i = 0; i < M; i++)
            {
                for (int j = 0; j < N; j++)
                {
                    double expected = Reference(i, j);
                    double error = Math.Abs(actual[i * N + j] - expected);
                    if (!(error <= atol + RelativeTolerance * Math.Abs(expected)))
                    {
                        Assert.Fail($"C[{i}, {j}] = {actual[i * N + j]}, expected {expected} (error {error:E2}, " +
                                    $"m={M} n={N} k={K} transA={TransA} transB={TransB} accumulate={Accumulate})");
                    }
                }
            }
        }

        /// <summary>Naive reference in double: <c>sum_p op(A)[i, p] op(B)[p, j]</c>, plus the initial C when accumulating.</summary>
        private double Reference(int i, int j)
        {
            double sum = Accumulate ? _initialC[i * N + j] : 0.0;
            for (int p = 0; p < K; p++)
            {
                double a = TransA ? A[p * M + i] : A[i * K + p];
                double b = TransB ? B[j * K + p] : B[p * N + j];
                sum += a * b;
            }
            return sum;
        }

        private static float[] RandomValues(Random random, int count)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = random.NextSingle() * 2f - 1f;
            }
            return values;
        }
    }
}
