using System.Diagnostics;
using System.Globalization;
using AlaeIlgpu.Alae.Imaging;
using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Alae.Training;

/// <summary>How long a run trains and how often it draws figures, checkpoints and reads its losses back.</summary>
/// <param name="Iterations">Iterations the run ends at.</param>
/// <param name="FigureInterval">Iterations between figure sets (and at the end).</param>
/// <param name="CheckpointInterval">Iterations between checkpoints (and at the end, and when cancelled).</param>
/// <param name="LogInterval">
/// Iterations whose losses are read from the device together, in one copy (and before figures and checkpoints): a GPU
/// run waits for the device once per interval instead of once per iteration; a NaN stops the run at the latest at the
/// interval's end.
/// </param>
public sealed record TrainingSchedule(int Iterations, int FigureInterval, int CheckpointInterval, int LogInterval = TrainingSchedule.DefaultLogInterval)
{
    /// <summary>
    /// The default <see cref="LogInterval"/>: 10 iterations, a tenth of a wait per iteration, and a divisor of the
    /// progress line's 100-iteration period, so a line written to a log file shows that iteration's losses.
    /// </summary>
    public const int DefaultLogInterval = 10;
}

/// <summary>Where a run stands, reported after every iteration.</summary>
/// <param name="Iteration">Completed iterations.</param>
/// <param name="Total">Iterations the run will do.</param>
/// <param name="Scalars">The named scalars (losses) of the last iteration logged: this one at the end of a logging interval, an earlier one within it.</param>
/// <param name="Status">The trainer's own status (<see cref="IAlaeTrainer.Status"/>).</param>
/// <param name="ImagesPerSecond">Real images consumed per second since this session started.</param>
/// <param name="Remaining">Estimated time to the end.</param>
public sealed record TrainingProgress(int Iteration, int Total, IReadOnlyList<TrainingScalar> Scalars, string Status, double ImagesPerSecond, TimeSpan Remaining);

/// <summary>What a call to <see cref="TrainingRun.Train"/> did, so a report names only files it wrote.</summary>
/// <param name="FirstIteration">The iteration it started at.</param>
/// <param name="LastIteration">The iteration it stopped at.</param>
/// <param name="Cancelled">It stopped because it was cancelled before the end.</param>
/// <param name="CheckpointIteration">The iteration of the last checkpoint it wrote, or null if it wrote none.</param>
/// <param name="FigureIteration">The iteration of the last figures it drew, or null if it drew none.</param>
public sealed record TrainingOutcome(int FirstIteration, int LastIteration, bool Cancelled, int? CheckpointIteration, int? FigureIteration);

/// <summary>A scalar became NaN or infinite; the last checkpoint on disk is still the last good state.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message)
{
    /// <summary>
    /// Throws when one of <paramref name="scalars"/> is NaN or infinite; the message names <paramref name="where"/>
    /// (e.g. "iteration 12"), the scalar and its value, then <paramref name="consequence"/>.
    /// </summary>
    public static void ThrowIfNotFinite(IReadOnlyList<TrainingScalar> scalars, string where, string consequence)
    {
        foreach (var (name, value) in scalars)
            if (!double.IsFinite(value))
                throw new TrainingDivergedException($"{where}: {name} is {value.ToString(CultureInfo.InvariantCulture)}; {consequence}");
    }
}

/// <summary>
/// The model-neutral training loop over an <see cref="IAlaeTrainer"/> in a run directory: logs every named scalar to
/// losses.csv (header from the names; read from the device once per logging interval) and the loss plot, draws figures
/// and checkpoints atomically at their intervals, checkpoints when cancelled, and stops on a NaN or infinite scalar
/// naming the iteration and the scalar.
/// </summary>
public sealed class TrainingRun(IModelKind kind, IAlaeTrainer trainer, RunDirectory run, TrainingSchedule schedule) : IDisposable
{
    /// <summary>The model kind.</summary>
    public IModelKind Kind { get; } = kind;

    /// <summary>The trainer (model, EMA, optimizers).</summary>
    public IAlaeTrainer Trainer { get; } = trainer;

    /// <summary>The run folder.</summary>
    public RunDirectory Run { get; } = run;

    /// <summary>Iterations and intervals.</summary>
    public TrainingSchedule Schedule { get; } = schedule;

    /// <summary>
    /// Trains until <see cref="TrainingSchedule.Iterations"/> or until <paramref name="cancel"/> fires (then
    /// checkpoints and returns). Throws <see cref="TrainingDivergedException"/> on a NaN/Inf scalar (found at the latest
    /// at the end of its logging interval, and always before figures or a checkpoint are written) without overwriting
    /// the checkpoint or logging that iteration.
    /// </summary>
    public TrainingOutcome Train(Action<TrainingProgress> progress, CancellationToken cancel)
    {
        int total = Schedule.Iterations, start = Trainer.Iteration;
        int? checkpoint = null, figures = null;
        TrimLossLog(start);
        using var log = new TrainingLog(Run.LossesPath, Run.CheckpointPath, Schedule.LogInterval);
        var clock = Stopwatch.StartNew();
        while (Trainer.Iteration < total && !cancel.IsCancellationRequested)
        {
            var scalars = Trainer.TrainIteration();
            int it = Trainer.Iteration;
            log.Add(it, scalars);
            bool drawFigures = it % Schedule.FigureInterval == 0 || it == total || Trainer.FiguresDue;
            bool saveCheckpoint = it % Schedule.CheckpointInterval == 0 || it == total || Trainer.CheckpointDue;
            if (drawFigures || saveCheckpoint) log.Flush();
            double rate = (it - start) * (double)Trainer.ImagesPerIteration / clock.Elapsed.TotalSeconds;
            progress(new TrainingProgress(it, total, log.Latest, Trainer.Status, rate,
                TimeSpan.FromSeconds((total - it) * Trainer.ImagesPerIteration / Math.Max(rate, 1e-9))));
            if (drawFigures) figures = DrawFigures(it);
            if (saveCheckpoint) checkpoint = SaveCheckpoint();
        }
        if (Trainer.Iteration < total)
        {
            log.Flush();
            checkpoint = SaveCheckpoint();
        }
        return new TrainingOutcome(start, Trainer.Iteration, Trainer.Iteration < total, checkpoint, figures);
    }

    /// <summary>Draws the trainer's figures and the loss plot for <paramref name="iteration"/>; returns the iteration.</summary>
    public int DrawFigures(int iteration)
    {
        Trainer.DrawFigures(Run, iteration);
        if (File.Exists(Run.LossesPath))
            LossPlot.SavePng(Run.LossPlotPath, LossSeries.FromCsv(Run.LossesPath), smoothing: 0.9, title: $"{Kind.Description} losses ({Run.Name})");
        return iteration;
    }

    /// <summary>Releases the trainer's resources (a data loader's thread, open dataset files).</summary>
    public void Dispose() => (Trainer as IDisposable)?.Dispose();

    private int SaveCheckpoint()
    {
        Trainer.SaveCheckpoint(Run.CheckpointPath);
        return Trainer.Iteration;
    }

    // A killed run may have logged iterations after its last checkpoint; drop them so the log matches the state.
    private void TrimLossLog(int iteration)
    {
        if (!File.Exists(Run.LossesPath)) return;
        var kept = File.ReadAllLines(Run.LossesPath)
            .Where((line, i) => i == 0 || (int.TryParse(line.Split(',')[0], out int step) && step <= iteration));
        AtomicFile.WriteAllText(Run.LossesPath, string.Join('\n', kept) + "\n");
    }
}
