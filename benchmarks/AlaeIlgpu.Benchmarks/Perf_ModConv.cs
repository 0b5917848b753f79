using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Benchmarks.Infrastructure;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Kernels.Gpu;
using AlaeIlgpu.Ops;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Benchmarks;

/// <summary>
/// StyleGAN2's modulated convolution with demodulation (3x3, stride 1, padding 1). On cpu: the naive baseline
/// (per-sample weights, then a direct seven-loop convolution), the grouped formulation (per-sample weights, then the
/// cpu Conv2d kernel once per sample), the shipped <see cref="CpuModulatedConv"/> (one batched convolution of the
/// style-scaled input), plain Conv2d of the same shape for the cost of modulation, and the engine op forward and
/// backward. On CUDA (where present) the ILGPU kernels. GFLOP/s counts 2 * N * Cout * Cin * 9 * H * W per
/// convolution pass: one for a forward, two for a backward (dx and dw), three for both.
/// </summary>
[Config(typeof(Config))]
public class Perf_ModConv
{
    private float[] _x = [], _w = [], _style = [], _demodulation = [], _y = [], _dy = [], _dx = [], _dw = [], _ds = [], _dd = [];
    private Conv2dGeometry _g;
    private Tensor? _tx, _tw, _ts, _tdy;
    private Context? _context;
    private Accelerator? _accelerator;
    private MemoryBuffer1D<float, Stride1D.Dense>[] _device = [];
    private ModulatedConvLauncher? _launcher;

    /// <summary>The layer measured.</summary>
    [ParamsSource(nameof(Shapes))]
    public ModConvShape Shape { get; set; } = null!;

    /// <summary>A mid-sized StyleGAN2 layer, and the mnist config's 32x32 generator layer at batch 32.</summary>
    public static IEnumerable<ModConvShape> Shapes => [new(8, 128, 16, 128), new(32, 64, 32, 64)];

    /// <summary>Seeded inputs, the demodulation factors of w and s, and output buffers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        _g = Conv2dGeometry.Create(s.Batch, s.InChannels, s.Size, s.Size, s.OutChannels, 3, 3, 1, 1);
        var random = new Random(7);
        _x = Filled(_g.InputLength, random, 1f);
        _w = Filled(_g.WeightLength, random, 1f / MathF.Sqrt(9 * s.InChannels));
        _style = Filled(s.Batch * s.InChannels, random, 1f);
        _dy = Filled(_g.OutputLength, random, 1f);
        _demodulation = new float[s.Batch * s.OutChannels];
        Demodulate(_g, _w, _style, _demodulation);
        (_y, _dx, _dw) = (new float[_g.OutputLength], new float[_g.InputLength], new float[_g.WeightLength]);
        (_ds, _dd) = (new float[_style.Length], new float[_demodulation.Length]);
    }

    /// <summary>Host setup plus persistent engine tensors on the cpu backend.</summary>
    [GlobalSetup(Target = nameof(OpForwardBackward))]
    public void SetupOp()
    {
        Setup();
        var cpu = CpuBackend.Instance;
        _tx = Tensor.FromArray(cpu, _x, _g.Batch, _g.InChannels, _g.Height, _g.Width).Persist();
        _tw = Tensor.FromArray(cpu, _w, _g.OutChannels, _g.InChannels, 3, 3).Persist();
        _ts = Tensor.FromArray(cpu, _style, _g.Batch, _g.InChannels).Persist();
        _tdy = Tensor.FromArray(cpu, _dy, _g.Batch, _g.OutChannels, _g.Height, _g.Width).Persist();
        _tx.RequiresGrad = _tw.RequiresGrad = _ts.RequiresGrad = true;
    }

    /// <summary>Host setup plus the CUDA accelerator, buffers and launcher.</summary>
    [GlobalSetup(Targets = [nameof(CudaForward), nameof(CudaForwardBackward)])]
    public void SetupCuda()
    {
        Setup();
        var (context, accelerator) = CudaBenchmarks.CreateAccelerator();
        (_context, _accelerator) = (context, accelerator);
        _device = [.. new[] { _x, _w, _style, _demodulation, _y, _dy, _dx, _dw, _ds, _dd }.Select(a => accelerator.Allocate1D(a))];
        _launcher = new ModulatedConvLauncher(accelerator);
    }

    /// <summary>Frees the engine tensors.</summary>
    [GlobalCleanup(Target = nameof(OpForwardBackward))]
    public void CleanupOp()
    {
        foreach (var t in new[] { _tx, _tw, _ts, _tdy }) t?.Dispose();
    }

    /// <summary>Frees the CUDA resources.</summary>
    [GlobalCleanup(Targets = [nameof(CudaForward), nameof(CudaForwardBackward)])]
    public void CleanupCuda()
    {
        foreach (var buffer in _device) buffer.Dispose();
        _accelerator?.Dispose();
        _context?.Dispose();
    }

    /// <summary>Per sample: demodulated weights w * s * d, then a direct seven-loop convolution; parallel over samples.</summary>
    [Benchmark(Baseline = true)]
    public void NaiveForward()
    {
        var g = _g;
        float[] x = _x, w = _w, style = _style, y = _y;
        Parallel.For(0, g.Batch, n => NaiveSample(g, x, w, style, y, n));
    }

    /// <summary>The grouped formulation: per-sample weights in a scratch buffer, then the cpu Conv2d kernel per sample.</summary>
    [Benchmark]
    public void PerSampleWeightsForward()
    {
        var g = _g;
        var one = Conv2dGeometry.Create(1, g.InChannels, g.Height, g.Width, g.OutChannels, 3, 3, 1, 1);
        float[] x = _x, w = _w, style = _style, demodulation = _demodulation, y = _y;
        Parallel.For(0, g.Batch, n =>
        {
            var sampleWeight = new float[w.Length];
            for (int j = 0; j < w.Length; j++)
            {
                int o = j / (g.InChannels * 9), i = j / 9 % g.InChannels;
                sampleWeight[j] = w[j] * style[n * g.InChannels + i] * demodulation[n * g.OutChannels + o];
            }

            CpuConv2d.Forward(x.AsSpan(n * one.InputLength, one.InputLength), sampleWeight, [],
                y.AsSpan(n * one.OutputLength, one.OutputLength), one);
        });
    }

    /// <summary>Plain Conv2d of the same shape: what the modulation costs on top.</summary>
    [Benchmark]
    public void PlainConvForward() => CpuConv2d.Forward(_x, _w, [], _y, _g);

    /// <summary>The shipped cpu kernel, demodulation factors given.</summary>
    [Benchmark]
    public void CpuForward() => CpuModulatedConv.Forward(_x, _w, _style, _demodulation, _y, _g);

    /// <summary>The shipped cpu backward: dx, dw, ds and dd.</summary>
    [Benchmark]
    public void CpuBackward() =>
        CpuModulatedConv.Backward(_x, _w, _style, _demodulation, _y, _dy, _dx, _dw, _ds, _dd, _g);

    /// <summary>Forward then backward.</summary>
    [Benchmark]
    public void CpuForwardBackward()
    {
        CpuForward();
        CpuBackward();
    }

    /// <summary>The engine op on the cpu backend: demodulation ops, fused forward, gradients of x, w and s.</summary>
    [Benchmark]
    public void OpForwardBackward()
    {
        using var scope = new TensorScope();
        var y = ModulatedConvOp.ModulatedConv2d(_tx!, _tw!, _ts!);
        Autograd.Grad([y], [_tx!, _tw!, _ts!], [_tdy!]);
    }

    /// <summary>The ILGPU forward kernel on CUDA.</summary>
    [Benchmark]
    [BenchmarkCategory(CudaBenchmarks.Category)]
    public void CudaForward()
    {
        var d = _device;
        _launcher!.Forward(d[0].View, d[1].View, d[2].View, d[3].View, d[4].View, _g);
        _accelerator!.Synchronize();
    }

    /// <summary>The ILGPU forward and backward kernels on CUDA.</summary>
    [Benchmark]
    [BenchmarkCategory(CudaBenchmarks.Category)]
    public void CudaForwardBackward()
    {
        var d = _device;
        _launcher!.Forward(d[0].View, d[1].View, d[2].View, d[3].View, d[4].View, _g);
        _launcher.Backward(d[0].View, d[1].View, d[2].View, d[3].View, d[4].View, d[5].View, d[6].View, d[7].View, d[8].View, d[9].View, _g);
        _accelerator!.Synchronize();
    }

    private static void NaiveSample(Conv2dGeometry g, float[] x, float[] w, float[] style, float[] y, int n)
    {
        var sampleWeight = new float[w.Length];
        var demodulation = new float[g.OutChannels];
        Demodulate(g, w, style.AsSpan(n * g.InChannels, g.InChannels), demodulation);
        for (int j = 0; j < w.Length; j++)
        {
            sampleWeight[j] = w[j] * style[n * g.InChannels + j / 9 % g.InChannels] * demodulation[j / (9 * g.InChannels)];
        }

        for (int co = 0; co < g.OutChannels; co++)
        for (int oy = 0; oy < g.Height; oy++)
        for (int ox = 0; ox < g.Width; ox++)
        {
            float sum = 0f;
            for (int ci = 0; ci < g.InChannels; ci++)
            for (int kh = 0; kh < 3; kh++)
            for (int kw = 0; kw < 3; kw++)
            {
                int iy = oy + kh - 1, ix = ox + kw - 1;
                if (iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width)
                {
                    sum += x[((n * g.InChannels + ci) * g.Height + iy) * g.Width + ix] * sampleWeight[((co * g.InChannels + ci) * 3 + kh) * 3 + kw];
                }
            }

            y[((n * g.OutChannels + co) * g.Height + oy) * g.Width + ox] = sum;
        }
    }

    /// <summary><c>d[n, o] = 1 / sqrt(sum over i, taps of (w * s)^2 + 1e-8)</c> for the samples whose styles are given.</summary>
    private static void Demodulate(Conv2dGeometry g, ReadOnlySpan<float> w, ReadOnlySpan<float> style, Span<float> demodulation)
    {
        for (int n = 0; n < style.Length / g.InChannels; n++)
        for (int o = 0; o < g.OutChannels; o++)
        {
            float sum = 0f;
            for (int j = 0; j < 9 * g.InChannels; j++)
            {
                float modulated = w[o * 9 * g.InChannels + j] * style[n * g.InChannels + j / 9];
                sum += modulated * modulated;
            }

            demodulation[n * g.OutChannels + o] = 1f / MathF.Sqrt(sum + ModulatedConvOp.DemodulationEpsilon);
        }
    }

    private static float[] Filled(int length, Random random, float scale)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (random.NextSingle() * 2f - 1f) * scale;
        }

        return values;
    }

    /// <summary>Convolution passes a benchmark method does (see the class summary).</summary>
    private static double Passes(BenchmarkCase c) => c.Descriptor.WorkloadMethod.Name switch
    {
        nameof(CpuBackward) => 2,
        nameof(CpuForwardBackward) or nameof(OpForwardBackward) or nameof(CudaForwardBackward) => 3,
        _ => 1,
    };

    /// <summary>Short runs (the naive baseline takes seconds per call), GFLOP/s column, CUDA filter.</summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(BenchmarkJobs.ForThisMachine(Job.ShortRun));
            AddColumn(ThroughputColumn.GigaFlops(c => Passes(c) * ThroughputColumn.Parameter<ModConvShape>(c, nameof(Shape)).Flops));
            AddFilter(CudaBenchmarks.Filter);
        }
    }
}

/// <summary>One modulated 3x3 convolution: x [Batch, InChannels, Size, Size], w [OutChannels, InChannels, 3, 3].</summary>
/// <param name="Batch">N.</param>
/// <param name="InChannels">Cin.</param>
/// <param name="Size">Image height and width.</param>
/// <param name="OutChannels">Cout.</param>
public sealed record ModConvShape(int Batch, int InChannels, int Size, int OutChannels)
{
    /// <summary>Floating-point operations of one convolution pass.</summary>
    public double Flops => 2.0 * Batch * OutChannels * InChannels * 9 * Size * Size;

    /// <inheritdoc />
    public override string ToString() => $"x[{Batch},{InChannels},{Size},{Size}] w[{OutChannels},{InChannels},3,3]";
}
