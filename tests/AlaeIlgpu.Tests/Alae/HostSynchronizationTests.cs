using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Tests.Engine;
using Xunit.Abstractions;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>
/// How often one MLP ALAE training iteration makes the host wait for the device (<see cref="Backends.IlgpuBackend.HostSynchronizations"/>),
/// counted on the ilgpu-cpu simulator, where the count is the same as on CUDA: every kernel is queued, the batch's row
/// indices go to the device through page-locked staging without a wait, and the host waits only to read losses back.
/// Before the staging and the logging interval an iteration waited twice (indices, losses).
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class HostSynchronizationTests(SimulatorFixture fixture, ITestOutputHelper output)
{
    /// <summary>An iteration whose losses are read at once (<see cref="MlpAlaeTrainer.TrainIteration()"/>): that read.</summary>
    private const int ReadingEveryIteration = 1;

    /// <summary>A logging interval of iterations as the training loop runs them: the one read of the interval's losses.</summary>
    private const int PerLoggingInterval = 1;

    [Fact]
    public void MlpIterationReadingItsLossesWaitsOnlyForThem()
    {
        var trainer = new MlpAlaeTrainer(MlpTestSetup.Tiny(), fixture.Simulator, MlpTestSetup.SyntheticImages(20), MlpTestSetup.SyntheticPixels);
        trainer.TrainIteration();   // the first iteration compiles kernels and fills the buffer pool

        long before = fixture.Simulator.HostSynchronizations;
        trainer.TrainIteration();
        trainer.TrainIteration();
        long perIteration = (fixture.Simulator.HostSynchronizations - before) / 2;

        output.WriteLine($"host synchronizations per MLP ALAE iteration read at once: {perIteration}");
        Assert.Equal(ReadingEveryIteration, perIteration);
    }

    [Fact]
    public void MlpIterationsOfALoggingIntervalWaitOnceTogether()
    {
        const int Interval = TrainingSchedule.DefaultLogInterval;
        IAlaeTrainer trainer = new MlpAlaeTrainer(MlpTestSetup.Tiny(), fixture.Simulator, MlpTestSetup.SyntheticImages(20), MlpTestSetup.SyntheticPixels);
        using var log = new PendingScalarLog(Interval);
        log.Add(1, trainer.TrainIteration());   // compiles kernels, fills the buffer pool and the staging, allocates the log's slots
        log.Read();

        long before = fixture.Simulator.HostSynchronizations;
        for (int i = 0; i < Interval; i++) log.Add(trainer.Iteration + 1, trainer.TrainIteration());
        var read = log.Read();
        long waits = fixture.Simulator.HostSynchronizations - before;

        output.WriteLine($"host synchronizations per MLP ALAE iteration over a logging interval of {Interval}: {waits / (double)Interval:F2}");
        Assert.Equal(PerLoggingInterval, waits);
        Assert.Equal(Interval, read.Count);
    }
}
