using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Tests.Engine;
using Xunit.Abstractions;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>
/// How often one MLP ALAE training iteration makes the host wait for the device (<see cref="Backends.IlgpuBackend.HostSynchronizations"/>),
/// counted on the ilgpu-cpu simulator, where the count is the same as on CUDA: every kernel is queued, and the host
/// waits only for the batch's row indices (copied from host memory) and for the losses it reads back.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class HostSynchronizationTests(SimulatorFixture fixture, ITestOutputHelper output)
{
    /// <summary>The batch's row indices (one copy from host memory) and the three steps' losses (read together).</summary>
    private const int ExpectedPerIteration = 2;

    [Fact]
    public void MlpIterationWaitsOnlyForItsIndicesAndLosses()
    {
        var trainer = new MlpAlaeTrainer(MlpTestSetup.Tiny(), fixture.Simulator, MlpTestSetup.SyntheticImages(20), MlpTestSetup.SyntheticPixels);
        trainer.TrainIteration();   // the first iteration compiles kernels and fills the buffer pool

        long before = fixture.Simulator.HostSynchronizations;
        trainer.TrainIteration();
        trainer.TrainIteration();
        long perIteration = (fixture.Simulator.HostSynchronizations - before) / 2;

        output.WriteLine($"host synchronizations per MLP ALAE iteration: {perIteration}");
        Assert.Equal(ExpectedPerIteration, perIteration);
    }
}
