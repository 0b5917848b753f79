using System.CommandLine;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Cli;

/// <summary>
/// The commands that read a finished (or stopped) run of any model kind: eval, and the figure commands sample,
/// reconstruct and interpolate, which open only the EMA weights of the checkpoint.
/// </summary>
public static class RunCommands
{
    /// <summary>Builds the commands.</summary>
    public static IEnumerable<Command> Build() => [Eval(), Sample(), Reconstruct(), Interpolate()];

    private static Command Eval()
    {
        var device = AlaeCommand.DeviceOption();
        var runArg = RunArgument();
        var command = new Command("eval", "Evaluate a run (mlp: classify held-out digits from the encoder's short and long features and from raw pixels with 1-NN and a linear SVM; score sample quality).") { runArg, device };
        command.SetAction(p => CommandGuard.Run(() =>
        {
            var run = RunDirectory.Open(p.GetValue(runArg)!);
            var kind = RunCatalog.KindOf(run);
            using var backend = CommandGuard.OpenDevice(p.GetValue(device));
            kind.Evaluate(run, backend.Value, Console.WriteLine);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Sample()
    {
        var (device, runArg, output) = Common("samples.png");
        var n = new Option<int>("--n") { Description = "How many samples.", DefaultValueFactory = _ => 64 };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the latents (default: a new one, printed). The run's training.seed draws the training grids' samples." };
        var psi = new Option<double?>("--psi") { Description = "StyleALAE: truncation psi in [0, 1] on the coarse style slots (default: the run's model.truncation_psi; 1 = none)." };
        var command = new Command("sample", "Draw images from the EMA generator: G(F(z)).") { runArg, device, n, seed, psi, output };
        command.SetAction(p => CommandGuard.Run(() => WithModel(p.GetValue(runArg)!, p.GetValue(device), (run, model) =>
        {
            int count = Positive(p.GetValue(n), "--n");
            ulong s = p.GetValue(seed) ?? (ulong)Random.Shared.NextInt64(0, long.MaxValue);
            Console.WriteLine($"seed {s}");
            if (p.GetValue(psi) is { } truncation) model = WithTruncation(model, truncation);
            Save(p.GetValue(output)!, run, model, AutoencoderFigures.Samples(model, count, s), count);
        })));
        return command;
    }

    private static Command Reconstruct()
    {
        var (device, runArg, output) = Common("reconstructions.png");
        var n = new Option<int>("--n") { Description = "How many held-out images (without --images; --psi, --noise and --seed apply to --images).", DefaultValueFactory = _ => 32 };
        var images = LatentCommands.Images(required: false);
        var (psi, noise, seed) = (LatentCommands.Psi(), LatentCommands.Noise(), LatentCommands.NoiseSeed());
        var command = new Command("reconstruct", "Held-out images, or with --images your own (StyleALAE), in odd rows and their reconstructions G(E(x)) in even rows.")
        {
            runArg, device, n, images, psi, noise, seed, output,
        };
        command.SetAction(p => CommandGuard.Run(() => p.GetValue(images) is { } folder
            ? ReconstructFolder(p.GetValue(runArg)!, p.GetValue(device), folder, (p.GetValue(psi), p.GetValue(noise), p.GetValue(seed)), p.GetValue(output)!)
            : ReconstructHeldOut(p.GetValue(runArg)!, p.GetValue(device), p.GetValue(n), p.GetValue(output)!)));
        return command;
    }

    private static int ReconstructHeldOut(string runPath, string? device, int n, string output) =>
        WithModel(runPath, device, (run, model) =>
        {
            int count = Positive(n, "--n");
            var heldOut = RunCatalog.KindOf(run).OpenHeldOut(run);
            if (count > heldOut.Count) throw new ArgumentException($"--n {count} is more than the {heldOut.Count} held-out images.");
            var (grid, cells) = AutoencoderFigures.Reconstructions(model, heldOut.Read(0, count), count);
            Save(output, run, model, grid, cells);
        });

    // G(E(x)) of the images of a folder, through alae encode's and decode's code.
    private static int ReconstructFolder(string runPath, string? device, string folder, (double Psi, DecodeNoise Noise, ulong Seed) decode, string output) =>
        LatentCommands.WithStyle(runPath, device, model =>
        {
            var (images, w) = LatentCommands.EncodeFolder(model, folder);
            int count = images.Names.Count, columns = Math.Min(count, AutoencoderFigures.Columns);   // a few large images: no blank cells
            var (grid, cells) = AutoencoderFigures.ReconstructionGrid(model, images.Pixels, LatentCodec.Decode(model, w, count, decode.Psi, decode.Noise, decode.Seed), count, columns);
            Save(output, RunDirectory.Open(runPath), model, grid, cells, columns);
        });

    private static Command Interpolate()
    {
        var (device, runArg, output) = Common("interpolation.png");
        var from = new Option<int>("--from") { Description = "Index of the first held-out image.", DefaultValueFactory = _ => 0 };
        var to = new Option<int>("--to") { Description = "Index of the second held-out image.", DefaultValueFactory = _ => 1 };
        var steps = new Option<int>("--steps") { Description = "Images along the walk.", DefaultValueFactory = _ => 8 };
        var command = new Command("interpolate", "Walk in w between two encoded held-out images and decode each point.") { runArg, device, from, to, steps, output };
        command.SetAction(p => CommandGuard.Run(() => WithModel(p.GetValue(runArg)!, p.GetValue(device), (run, model) =>
        {
            var heldOut = RunCatalog.KindOf(run).OpenHeldOut(run);
            int a = p.GetValue(from), b = p.GetValue(to), count = Positive(p.GetValue(steps), "--steps");
            foreach (var (value, option) in new[] { (a, "--from"), (b, "--to") })
                if (value < 0 || value >= heldOut.Count) throw new ArgumentException($"{option} {value} is outside the {heldOut.Count} held-out images.");
            Save(p.GetValue(output)!, run, model, AutoencoderFigures.Interpolate(model, heldOut.Read(a, 1), heldOut.Read(b, 1), count), count, columns: count);
        })));
        return command;
    }

    private static Argument<string> RunArgument() => new("run") { Description = "The run folder (runs/NAME)." };

    private static (Option<string?> Device, Argument<string> Run, Option<string> Output) Common(string defaultFile) =>
        (AlaeCommand.DeviceOption(),
         RunArgument(),
         new Option<string>("--output", "-o") { Description = $"PNG to write (relative paths go into the run folder; default {defaultFile}).", DefaultValueFactory = _ => defaultFile });

    private static void Save(string output, RunDirectory run, IAutoencoder model, float[] images, int count, int columns = AutoencoderFigures.Columns)
    {
        string path = Path.IsPathRooted(output) ? output : run.File(output);
        AutoencoderFigures.SaveGrid(path, model, images, count, columns);
        Console.WriteLine($"written {path}");
    }

    private static IAutoencoder WithTruncation(IAutoencoder model, double psi)
    {
        if (model is not StyleAutoencoder style) throw new ArgumentException("--psi applies to StyleALAE runs (the MLP ALAE has no style slots to truncate).");
        if (psi is < 0 or > 1) throw new ArgumentException($"--psi {psi} must be between 0 and 1.");
        return style.WithTruncation(psi);
    }

    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new ArgumentException($"{option} must be positive, got {value}.");

    // Opens the run's EMA autoencoder (checkpoint only: no optimizer state, no training data) and runs the action.
    private static int WithModel(string runPath, string? deviceSpec, Action<RunDirectory, IAutoencoder> action)
    {
        var run = RunDirectory.Open(runPath);
        using var backend = CommandGuard.OpenDevice(deviceSpec);
        action(run, RunCatalog.OpenAutoencoder(run, backend.Value));
        return ExitCodes.Ok;
    }
}
