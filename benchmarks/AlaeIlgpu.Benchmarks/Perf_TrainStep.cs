using AlaeIlgpu.Alae;
using System.Globalization;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Benchmarks.Infrastructure;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AlaeIlgpu.Benchmarks;

/// <summary>
/// One full MLP ALAE training iteration on the <c>cpu</c> backend with the paper's sizes (E and G 784-1024-1024-50,
/// F six 50-wide layers, D three) at batch 128: step I with the R1 double backprop, step II, step III and the EMA
/// update, on the embedded MNIST digits. The peer is PyTorch 1.13 on the build machine of DESIGN.md: 2,184 images/s
/// (0.0586 s per iteration), shown as the "vs PyTorch CPU" column; <c>benchmarks/peers/mlp_alae_torch.py bench</c>
/// measures the same iteration in PyTorch on whatever machine runs this. Where a CUDA device exists the same
/// iteration also runs on it through the ILGPU backend.
/// </summary>
[Config(typeof(TrainStepConfig))]
public class Perf_TrainStep
{
    private const int Batch = 128;
    private const double PyTorchCpuImagesPerSecond = 2184;
    private MlpAlaeTrainer _trainer = null!;
    private Backend? _cuda;

    /// <summary>Builds the trainer on <c>cpu</c> with the default (paper) config on the embedded training digits.</summary>
    [GlobalSetup(Target = nameof(FullIteration))]
    public void Setup() => _trainer = CreateTrainer(CpuBackend.Instance);

    /// <summary>Builds the same trainer on the first CUDA device.</summary>
    [GlobalSetup(Target = nameof(CudaFullIteration))]
    public void SetupCuda()
    {
        _cuda = Devices.Open("cuda");
        _trainer = CreateTrainer(_cuda);
    }

    /// <summary>Releases the CUDA device.</summary>
    [GlobalCleanup(Target = nameof(CudaFullIteration))]
    public void CleanupCuda() => _cuda?.Dispose();

    /// <summary>Three steps and the EMA update on <c>cpu</c>: 128 real images consumed.</summary>
    [Benchmark, Work(Batch)]
    public AlaeLosses FullIteration() => _trainer.TrainIteration();

    /// <summary>The same iteration on CUDA (each step reads its loss back, as training does).</summary>
    [Benchmark, Work(Batch)]
    [BenchmarkCategory(CudaBenchmarks.Category)]
    public AlaeLosses CudaFullIteration() => _trainer.TrainIteration();

    private static MlpAlaeTrainer CreateTrainer(Backend backend)
    {
        var config = new MlpAlaeConfig { Training = new MlpTrainingConfig { BatchSize = Batch } };
        var (train, _) = MlpData.Load(config);
        return new MlpAlaeTrainer(config, backend, train.Images, train.PixelCount);
    }

    // One invocation per iteration, no pilot: an iteration is tens of milliseconds with a fast GEMM and seconds
    // with a naive one, so a fixed count keeps the run short either way. The JIT keeps promoting the step's methods
    // to optimized code for about the first 15 iterations (measured: iterations 3-12 run 1.2-2x slower than the steady
    // state), so 20 warmups put the measured iterations where a training run spends its time. 15 measured iterations
    // left the mean at the mercy of one or two 110-120 ms outliers (a Gen0 collection or a descheduled worker), so 40.
    private sealed class TrainStepConfig : ManualConfig
    {
        public TrainStepConfig()
        {
            AddJob(BenchmarkJobs.ForThisMachine(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(20)
                .WithIterationCount(40).WithInvocationCount(1).WithUnrollFactor(1)));
            AddFilter(CudaBenchmarks.Filter);
            AddColumn(new ThroughputColumn("images/s", 1, ThroughputColumn.MethodWork));
            AddColumn(new PeerColumn());
        }
    }

    // images/s divided by PyTorch CPU's images/s on the same machine (above 1 = faster than PyTorch).
    private sealed class PeerColumn : IColumn
    {
        public string Id => nameof(PeerColumn);

        public string ColumnName => "vs PyTorch CPU";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 1;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => $"images/s over PyTorch 1.13 CPU's {PyTorchCpuImagesPerSecond:F0} images/s on the build machine";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            if (statistics is null || benchmarkCase.Descriptor.HasCategory(CudaBenchmarks.Category)) return "-";
            double imagesPerSecond = Batch / (statistics.Mean * 1e-9);
            return (imagesPerSecond / PyTorchCpuImagesPerSecond).ToString("G3", CultureInfo.InvariantCulture) + "x";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
