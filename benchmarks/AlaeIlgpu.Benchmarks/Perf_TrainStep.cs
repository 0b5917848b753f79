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
/// update, on the embedded MNIST digits. The peer is PyTorch 1.13 on the same machine: 2,184 images/s
/// (0.0586 s per iteration), shown as the "vs PyTorch CPU" column.
/// </summary>
[Config(typeof(TrainStepConfig))]
public class Perf_TrainStep
{
    private const int Batch = 128;
    private const double PyTorchCpuImagesPerSecond = 2184;
    private MlpAlaeTrainer _trainer = null!;

    /// <summary>Builds the trainer with the default (paper) config on the embedded training digits.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var config = new MlpAlaeConfig { Training = new MlpTrainingConfig { BatchSize = Batch } };
        var (train, _) = MlpData.Load(config);
        _trainer = new MlpAlaeTrainer(config, CpuBackend.Instance, train.Images, train.PixelCount);
    }

    /// <summary>Three steps and the EMA update: 128 real images consumed.</summary>
    [Benchmark, Work(Batch)]
    public AlaeLosses FullIteration() => _trainer.TrainIteration();

    // One invocation per iteration, no pilot: an iteration is tens of milliseconds with a fast GEMM and seconds
    // with a naive one, so a fixed count keeps the run short either way. The JIT keeps promoting the step's methods
    // to optimized code for about the first 15 iterations (measured: iterations 3-12 run 1.2-2x slower than the steady
    // state), so 20 warmups put the measured iterations where a training run spends its time.
    private sealed class TrainStepConfig : ManualConfig
    {
        public TrainStepConfig()
        {
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(20)
                .WithIterationCount(15).WithInvocationCount(1).WithUnrollFactor(1));
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
            if (statistics is null) return "-";
            double imagesPerSecond = Batch / (statistics.Mean * 1e-9);
            return (imagesPerSecond / PyTorchCpuImagesPerSecond).ToString("G3", CultureInfo.InvariantCulture) + "x";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
