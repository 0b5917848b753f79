using AlaeIlgpu.Benchmarks.Infrastructure;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace AlaeIlgpu.Benchmarks;

/// <summary>
/// cpu Conv2d at the deep, small-image shapes of StyleALAE's mnist config (batch 32, 256 -> 256 channels, 3x3, pad 1,
/// at 8x8 and 4x4), which dominate one training iteration at its top level of detail. The <c>Cpu*</c> methods run
/// what <see cref="CpuConv2d"/> picks for these shapes (the explicit-im2col GEMM path); the <c>Direct*</c> methods
/// force the direct path, which ran these shapes before. GFLOP/s counts the passes a method runs (the Work attribute)
/// times the shape's FLOP per pass.
/// </summary>
[Config(typeof(Conv2dSmallImagesConfig))]
public class Perf_Conv2dSmallImages
{
    private Conv2dGeometry _g;
    private float[] _x = [], _w = [], _b = [], _y = [], _dy = [], _dx = [], _dw = [];

    /// <summary>The shapes: image side 8 and 4.</summary>
    public static IEnumerable<int> Sides => [8, 4];

    /// <summary>Image side of the case.</summary>
    [ParamsSource(nameof(Sides))]
    public int Side { get; set; }

    /// <summary>FLOP of one pass at image side <paramref name="side"/>.</summary>
    public static double PassFlop(int side) => 2.0 * 32 * 256 * side * side * 256 * 3 * 3;

    /// <summary>Allocates the tensors with fixed pseudo-random contents.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _g = Conv2dGeometry.Create(32, 256, Side, Side, 256, 3, 3, 1, 1);
        var random = new Random(1);
        _x = Perf_Conv2d.Filled(_g.InputLength, random);
        _w = Perf_Conv2d.Filled(_g.WeightLength, random);
        _b = Perf_Conv2d.Filled(_g.OutChannels, random);
        _dy = Perf_Conv2d.Filled(_g.OutputLength, random);
        _y = new float[_g.OutputLength];
        _dx = new float[_g.InputLength];
        _dw = new float[_g.WeightLength];
    }

    /// <summary>Direct seven-loop convolution, parallel over images: the baseline.</summary>
    [Benchmark(Baseline = true), Work(1)]
    public void NaiveForward()
    {
        var g = _g;
        float[] x = _x, w = _w, b = _b, y = _y;
        Parallel.For(0, g.Batch, n => Perf_Conv2d.NaiveImage(g, x, w, b, y, n));
    }

    /// <summary>cpu forward with bias.</summary>
    [Benchmark, Work(1)]
    public void CpuForward() => CpuConv2d.Forward(_x, _w, _b, _y, _g);

    /// <summary>cpu input gradient.</summary>
    [Benchmark, Work(1)]
    public void CpuInputGradient() => CpuConv2d.InputGradient(_dy, _w, _dx, _g);

    /// <summary>cpu weight gradient.</summary>
    [Benchmark, Work(1)]
    public void CpuWeightGradient() => CpuConv2d.WeightGradient(_x, _dy, _dw, Span<float>.Empty, _g);

    /// <summary>The direct path's forward with bias.</summary>
    [Benchmark, Work(1)]
    public void DirectForward() => CpuConv2d.ForwardDirect(_x, _w, _b, _y, _g);

    /// <summary>The direct path's input gradient.</summary>
    [Benchmark, Work(1)]
    public void DirectInputGradient() => CpuConv2d.InputGradientDirect(_dy, _w, _dx, _g);

    /// <summary>The direct path's weight gradient.</summary>
    [Benchmark, Work(1)]
    public void DirectWeightGradient() => CpuConv2d.WeightGradientDirect(_x, _dy, _dw, Span<float>.Empty, _g);

    private sealed class Conv2dSmallImagesConfig : ManualConfig
    {
        public Conv2dSmallImagesConfig()
        {
            AddJob(BenchmarkJobs.ForThisMachine(Job.ShortRun));
            AddColumn(ThroughputColumn.GigaFlops(c =>
                ThroughputColumn.MethodWork(c) * PassFlop(ThroughputColumn.Parameter<int>(c, nameof(Side)))));
        }
    }
}
