using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Benchmarks.Infrastructure;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;

namespace AlaeIlgpu.Benchmarks;

/// <summary>
/// One full StyleALAE training iteration on the <c>cpu</c> backend: the <c>mnist</c> config at its top level of detail
/// (LOD 3, 32x32), batch 32, no fade-in: step I with the R1 double backprop, step II, step III, the EMA update, with
/// the model, optimizers and step built as a training run builds them (<see cref="StyleAlaeTraining"/>), on seeded
/// random images. The companion of <see cref="Perf_TrainStep"/> (a class of its own because its job differs: an
/// iteration takes seconds here). <c>benchmarks/peers/style_cpu_vs_torch.sh</c> compares the same iteration with
/// <c>style_alae_torch.py bench</c> in one go on one machine.
/// </summary>
[Config(typeof(StyleTrainStepConfig))]
public class Perf_StyleTrainStep
{
    private const string ConfigName = "mnist";
    private const int Lod = 3;
    private const int Batch = 32;
    private StyleAlaeTraining _training = null!;
    private Tensor _real = null!;

    /// <summary>Builds the mnist config's model, optimizers and step on <c>cpu</c> and one batch of random images.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var config = StyleAlaeConfigs.Load(ConfigName);
        _training = new StyleAlaeTraining(config, CpuBackend.Instance, new LodSchedule(config).LearningRate(Lod));
        _real = StyleStepProbe.RandomImages(CpuBackend.Instance, new RandomGenerator(config.Training.Seed + 3), Batch, config.Model.Channels, Lod).Persist();
    }

    /// <summary>Releases the image batch.</summary>
    [GlobalCleanup]
    public void Cleanup() => _real.Dispose();

    /// <summary>Three steps and the EMA update: 32 real images consumed.</summary>
    [Benchmark, Work(Batch)]
    public AlaeLosses FullIteration()
    {
        using var scope = new TensorScope();
        return _training.Iterate(_real, Lod, blend: 1f);
    }

    // One invocation per iteration, no pilot: an iteration takes seconds on 2 cores, so 2 warmups (the first one
    // allocates the buffer pool and runs the JIT's first tier) and 5 measured iterations keep the run near a minute.
    private sealed class StyleTrainStepConfig : ManualConfig
    {
        public StyleTrainStepConfig()
        {
            AddJob(BenchmarkJobs.ForThisMachine(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(2)
                .WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1)));
            AddColumn(new ThroughputColumn("images/s", 1, ThroughputColumn.MethodWork));
        }
    }
}
