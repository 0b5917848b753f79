using System.CommandLine;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Cli;

/// <summary>The StyleALAE commands: prepare (an image folder to a packed dataset), describe (networks of a config), mix (a style-mixing grid), fade (a fade-in strip) and probe (speed and memory of a config).</summary>
public static class StyleCommands
{
    /// <summary>Builds the commands.</summary>
    public static IEnumerable<Command> Build() => [Prepare(), Describe(), Mix(), Fade(), ProbeCommand.Build()];

    /// <summary>The <c>--config</c> option of the StyleALAE commands (default: the first built-in config).</summary>
    public static Option<string> ConfigOption() => new("--config", "-c")
    {
        Description = $"A built-in StyleALAE config ({string.Join(", ", StyleAlaeConfigs.Names)}) or a JSON file.",
        DefaultValueFactory = _ => StyleAlaeConfigs.Names[0],
    };

    private static Command Prepare()
    {
        var images = new Option<string>("--images") { Description = "Folder of PNG/JPEG images.", Required = true };
        var resolution = new Option<int>("--resolution") { Description = "Side of the square images (a power of two, 4 or more).", Required = true };
        var channels = new Option<int>("--channels") { Description = "1 (grayscale) or 3 (RGB).", DefaultValueFactory = _ => 3 };
        var output = new Option<string>("--out") { Description = "Packed dataset file to write (use it with 'alae train --data FILE').", Required = true };
        var command = new Command("prepare", "Pack a folder of images into one file holding every level of detail (centre crop, resize, 2x2 average pooling down to 4x4).")
        {
            images, resolution, channels, output,
        };
        command.SetAction(p => CommandGuard.Run(() =>
        {
            int side = p.GetValue(resolution), c = p.GetValue(channels);
            if (side < 4 || (side & (side - 1)) != 0) throw new ArgumentException($"--resolution {side} must be a power of two, at least 4.");
            if (c is not (1 or 3)) throw new ArgumentException($"--channels {c} must be 1 or 3.");
            var report = DatasetPreparer.Prepare(p.GetValue(images)!, side, c, p.GetValue(output)!,
                progress => Console.Write($"\r{progress.Phase} {progress.Done}/{progress.Total}   "));
            Console.WriteLine();
            Console.WriteLine(report);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Describe()
    {
        var config = ConfigOption();
        var layers = new Option<bool>("--layers") { Description = "Also print every parameter tensor (official name, shape, count)." };
        var command = new Command("describe", "Print each StyleALAE network's parameter count (and with --layers its parameter table) for a config.") { config, layers };
        command.SetAction(p => CommandGuard.Run(() =>
        {
            var cfg = StyleAlaeConfigs.Load(p.GetValue(config)!);
            var shape = StyleModelKind.ShapeOf(cfg);
            var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(0), shape);
            Console.WriteLine($"{p.GetValue(config)}: {shape.TopResolution}x{shape.TopResolution}x{shape.Channels}, {shape.LayerCount} blocks, latent {shape.LatentSize}, generator {cfg.Model.Generator}");
            foreach (var (prefix, network) in model.Networks())
            {
                Console.WriteLine($"{NetworkName(prefix),-2} ({prefix.TrimEnd('.')}) {network.ParameterCount,14:N0} parameters");
                if (!p.GetValue(layers)) continue;
                foreach (var row in ParameterTable.Rows(network, prefix))
                    Console.WriteLine($"     {row.Name,-52} {"[" + string.Join(", ", row.Shape) + "]",-20} {row.Count,12:N0}");
            }
            Console.WriteLine($"total {model.Networks().Sum(n => n.Network.ParameterCount),18:N0} parameters");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string NetworkName(string prefix) => prefix switch
    {
        StyleAlae.MappingPrefix => "F",
        StyleAlae.GeneratorPrefix => "G",
        StyleAlae.EncoderPrefix => "E",
        _ => "D",
    };

    private static Command Mix()
    {
        var device = AlaeCommand.DeviceOption();
        var runArg = new Argument<string>("run") { Description = "The run folder (runs/NAME)." };
        var rows = new Option<int>("--rows") { Description = "Latents giving the coarse styles (one per row).", DefaultValueFactory = _ => StyleFigures.MixingSources };
        var columns = new Option<int>("--columns") { Description = "Latents giving the fine styles (one per column).", DefaultValueFactory = _ => StyleFigures.MixingSources };
        var cutoff = new Option<int?>("--cutoff") { Description = "Style slots taken from the row's latent (default: the first half of the active slots)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the latents.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "PNG to write (relative paths go into the run folder).", DefaultValueFactory = _ => "mixing.png" };
        var command = new Command("mix", "Style-mixing grid of a StyleALAE run: rows take coarse styles from one set of latents, columns fine styles from another.")
        {
            runArg, device, rows, columns, cutoff, seed, output,
        };
        command.SetAction(p => CommandGuard.Run(() => DrawFromRun(p, runArg, device, output, "style mixing needs a generator with style slots",
            (path, model) => StyleFigures.SaveMixingGrid(path, model, p.GetValue(seed), p.GetValue(rows), p.GetValue(columns), p.GetValue(cutoff)))));
        return command;
    }

    private static Command Fade()
    {
        var device = AlaeCommand.DeviceOption();
        var runArg = new Argument<string>("run") { Description = "The run folder (runs/NAME)." };
        var level = new Option<int?>("--lod") { Description = "Level of detail whose fade-in to draw (default: the run's last level)." };
        var rows = new Option<int>("--rows") { Description = "Latents (one per row).", DefaultValueFactory = _ => StyleFigures.FadeInRows };
        var steps = new Option<int>("--steps") { Description = "Blend values from 0 to 1 (one per column).", DefaultValueFactory = _ => StyleFigures.FadeInSteps };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the latents.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "PNG to write (relative paths go into the run folder).", DefaultValueFactory = _ => "fade-in.png" };
        var command = new Command("fade", "Fade-in strip of a StyleALAE run: each row one latent, the blend of a level's new block going from 0 to 1 across the columns.")
        {
            runArg, device, level, rows, steps, seed, output,
        };
        command.SetAction(p => CommandGuard.Run(() => DrawFromRun(p, runArg, device, output, "a fade-in needs progressive levels of detail",
            (path, model) => StyleFigures.SaveFadeInStrip(path, model.At(p.GetValue(level) ?? model.Lod, 1f), p.GetValue(seed), p.GetValue(rows), p.GetValue(steps)))));
        return command;
    }

    // Opens a StyleALAE run's EMA model on the chosen device, draws a figure into the output path and names it.
    private static int DrawFromRun(ParseResult p, Argument<string> runArg, Option<string?> device, Option<string> output, string why, Action<string, StyleAutoencoder> draw)
    {
        var run = RunDirectory.Open(p.GetValue(runArg)!);
        if (RunCatalog.KindOf(run) is not StyleModelKind kind)
            throw new ArgumentException($"{run.Path} is not a StyleALAE run: {why}.");
        using var backend = CommandGuard.OpenDevice(p.GetValue(device));
        string path = Path.IsPathRooted(p.GetValue(output)!) ? p.GetValue(output)! : run.File(p.GetValue(output)!);
        draw(path, kind.OpenEma(run, backend.Value));
        Console.WriteLine($"written {path}");
        return ExitCodes.Ok;
    }
}
