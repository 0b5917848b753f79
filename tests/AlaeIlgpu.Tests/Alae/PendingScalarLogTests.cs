using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>Losses kept on the device for a logging interval and read together are exactly those read one by one.</summary>
public sealed class PendingScalarLogTests
{
    [Fact]
    public void IntervalReadsMatchPerIterationReadsExactly()
    {
        const int Capacity = 3, Iterations = 7;
        var reading = MlpTestSetup.Trainer(MlpTestSetup.Tiny());
        IAlaeTrainer pending = MlpTestSetup.Trainer(MlpTestSetup.Tiny());
        var expected = Enumerable.Range(1, Iterations).Select(i => (i, reading.TrainIteration().ToScalars())).ToList();

        var logged = new List<(int Iteration, IReadOnlyList<TrainingScalar> Scalars)>();
        using (var log = new PendingScalarLog(Capacity))
        {
            for (int i = 0; i < Iterations; i++)
            {
                log.Add(pending.Iteration + 1, pending.TrainIteration());
                if (log.IsFull) logged.AddRange(log.Read());
            }
            logged.AddRange(log.Read());
        }

        Assert.Equal(expected.Select(e => e.i), logged.Select(l => l.Iteration));
        for (int i = 0; i < Iterations; i++) Assert.Equal(expected[i].Item2, logged[i].Scalars);
    }

    [Fact]
    public void AddingToAFullLogOrOtherWidthsIsRefused()
    {
        using var log = new PendingScalarLog(1);
        var backend = CpuBackend.Instance;
        log.Add(1, new PendingScalars(Tensor.FromArray(backend, [1f, 2f], 2), ["a", "b"], []));
        var error = Assert.Throws<InvalidOperationException>(() => log.Add(2, new PendingScalars(Tensor.FromArray(backend, [3f, 4f], 2), ["a", "b"], [])));
        Assert.Contains("holds 1 iterations", error.Message);
        log.Read();
        error = Assert.Throws<InvalidOperationException>(() => log.Add(2, new PendingScalars(Tensor.FromArray(backend, [5f], 1), ["a"], [])));
        Assert.Contains("1 device scalars", error.Message);
    }
}
