using System.CommandLine;
using System.Runtime.InteropServices;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Cli;

/// <summary><c>alae train</c>: starts a run of any registered model kind, or resumes one.</summary>
public static class TrainCommand
{
    private sealed record Request(string? Device, string? Model, string? Config, string[] Sets, string? Data, string? Name, string Runs, string? Resume, double? Kimg);

    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var device = AlaeCommand.DeviceOption();
        var model = new Option<string?>("--model", "-m") { Description = $"Model kind: {string.Join(", ", RunCatalog.Kinds.Select(k => k.Name))} (default {RunCatalog.DefaultModel})." };
        var config = new Option<string?>("--config", "-c") { Description = $"JSON config file or a built-in StyleALAE config ({string.Join(", ", RunCatalog.Kinds.SelectMany(k => k.ConfigNames))}; it selects --model style). Default: the model's built-in config (mlp: configs/mnist-mlp.json; style: mnist)." };
        var kimg = new Option<double?>("--kimg") { Description = "StyleALAE: shorten the whole schedule to this many thousand images, keeping each level of detail's share (sets schedule.kimg)." };
        var set = new Option<string[]>("--set") { Description = "Override a config value, e.g. --set training.iterations=1000 (repeatable). With --resume only run length and intervals.", AllowMultipleArgumentsPerToken = false };
        var data = new Option<string?>("--data") { Description = "Dataset (mlp: a folder of MNIST IDX files, sets data.dir; style: a packed file from 'alae prepare' or an MNIST folder, sets data.path). Default: the embedded digits." };
        var name = new Option<string?>("--name") { Description = "Run name, a single folder name (default: <model prefix>-<date>-<time>)." };
        var runs = new Option<string>("--runs") { Description = "Folder that holds runs.", DefaultValueFactory = _ => "runs" };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its checkpoint." };
        var command = new Command("train", "Train a model (default: the MLP ALAE on MNIST digits, the paper's section 7.1 experiment).")
        {
            device, model, config, kimg, set, data, name, runs, resume,
        };
        command.SetAction(p => CommandGuard.Run(() => Train(new Request(p.GetValue(device), p.GetValue(model), p.GetValue(config),
            p.GetValue(set) ?? [], p.GetValue(data), p.GetValue(name), p.GetValue(runs)!, p.GetValue(resume), p.GetValue(kimg)))));
        return command;
    }

    private static int Train(Request r)
    {
        CheckResumeOptions(r);
        RunConfig? config = null;
        string? runPath = null;
        if (r.Resume is null)
        {
            var kind = r.Model is not null ? RunCatalog.Find(r.Model) : RunCatalog.KindOfConfigName(r.Config) ?? RunCatalog.Find(RunCatalog.DefaultModel);
            string[] overrides = [.. r.Data is null ? [] : new[] { $"{kind.DataDirectoryKey}={Path.GetFullPath(r.Data)}" },
                                  .. r.Kimg is null ? [] : new[] { $"schedule.kimg={r.Kimg.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}" },
                                  .. r.Sets];
            config = kind.LoadConfig(r.Config, overrides);
            runPath = Path.Combine(r.Runs, RunDirectory.ValidateName(r.Name ?? $"{kind.RunNamePrefix}-{DateTime.Now:yyyyMMdd-HHmmss}"));
        }
        using var backend = CommandGuard.OpenDevice(r.Device);
        using var session = config is null
            ? RunCatalog.ResumeTraining(RunDirectory.Open(r.Resume!, forTraining: true), backend.Value, r.Sets)
            : StartTraining(config, runPath!, backend);
        return Run(session, backend);
    }

    // A resumed run keeps its own config, name and data; only --set of run length and intervals applies.
    private static void CheckResumeOptions(Request r)
    {
        if (r.Resume is null) return;
        var conflicts = new[] { ("--config", r.Config), ("--name", r.Name), ("--data", r.Data), ("--model", r.Model), ("--kimg", r.Kimg?.ToString(System.Globalization.CultureInfo.InvariantCulture)) }
            .Where(o => o.Item2 is not null).Select(o => o.Item1).ToArray();
        if (conflicts.Length > 0)
            throw new UsageException($"{string.Join(", ", conflicts)} cannot be used with --resume: a resumed run keeps the config, name, data and model " +
                "it was started with (--set changes only the keys its model kind lists as resumable); to change anything else start a new run.");
    }

    private static TrainingRun StartTraining(RunConfig config, string runPath, OwnedBackend backend)
    {
        var run = RunDirectory.Create(runPath);
        try
        {
            return RunCatalog.StartTraining(config, run, backend.Value);
        }
        catch
        {
            if (!Directory.EnumerateFileSystemEntries(run.Path).Any()) Directory.Delete(run.Path);   // leave no empty run behind
            throw;
        }
    }

    private static int Run(TrainingRun session, OwnedBackend backend)
    {
        var (run, total) = (session.Run, session.Schedule.Iterations);
        if (session.Trainer.Iteration >= total)
        {
            Console.WriteLine($"{run.Path} is already at iteration {session.Trainer.Iteration} of {total}; nothing to do. {session.Kind.TrainLongerHint(run)}");
            return ExitCodes.Ok;
        }
        Console.WriteLine($"run {run.Path} ({session.Kind.Description}) on {backend.Value.Name} ({backend.Value.Description}), " +
            $"iteration {session.Trainer.Iteration} of {total}");
        using var cancel = new CancellationTokenSource();
        PosixSignal? signal = null;
        void Stop(PosixSignalContext c)
        {
            c.Cancel = true;
            signal ??= c.Signal;
            cancel.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var line = new ProgressLine();
        TrainingOutcome outcome;
        try
        {
            outcome = session.Train(line.Report, cancel.Token);
        }
        finally
        {
            line.Finish();
        }
        return Report(outcome, run, signal);
    }

    private static int Report(TrainingOutcome outcome, RunDirectory run, PosixSignal? signal)
    {
        if (outcome.Cancelled)
        {
            Console.WriteLine($"stopped by {(signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT")} at iteration {outcome.LastIteration}; " +
                $"checkpoint saved. Continue with: alae train --resume {run.Path}");
            return signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;
        }
        Console.WriteLine($"done at iteration {outcome.LastIteration}: figures of iteration {outcome.FigureIteration} and the checkpoint of iteration " +
            $"{outcome.CheckpointIteration} are in {run.Path}. Next: alae {RunCatalog.KindOf(run).NextCommand(run.Path)}");
        return ExitCodes.Ok;
    }
}
