using AlaeIlgpu.Backends;
using Xunit.Abstractions;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>
/// Tests that read process-wide memory figures (the shared cpu pool, the GC heap, resident memory): they run alone,
/// after the parallel collections, so no other test allocates meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MlpMemoryCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "mlp memory accounting (runs alone)";
}

/// <summary>Long tiny-config training keeps memory flat: no tape, temporary or gradient survives an iteration.</summary>
[Collection(MlpMemoryCollection.Name)]
public class MlpMemoryTests(ITestOutputHelper log)
{
    private const int WarmUp = 1_000;
    private const int Total = 10_000;

    /// <summary>
    /// Allowed managed-heap growth over the 9,000 measured iterations, after a full collection: 1 MiB, about 110 bytes
    /// an iteration. One iteration of the tiny model allocates tens of kilobytes of tape nodes and tensor objects, so
    /// keeping even a small part of them alive would exceed this many times over; JIT and runtime bookkeeping stay below.
    /// </summary>
    private const long HeapGrowthBytes = 1 << 20;

    /// <summary>
    /// Resident memory at iteration 10,000 at most 5% above iteration 1,000 (the bound). One-sided: in a full test
    /// run the process still holds other tests' freed memory, which the runtime may return meanwhile (seen: -8% to -19%).
    /// </summary>
    private const double ResidentRtol = 0.05;

    [Fact]
    public void TenThousandIterationsKeepPoolHeapAndResidentMemoryFlat()
    {
        var trainer = MlpTestSetup.Trainer(MlpTestSetup.Tiny());
        while (trainer.Iteration < WarmUp) trainer.TrainIteration();
        long pool = CpuBackend.Instance.PooledBytes;
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        long resident = Environment.WorkingSet;

        while (trainer.Iteration < Total)
        {
            trainer.TrainIteration();
            Assert.True(CpuBackend.Instance.PooledBytes == pool,
                $"iteration {trainer.Iteration}: the cpu pool grew from {pool} to {CpuBackend.Instance.PooledBytes} bytes");
        }

        long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heap;
        Assert.True(heapGrowth < HeapGrowthBytes, $"managed heap grew by {heapGrowth} bytes over {Total - WarmUp} iterations");
        long residentAfter = Environment.WorkingSet;
        log.WriteLine($"pool {pool} B; heap growth {heapGrowth} B; resident {resident} -> {residentAfter} B ({(residentAfter - resident) * 100.0 / resident:+0.00;-0.00}%)");
        Assert.True(residentAfter - resident <= ResidentRtol * resident,
            $"resident memory {resident} bytes at iteration {WarmUp}, {residentAfter} at {Total}");
    }
}
