using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// Classes that read a shared pool's byte count: they run alone, after every parallel collection, because any other
/// test allocating on the process-wide cpu backend at the same time would change the count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PoolAccountingCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "pool accounting (runs alone)";
}

/// <summary>Steady-state allocation on the shared cpu backend: after the first step, training steps inside scopes are served from the pool.</summary>
[Collection(PoolAccountingCollection.Name)]
public class CpuSteadyStateTests
{
    [Fact]
    public void RepeatedStepsDoNotGrowThePoolAfterTheFirst()
    {
        var loop = new TrainingLoop(CpuBackend.Instance);
        loop.Step();
        long afterFirst = CpuBackend.Instance.PooledBytes;
        for (int i = 0; i < 5; i++)
        {
            loop.Step();
            Assert.Equal(afterFirst, CpuBackend.Instance.PooledBytes);
        }
    }
}

/// <summary>Disposing the shared cpu backend (as <c>using var backend = Devices.Open("cpu")</c> does) drops its free buffers only.</summary>
[Collection(PoolAccountingCollection.Name)]
public class CpuBackendDisposeTests
{
    [Fact]
    public void BuffersInUseStayCountedAndReusable()
    {
        var cpu = CpuBackend.Instance;
        var live = Tensor.Zeros(cpu, 1231).Persist();
        Tensor.Zeros(cpu, 777).Dispose();
        cpu.Dispose();
        Assert.True(cpu.PooledBytes >= 4L * 1231, $"{cpu.PooledBytes} bytes counted while a 1231-element tensor is alive");
        live.Dispose();
        long afterReturn = cpu.PooledBytes;
        Tensor.Zeros(cpu, 1231).Dispose(); // served by the returned buffer
        Assert.Equal(afterReturn, cpu.PooledBytes);
        using var scope = new TensorScope();
        Assert.Equal(new[] { 2f }, (Tensor.Scalar(cpu, 1f) + 1f).ToArray()); // still usable
    }
}

/// <summary>The same on the simulator (its pool is private to the simulator collection, which runs serially).</summary>
[Collection(SimulatorCollection.Name)]
public class SimulatorSteadyStateTests(SimulatorFixture fixture)
{
    [Fact]
    public void RepeatedStepsDoNotGrowThePoolAfterTheFirst()
    {
        var sim = fixture.Get("ilgpu-cpu");
        var loop = new TrainingLoop(sim);
        loop.Step();
        long afterFirst = sim.PooledBytes;
        for (int i = 0; i < 3; i++)
        {
            loop.Step();
            Assert.Equal(afterFirst, sim.PooledBytes);
        }
    }
}
