using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>
/// The training loop reads losses back once per logging interval: losses.csv is the same as when read every
/// iteration, and a NaN inside an interval is found before any checkpoint is written from the weights that produced it.
/// </summary>
public sealed class LoggingIntervalTests
{
    [Fact]
    public void LossLogIsTheSameWithAnyInterval()
    {
        const int Iterations = 7;   // two intervals of 3 and a last partial one
        using var dir = new TempDirectory();
        string everyIteration = Train(dir, "every", Iterations, logInterval: 1);
        string interval = Train(dir, "interval", Iterations, logInterval: 3);

        Assert.Equal(Iterations + 1, everyIteration.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(everyIteration, interval);
    }

    [Fact]
    public void NanInsideAnIntervalStopsBeforeTheNextCheckpoint()
    {
        using var dir = new TempDirectory();
        using var first = MlpTrainingRunTests.StartTiny(dir, "nan", iterations: 2);
        first.Train(_ => { }, CancellationToken.None);   // checkpoint at iteration 2
        byte[] checkpoint = File.ReadAllBytes(first.Run.CheckpointPath);

        // Inject: one NaN in E's first weight makes the step-I loss of iteration 3 NaN.
        var weight = ((MlpAlaeTrainer)first.Trainer).Model.E.Parameters().First().Value;
        var values = weight.ToArray();
        values[0] = float.NaN;
        weight.Backend.Upload(values, weight.Storage);
        // Iteration 4 is due a checkpoint, inside a logging interval of 5 that began at iteration 3.
        using var session = new TrainingRun(first.Kind, first.Trainer, first.Run, new TrainingSchedule(10, 1000, CheckpointInterval: 2, LogInterval: 5));

        var error = Assert.Throws<TrainingDivergedException>(() => session.Train(_ => { }, CancellationToken.None));
        Assert.Contains("iteration 3: loss_ed is NaN", error.Message);
        Assert.Equal(4, first.Trainer.Iteration);
        Assert.Equal(checkpoint, File.ReadAllBytes(first.Run.CheckpointPath));
        Assert.Equal(3, File.ReadAllLines(first.Run.LossesPath).Length);   // header + iterations 1-2
    }

    // Trains a tiny MLP run with the given logging interval and returns its losses.csv.
    private static string Train(TempDirectory dir, string name, int iterations, int logInterval)
    {
        using var started = MlpTrainingRunTests.StartTiny(dir, name, iterations);
        using var session = new TrainingRun(started.Kind, started.Trainer, started.Run, started.Schedule with { LogInterval = logInterval });
        session.Train(_ => { }, CancellationToken.None);
        return File.ReadAllText(started.Run.LossesPath);
    }
}
