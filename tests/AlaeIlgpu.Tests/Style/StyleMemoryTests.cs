using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Tests.Alae;
using Xunit.Abstractions;

namespace AlaeIlgpu.Tests.Style;

/// <summary>A thousand StyleALAE iterations through a LOD change and a fade-in keep the pool and the heap flat.</summary>
[Collection(MlpMemoryCollection.Name)]
public class StyleMemoryTests(ITestOutputHelper log)
{
    private const int WarmUp = 100;   // past LOD 0 (20 iterations) and LOD 1's fade-in (10): every shape has been seen
    private const int Total = 1_000;

    /// <summary>
    /// Allowed managed-heap growth over the 900 measured iterations, after a full collection: 1 MiB, about 1.2 KB an
    /// iteration. One iteration allocates hundreds of kilobytes of tape nodes, tensors and loader buffers, so keeping
    /// even a small part of them alive would exceed this many times over.
    /// </summary>
    private const long HeapGrowthBytes = 1 << 20;

    [Fact]
    public void AThousandIterationsAcrossALodChangeKeepPoolAndHeapFlat()
    {
        var kind = RunCatalog.Find(StyleModelKind.ModelName);
        // 2 blocks (4x4, 8x8), 80-image epochs of 8-image batches: LOD 0 for 20 iterations, LOD 1 fades in over 10, then 970 more
        var config = kind.LoadConfig("tiny", ["model.layer_count=2", "model.start_channels=4", "model.max_channels=8", "model.latent_size=8",
            "schedule.dataset_size=80", "schedule.train_epochs=100"]);
        Assert.Equal(Total, config.Schedule.Iterations);
        using var trainer = (StyleAlaeTrainer)kind.CreateTrainer(config, CpuBackend.Instance);
        while (trainer.Iteration < WarmUp) trainer.TrainIteration();
        Assert.Equal(1, trainer.Shown.Lod);
        long pool = CpuBackend.Instance.PooledBytes;
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        while (trainer.Iteration < Total)
        {
            trainer.TrainIteration();
            Assert.True(CpuBackend.Instance.PooledBytes == pool,
                $"iteration {trainer.Iteration}: the cpu pool grew from {pool} to {CpuBackend.Instance.PooledBytes} bytes");
        }
        long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heap;
        log.WriteLine($"pool {pool} B; heap growth {heapGrowth} B over {Total - WarmUp} iterations");
        Assert.True(heapGrowth < HeapGrowthBytes, $"managed heap grew by {heapGrowth} bytes over {Total - WarmUp} iterations");
    }
}
