using System.CommandLine;
using System.Runtime.InteropServices;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Evaluation;
using AlaeIlgpu.Alae.Imaging;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Cli;

/// <summary>The MLP ALAE commands: train, eval, sample, reconstruct, interpolate.</summary>
public static class MlpCommands
{
    /// <summary>Builds the commands.</summary>
    public static IEnumerable<Command> Build() => [Train(), Eval(), Sample(), Reconstruct(), Interpolate()];

    private static Command Train()
    {
        var device = AlaeCommand.DeviceOption();
        var config = new Option<string?>("--config", "-c") { Description = "JSON config file (default: the built-in MNIST MLP config, as configs/mnist-mlp.json)." };
        var set = new Option<string[]>("--set") { Description = "Override a config value, e.g. --set training.iterations=1000 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var name = new Option<string?>("--name") { Description = "Run name (default: mnist-mlp-<date>-<time>)." };
        var runs = new Option<string>("--runs") { Description = "Folder that holds runs.", DefaultValueFactory = _ => "runs" };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its checkpoint." };
        var command = new Command("train", "Train the MLP ALAE on MNIST digits (the paper's section 7.1 experiment).")
        {
            device, config, set, name, runs, resume,
        };
        command.SetAction(p => Guard(() => RunTraining(p.GetValue(device), p.GetValue(config), p.GetValue(set) ?? [],
            p.GetValue(name), p.GetValue(runs)!, p.GetValue(resume))));
        return command;
    }

    private static int RunTraining(string? deviceSpec, string? configPath, string[] overrides, string? name, string runsRoot, string? resumePath)
    {
        using var backend = AlaeCommand.OpenDevice(deviceSpec) is { } b ? new Owned(b) : null;
        if (backend is null) return 2;
        MlpTrainingRun session;
        RunDirectory run;
        if (resumePath is not null)
        {
            run = RunDirectory.Open(resumePath);
            session = MlpTrainingRun.Resume(run, backend.Value);
        }
        else
        {
            var cfg = configPath is null ? new MlpAlaeConfig() : JsonConfig.Load<MlpAlaeConfig>(configPath);
            cfg = JsonConfig.ApplyOverrides(cfg, overrides);
            run = RunDirectory.Create(Path.Combine(runsRoot, name ?? $"mnist-mlp-{DateTime.Now:yyyyMMdd-HHmmss}"));
            session = MlpTrainingRun.Start(cfg, run, backend.Value);
        }
        Console.WriteLine($"run {run.Path} on {backend.Value.Name} ({backend.Value.Description}), starting at iteration {session.Trainer.Iteration}");
        using var cancel = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        var line = new ProgressLine();
        session.Train(line.Report, cancel.Token);
        line.Finish();
        Console.WriteLine(cancel.IsCancellationRequested
            ? $"stopped at iteration {session.Trainer.Iteration}; checkpoint saved. Continue with: alae train --resume {run.Path}"
            : $"done. Figures and checkpoint in {run.Path}. Next: alae eval {run.Path}");
        return 0;
    }

    private static Command Eval()
    {
        var device = AlaeCommand.DeviceOption();
        var runArg = new Argument<string>("run") { Description = "The run folder (runs/NAME)." };
        var command = new Command("eval", "Classify held-out digits from the encoder's short and long features and from raw pixels (1-NN and linear SVM).") { runArg, device };
        command.SetAction(p => Guard(() => WithRun(p.GetValue(runArg)!, p.GetValue(device), (run, session) =>
        {
            var config = JsonConfig.Load<MlpAlaeConfig>(run.ConfigPath);
            var (train, heldOut) = MlpData.Load(config);
            Console.WriteLine($"evaluating {run.Name} at iteration {session.Trainer.Iteration}: {train.Count} training digits, {heldOut.Count} held out");
            var results = MlpEvaluation.Run(session.Trainer.Model, train, heldOut, config.Evaluation, Console.WriteLine);
            EvaluationReport.WriteJson(run.EvalJsonPath, results);
            File.WriteAllText(run.EvalMarkdownPath, EvaluationReport.ToMarkdown(results));
            Console.WriteLine();
            Console.WriteLine(EvaluationReport.ToMarkdown(results));
            var quality = MlpSampleQuality.Evaluate(session.Trainer.Ema, train, heldOut, ClassifierCache(run, config),
                config.Training.Seed, Console.WriteLine);
            File.WriteAllText(run.File("sample-quality.json"), System.Text.Json.JsonSerializer.Serialize(quality));
            File.AppendAllText(run.EvalMarkdownPath, SampleQualityMarkdown(quality));
            Console.WriteLine(SampleQualityMarkdown(quality));
            Console.WriteLine($"written {run.EvalJsonPath}, {run.EvalMarkdownPath} and sample-quality.json");
        })));
        return command;
    }

    // The classifier is trained once per dataset and shared by all runs under the same runs folder.
    private static string ClassifierCache(RunDirectory run, MlpAlaeConfig config)
    {
        var d = config.Data;
        string key = string.IsNullOrEmpty(d.Dir)
            ? $"embedded-{d.TrainCount}-{d.HeldOutCount}-{d.SplitSeed}"
            : $"dir-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(d.Dir))))[..16]}";
        return Path.Combine(Path.GetDirectoryName(run.Path)!, ".digit-classifier", $"{key}.bin");
    }

    private static string SampleQualityMarkdown(SampleQualityResult q) =>
        $"\n## Sample quality ({q.SampleCount} EMA samples)\n\n" +
        "| metric | value |\n|---|---:|\n" +
        $"| Fréchet distance to held-out digits (LeNet features) | {q.FrechetDistance:F2} |\n" +
        $"| same distance, training vs held-out real digits (floor) | {q.RealReferenceDistance:F2} |\n" +
        $"| classifier's mean confidence on samples | {q.MeanConfidence:P1} |\n" +
        $"| classifier's accuracy on held-out real digits | {q.ClassifierAccuracy:P2} |\n";

    private static Command Sample()
    {
        var (device, runArg, output) = Common("samples.png");
        var n = new Option<int>("--n") { Description = "How many samples.", DefaultValueFactory = _ => 64 };
        var command = new Command("sample", "Draw digits from the EMA generator: G(F(z)).") { runArg, device, n, output };
        command.SetAction(p => Guard(() => WithRun(p.GetValue(runArg)!, p.GetValue(device), (run, session) =>
        {
            int count = Positive(p.GetValue(n), "--n");
            var figures = new MlpFigures(session.Trainer.Ema, (ulong)DateTime.Now.Ticks);
            Save(p.GetValue(output)!, run, figures.Samples(count), count);
        })));
        return command;
    }

    private static Command Reconstruct()
    {
        var (device, runArg, output) = Common("reconstructions.png");
        var n = new Option<int>("--n") { Description = "How many held-out digits.", DefaultValueFactory = _ => 32 };
        var command = new Command("reconstruct", "Held-out digits (odd rows) and their reconstructions G(E(x)) (even rows).") { runArg, device, n, output };
        command.SetAction(p => Guard(() => WithRun(p.GetValue(runArg)!, p.GetValue(device), (run, session) =>
        {
            int count = Positive(p.GetValue(n), "--n");
            var (_, heldOut) = MlpData.Load(JsonConfig.Load<MlpAlaeConfig>(run.ConfigPath));
            if (count > heldOut.Count) throw new ArgumentException($"--n {count} is more than the {heldOut.Count} held-out digits.");
            var figures = new MlpFigures(session.Trainer.Ema, 0);
            Save(p.GetValue(output)!, run, figures.Reconstructions(heldOut, count), 2 * count);
        })));
        return command;
    }

    private static Command Interpolate()
    {
        var (device, runArg, output) = Common("interpolation.png");
        var from = new Option<int>("--from") { Description = "Index of the first held-out digit.", DefaultValueFactory = _ => 0 };
        var to = new Option<int>("--to") { Description = "Index of the second held-out digit.", DefaultValueFactory = _ => 1 };
        var steps = new Option<int>("--steps") { Description = "Images along the walk.", DefaultValueFactory = _ => 8 };
        var command = new Command("interpolate", "Walk in w between two encoded held-out digits and decode each point.") { runArg, device, from, to, steps, output };
        command.SetAction(p => Guard(() => WithRun(p.GetValue(runArg)!, p.GetValue(device), (run, session) =>
        {
            var (_, heldOut) = MlpData.Load(JsonConfig.Load<MlpAlaeConfig>(run.ConfigPath));
            int a = p.GetValue(from), b = p.GetValue(to), count = Positive(p.GetValue(steps), "--steps");
            foreach (var (value, option) in new[] { (a, "--from"), (b, "--to") })
                if (value < 0 || value >= heldOut.Count) throw new ArgumentException($"{option} {value} is outside the {heldOut.Count} held-out digits.");
            var figures = new MlpFigures(session.Trainer.Ema, 0);
            Save(p.GetValue(output)!, run, figures.Interpolate(heldOut.Image(a).ToArray(), heldOut.Image(b).ToArray(), count), count, columns: count);
        })));
        return command;
    }

    private static (Option<string?> Device, Argument<string> Run, Option<string> Output) Common(string defaultFile) =>
        (AlaeCommand.DeviceOption(),
         new Argument<string>("run") { Description = "The run folder (runs/NAME)." },
         new Option<string>("--output", "-o") { Description = $"PNG to write (relative paths go into the run folder; default {defaultFile}).", DefaultValueFactory = _ => defaultFile });

    private static void Save(string output, RunDirectory run, float[] images, int count, int columns = 8)
    {
        string path = Path.IsPathRooted(output) ? output : run.File(output);
        ImageGrid.SavePng(path, images, count, 1, 28, 28, columns, 0f, 1f);
        Console.WriteLine($"written {path}");
    }

    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new ArgumentException($"{option} must be positive, got {value}.");

    private static int WithRun(string runPath, string? deviceSpec, Action<RunDirectory, MlpTrainingRun> action)
    {
        using var backend = AlaeCommand.OpenDevice(deviceSpec) is { } b ? new Owned(b) : null;
        if (backend is null) return 2;
        var run = RunDirectory.Open(runPath);
        action(run, MlpTrainingRun.Resume(run, backend.Value));
        return 0;
    }

    // Bad input (missing files, corrupt data, unknown config keys, a folder that is not a run) ends with a message and exit code 1.
    private static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ConfigException or ArgumentException or UnauthorizedAccessException or TrainingDivergedException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    // Disposes ILGPU backends when done; the process-wide cpu backend stays.
    private sealed class Owned(Backend value) : IDisposable
    {
        public Backend Value { get; } = value;

        public void Dispose()
        {
            if (Value is not CpuBackend) Value.Dispose();
        }
    }
}
