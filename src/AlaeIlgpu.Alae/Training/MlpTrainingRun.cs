using System.Diagnostics;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Imaging;
using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Training;

/// <summary>Where a run stands, reported after every iteration.</summary>
/// <param name="Iteration">Completed iterations.</param>
/// <param name="Total">Iterations the run will do.</param>
/// <param name="Epoch">Passes over the training set so far.</param>
/// <param name="Losses">This iteration's three losses.</param>
/// <param name="ImagesPerSecond">Real images consumed per second since this session started.</param>
/// <param name="Remaining">Estimated time to the end.</param>
public sealed record TrainingProgress(int Iteration, int Total, double Epoch, AlaeLosses Losses, double ImagesPerSecond, TimeSpan Remaining);

/// <summary>A loss became NaN or infinite; the last checkpoint on disk is still the last good state.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>
/// Runs MLP ALAE training in a run directory: logs losses, draws sample and reconstruction grids, checkpoints
/// atomically every <c>CheckpointInterval</c> iterations and when cancelled, and resumes from the checkpoint.
/// </summary>
public sealed class MlpTrainingRun
{
    private const int GridSamples = 64;
    private const int GridReconstructions = 32;
    private static readonly string[] CsvColumns = ["iteration", "loss_ed", "loss_fg", "loss_eg"];
    private readonly MlpAlaeConfig _config;
    private readonly RunDirectory _run;
    private readonly MnistSet _heldOut;

    private MlpTrainingRun(MlpAlaeConfig config, RunDirectory run, Backend backend, bool resume)
    {
        _config = config;
        _run = run;
        var (train, heldOut) = MlpData.Load(config);
        _heldOut = heldOut;
        Trainer = new MlpAlaeTrainer(config, backend, train.Images, train.PixelCount);
        ImageSize = (train.Rows, train.Columns);
        TrainCount = train.Count;
        if (resume) Trainer.LoadCheckpoint(run.CheckpointPath);
    }

    /// <summary>The trainer (model, EMA, optimizers).</summary>
    public MlpAlaeTrainer Trainer { get; }

    private (int Rows, int Columns) ImageSize { get; }

    private int TrainCount { get; }

    /// <summary>Starts a new run: creates the folder and writes the config copy.</summary>
    public static MlpTrainingRun Start(MlpAlaeConfig config, RunDirectory run, Backend backend)
    {
        JsonConfig.Save(run.ConfigPath, config);
        return new MlpTrainingRun(config, run, backend, resume: false);
    }

    /// <summary>Continues a run from its checkpoint with the config it was started with.</summary>
    public static MlpTrainingRun Resume(RunDirectory run, Backend backend) =>
        new(JsonConfig.Load<MlpAlaeConfig>(run.ConfigPath), run, backend, resume: true);

    /// <summary>
    /// Trains until the configured iteration count or until <paramref name="cancel"/> fires (then checkpoints and
    /// returns). Throws <see cref="TrainingDivergedException"/> on a NaN/Inf loss without overwriting the checkpoint.
    /// </summary>
    public void Train(Action<TrainingProgress> progress, CancellationToken cancel)
    {
        int total = _config.Training.Iterations, batch = _config.Training.BatchSize;
        int start = Trainer.Iteration;
        TrimLossLog(start);
        using var csv = new CsvAppender(_run.LossesPath, CsvColumns);
        var clock = Stopwatch.StartNew();
        while (Trainer.Iteration < total && !cancel.IsCancellationRequested)
        {
            var losses = Trainer.TrainIteration();
            int it = Trainer.Iteration;
            CheckFinite(losses, it);
            csv.Append(it, losses.EncoderDiscriminator, losses.Generator, losses.LatentReconstruction);
            double rate = (it - start) * (double)batch / clock.Elapsed.TotalSeconds;
            progress(new TrainingProgress(it, total, (double)it * batch / TrainCount, losses, rate,
                TimeSpan.FromSeconds((total - it) * batch / Math.Max(rate, 1e-9))));
            if (it % _config.Training.SampleInterval == 0 || it == total) DrawFigures(it);
            if (it % _config.Training.CheckpointInterval == 0 || it == total) Trainer.SaveCheckpoint(_run.CheckpointPath);
        }
        if (Trainer.Iteration < total) Trainer.SaveCheckpoint(_run.CheckpointPath);
    }

    private static void CheckFinite(AlaeLosses l, int iteration)
    {
        foreach (var (name, value) in new[] { ("loss_ed", l.EncoderDiscriminator), ("loss_fg", l.Generator), ("loss_eg", l.LatentReconstruction) })
            if (!float.IsFinite(value))
                throw new TrainingDivergedException($"iteration {iteration}: {name} is {value}; stopped, the last checkpoint is kept.");
    }

    // A killed run may have logged iterations after its last checkpoint; drop them so the log matches the state.
    private void TrimLossLog(int iteration)
    {
        if (!File.Exists(_run.LossesPath)) return;
        var kept = File.ReadAllLines(_run.LossesPath)
            .Where((line, i) => i == 0 || (int.TryParse(line.Split(',')[0], out int step) && step <= iteration));
        AtomicFile.WriteAllText(_run.LossesPath, string.Join('\n', kept) + "\n");
    }

    /// <summary>Writes the sample grid, the reconstruction grid and the loss plot for <paramref name="iteration"/>.</summary>
    public void DrawFigures(int iteration)
    {
        var (rows, cols) = ImageSize;
        var figures = new MlpFigures(Trainer.Ema, _config.Training.Seed);
        ImageGrid.SavePng(_run.SamplesPath(iteration), figures.Samples(GridSamples), GridSamples, 1, rows, cols, 8, 0f, 1f);
        ImageGrid.SavePng(_run.ReconstructionsPath(iteration), figures.Reconstructions(_heldOut, GridReconstructions),
            2 * GridReconstructions, 1, rows, cols, 8, 0f, 1f);
        LossPlot.SavePng(_run.LossPlotPath, LossSeries.FromCsv(_run.LossesPath), smoothing: 0.9, title: $"MLP ALAE losses ({_run.Name})");
    }
}
