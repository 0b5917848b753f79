using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Gpu;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>
/// The shared tiled product kernel (<see cref="TiledProductKernel"/>) beyond what the GEMM and convolution tests
/// cover through their launchers: every compiled stage depth and register tile forced on shapes that end mid-stage, the fused epilogue (bias
/// along either axis, scale, leaky ReLU) in one launch, and the tile-shape table.
/// </summary>
public sealed class TiledProductTests(IlgpuTestAccelerator simulator) : IClassFixture<IlgpuTestAccelerator>
{
    /// <summary>
    /// Inputs are uniform in [-1, 1] and k is at most 70: float32 sums of that many products stay within 1e-5 of the
    /// double reference (70 roundings of partial sums below 10 at 6e-8 each), while a dropped product (about 0.25 on
    /// average) or a bias added twice is far above it.
    /// </summary>
    private const double Tolerance = 1e-5;

    private const float NegativeSlope = 0.2f;

    private readonly GemmLauncher _gemm = new(simulator.Accelerator);

    [Theory]
    [InlineData(16, 4, 9, 11, 40, false, false)]
    [InlineData(32, 4, 9, 11, 40, true, false)]
    [InlineData(16, 4, 5, 13, 70, false, true)]
    [InlineData(32, 4, 5, 13, 70, true, true)]
    [InlineData(32, 4, 3, 2, 0, false, false)]
    [InlineData(16, 8, 9, 19, 40, false, false)]
    [InlineData(16, 8, 21, 13, 70, true, true)]
    [InlineData(16, 8, 3, 2, 0, false, true)]
    public void ForcedDepthAndRegisterTileMatchReference(int depth, int registerSide, int m, int n, int k, bool transA, bool transB)
    {
        var (a, b) = (Values(m * k, 1), Values(k * n, 2));
        float[] c = Run(a, b, m, n, k, transA, transB, bias: [], BiasAxis.None, scale: 1f, slope: 1f, new TileShape(2, depth, registerSide));

        AssertClose(Reference(a, b, m, n, k, transA, transB, bias: [], BiasAxis.None, scale: 1f, slope: 1f), c);
    }

    [Theory]
    [InlineData(BiasAxis.Columns, 0.5f, 4)]
    [InlineData(BiasAxis.Rows, 2f, 4)]
    [InlineData(BiasAxis.None, 1.5f, 4)]
    [InlineData(BiasAxis.Columns, 0.5f, 8)]
    [InlineData(BiasAxis.Rows, 2f, 8)]
    public void FusedEpilogueAppliesBiasScaleAndLeakyRelu(BiasAxis axis, float scale, int registerSide)
    {
        const int m = 7, n = 10, k = 19;
        var (a, b) = (Values(m * k, 3), Values(k * n, 4));
        float[] bias = Values(axis == BiasAxis.Rows ? m : n, 5);
        float[] c = Run(a, b, m, n, k, transA: false, transB: true, bias, axis, scale, NegativeSlope, new TileShape(2, 16, registerSide));

        float[] expected = Reference(a, b, m, n, k, transA: false, transB: true, bias, axis, scale, NegativeSlope);
        Assert.Contains(expected, v => v < 0);   // the activation has something to do
        AssertClose(expected, c);
    }

    [Fact]
    public void Conv2dForwardFusedAppliesBiasAndLeakyRelu()
    {
        var g = Conv2dGeometry.Create(2, 3, 5, 6, 4, 3, 3, 1, 1);
        float[] x = Values(g.InputLength, 6), w = Values(g.WeightLength, 7), bias = Values(g.OutChannels, 8);
        var launcher = new Conv2dLauncher(simulator.Accelerator);
        using var xb = simulator.Upload(x);
        using var wb = simulator.Upload(w);
        using var bb = simulator.Upload(bias);
        using var yb = simulator.Accelerator.Allocate1D<float>(g.OutputLength);

        launcher.ForwardFused(xb.View, wb.View, yb.View, g, ProductEpilogue.Fused(bb.View, BiasAxis.Rows, 1f, NegativeSlope));

        float[] expected = NaiveConv.Forward(x, w, bias, g).Select(v => v >= 0 ? v : v * NegativeSlope).ToArray();
        AssertClose(expected, simulator.Download(yb));
    }

    [Theory]
    [InlineData(1024, 1024, 1024, 1024, 132, 16, 32)]   // a large GEMM fills an H200's 132 multiprocessors with 64 x 64 blocks
    [InlineData(128, 1024, 784, 1024, 132, 8, 32)]      // the MLP layer: 32 blocks of 64 would idle most of them
    [InlineData(64, 4096, 27, 1024, 132, 8, 16)]        // a short reduction (a 3x3 conv over 3 channels)
    [InlineData(70, 130, 40, 256, 1, 16, 16)]
    [InlineData(128, 1024, 784, 4, 1, 2, 32)]           // the default test simulator: 2 x 2 groups
    public void ShapeTablePicksGroupAndDepth(int rows, int columns, int depth, int maxThreads, int multiprocessors,
        int expectedSide, int expectedDepth) =>
        Assert.Equal(new TileShape(expectedSide, expectedDepth), TileShape.Pick(rows, columns, depth, maxThreads, multiprocessors));

    [Theory]
    [InlineData(1024, new[] { 16, 8, 4 })]
    [InlineData(64, new[] { 8, 4 })]
    [InlineData(4, new[] { 2 })]   // the default test simulator: only its own 2 x 2 groups
    public void CandidatesAreEveryAllowedSideWithEveryCompiledVariant(int maxThreads, int[] sides) =>
        Assert.Equal(sides.SelectMany(side => new[] { new TileShape(side, 16), new TileShape(side, 32), new TileShape(side, 16, 8) }),
                     TileShape.Candidates(maxThreads));

    /// <summary>CUDA refuses a kernel that allocates more than 48 KB of shared memory statically.</summary>
    [Fact]
    public void EveryCompiledVariantFitsTheStaticSharedMemoryLimit()
    {
        const int StaticSharedBytes = 48 * 1024;
        Assert.Equal([(16, 4), (32, 4), (16, 8)], TileShape.Compiled);
        Assert.True(TiledProductKernel.SharedFloats<TileDepth16, RegisterTile4>() * sizeof(float) <= StaticSharedBytes);
        Assert.True(TiledProductKernel.SharedFloats<TileDepth32, RegisterTile4>() * sizeof(float) <= StaticSharedBytes);
        Assert.True(TiledProductKernel.SharedFloats<TileDepth16, RegisterTile8>() * sizeof(float) <= StaticSharedBytes);
        Assert.True(TiledProductKernel.SharedFloats<TileDepth32, RegisterTile8>() * sizeof(float) > StaticSharedBytes);   // why it is not compiled
    }

    [Fact]
    public void EachVariantsNumbersAreThoseOfItsTypes()
    {
        Assert.All(TiledProductKernel.Variants, v =>
        {
            Assert.Equal(v.Depth, v.DepthType.GetProperty(nameof(ITileDepth.Value))!.GetValue(null));
            Assert.Equal(v.RegisterSide, v.TileType.GetProperty(nameof(RegisterTile4.Side))!.GetValue(null));
        });
    }

    [Fact]
    public void LaunchRejectsAVariantThatIsNotCompiled()
    {
        using var buffer = simulator.Accelerator.Allocate1D<float>(4);
        var error = Assert.Throws<ArgumentException>(() => _gemm.MultiplyFused(buffer.View, buffer.View, buffer.View, 2, 2, 2,
            false, false, ProductEpilogue.Plain(buffer.View), new TileShape(2, 32, 8)));

        Assert.Contains("stage depth 32 with 8 x 8 register tiles is not compiled", error.Message);
    }

    [Fact]
    public void ForcedShapeHoldsUntilItsScopeEndsAndScopesNest()
    {
        var launcher = new TiledProductLauncher<GemmProduct>(simulator.Accelerator);
        using var buffer = simulator.Accelerator.Allocate1D<float>(4);
        var product = new GemmProduct(new GemmParams(128, 1024, 784, false, false, false), buffer.View, buffer.View);
        var picked = launcher.PickShape(product);
        using (TileShape.Force(new TileShape(2, 16)))
        {
            Assert.Equal(new TileShape(2, 16), launcher.PickShape(product));
            using (TileShape.Force(new TileShape(1, 32))) Assert.Equal(new TileShape(1, 32), launcher.PickShape(product));
            Assert.Equal(new TileShape(2, 16), launcher.PickShape(product));
        }
        Assert.Equal(picked, launcher.PickShape(product));
    }

    /// <summary>
    /// Operands stored k-fastest with a depth that is a multiple of 4 are staged by 128-bit loads when they start on a
    /// 16-byte boundary, and float by float when a view starts one float into its buffer; both give the reference.
    /// </summary>
    [Theory]
    [InlineData(16, 40, false, false, 0, 4)]
    [InlineData(32, 64, false, true, 0, 4)]
    [InlineData(16, 40, true, true, 0, 4)]
    [InlineData(32, 64, false, true, 1, 4)]
    [InlineData(16, 42, false, true, 0, 4)]
    [InlineData(16, 40, false, true, 0, 8)]
    [InlineData(16, 40, false, true, 1, 8)]
    public void QuadStagingMatchesReferenceWhereAlignedAndFallsBackWhereNot(int depth, int k, bool transA, bool transB, int offset,
        int registerSide)
    {
        const int m = 9, n = 11;
        var (a, b) = (Values(m * k, 3), Values(k * n, 4));
        using var ab = simulator.Upload([.. new float[offset], .. a]);
        using var bb = simulator.Upload([.. new float[offset], .. b]);
        using var cb = simulator.Accelerator.Allocate1D<float>(m * n);
        var (aView, bView) = (ab.View.SubView(offset, a.Length), bb.View.SubView(offset, b.Length));

        var product = new GemmProduct(new GemmParams(m, n, k, transA, transB, false), aView, bView);
        Assert.Equal(!transA && k % 4 == 0 && offset == 0, product.AQuads);
        Assert.Equal(transB && k % 4 == 0 && offset == 0, product.BQuads);
        _gemm.MultiplyFused(aView, bView, cb.View, m, n, k, transA, transB, ProductEpilogue.Plain(cb.View), new TileShape(2, depth, registerSide));

        AssertClose(Reference(a, b, m, n, k, transA, transB, bias: [], BiasAxis.None, scale: 1f, slope: 1f), simulator.Download(cb));
    }

    [Fact]
    public void LaunchRejectsAGroupTheAcceleratorCannotRun()
    {
        using var buffer = simulator.Accelerator.Allocate1D<float>(4);
        var error = Assert.Throws<ArgumentException>(() => _gemm.MultiplyFused(buffer.View, buffer.View, buffer.View, 2, 2, 2,
            false, false, ProductEpilogue.Plain(buffer.View), new TileShape(16, 16)));

        Assert.Contains("group side 16", error.Message);
    }

    private float[] Run(float[] a, float[] b, int m, int n, int k, bool transA, bool transB, float[] bias, BiasAxis axis,
        float scale, float slope, TileShape shape)
    {
        using var ab = simulator.Upload(a);
        using var bb = simulator.Upload(b);
        using var biasBuffer = simulator.Upload(bias);
        using var cb = simulator.Accelerator.Allocate1D<float>(m * n);
        _gemm.MultiplyFused(ab.View, bb.View, cb.View, m, n, k, transA, transB,
            ProductEpilogue.Fused(biasBuffer.View, axis, scale, slope), shape);
        return simulator.Download(cb);
    }

    private static float[] Reference(float[] a, float[] b, int m, int n, int k, bool transA, bool transB, float[] bias,
        BiasAxis axis, float scale, float slope)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)(transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                }

                double v = scale * sum + axis switch { BiasAxis.Rows => bias[i], BiasAxis.Columns => bias[j], _ => 0 };
                c[i * n + j] = (float)(v >= 0 ? v : v * slope);
            }
        }

        return c;
    }

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"element {i}: {actual[i]}, expected {expected[i]}");
        }
    }
}
