using System.CommandLine;
using System.Globalization;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Style;

namespace AlaeIlgpu.Cli;

/// <summary><c>alae probe</c>: times full StyleALAE iterations of a config on random images and reports peak memory.</summary>
public static class ProbeCommand
{
    private const double Mebibyte = 1024.0 * 1024.0;

    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var config = StyleCommands.ConfigOption();
        var device = AlaeCommand.DeviceOption();
        var lod = new Option<int?>("--lod") { Description = "Level of detail (0 = 4x4; default: the config's top one)." };
        var blend = new Option<double>("--blend") { Description = "Fade-in blend of the level's new block, in (0, 1].", DefaultValueFactory = _ => 1 };
        var batch = new Option<int?>("--batch") { Description = "Images per iteration (default: the config's batch size at that level)." };
        var iterations = new Option<int>("--iterations") { Description = "Timed iterations.", DefaultValueFactory = _ => 3 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed iterations first.", DefaultValueFactory = _ => 1 };
        var command = new Command("probe", "Build a StyleALAE config as training does and time full iterations (3 steps, R1, EMA) on random images: " +
                                           "losses and ms per iteration, mean/median ms, images/s and the process's peak memory (exit 3 on a NaN loss).")
        {
            config, device, lod, blend, batch, iterations, warmup,
        };
        command.SetAction(p => CommandGuard.Run(() =>
        {
            var cfg = StyleAlaeConfigs.Load(p.GetValue(config)!);
            var settings = StyleStepProbe.Resolve(cfg, new StyleProbeSettings(p.GetValue(lod), p.GetValue(blend), p.GetValue(batch), p.GetValue(iterations), p.GetValue(warmup)));
            using var backend = CommandGuard.OpenDevice(p.GetValue(device));
            int side = StyleAlaeShape.Resolution(settings.Lod!.Value);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"probe {p.GetValue(config)} on {backend.Value}: lod {settings.Lod} ({side}x{side}), " +
                $"blend {settings.Blend:G4}, batch {settings.Batch}, {settings.Warmup} warmup + {settings.Iterations} timed iterations"));
            var report = StyleStepProbe.Run(cfg, backend.Value, settings, i => Console.WriteLine(Line(i)));
            Print(report);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Line(StyleProbeIteration i) =>
        string.Create(CultureInfo.InvariantCulture, $"{(i.IsWarmup ? "warmup" : "iteration"),-9} {i.Number,3}: ") +
        string.Join(" ", i.Losses.ToScalars().Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {s.Value,9:G5}"))) +
        string.Create(CultureInfo.InvariantCulture, $"  {i.Milliseconds,10:F1} ms");

    private static void Print(StyleProbeReport r)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"mean {r.MeanMilliseconds:F1} ms, median {r.MedianMilliseconds:F1} ms per iteration, {r.ImagesPerSecond:G4} images/s"));
        Console.WriteLine(string.Create(c, $"peak memory {r.PeakWorkingSetBytes / Mebibyte:F0} MiB (process peak working set), tensor buffers held {r.TensorBufferBytes / Mebibyte:F0} MiB"));
    }
}
