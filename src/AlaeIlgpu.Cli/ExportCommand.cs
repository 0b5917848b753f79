using System.CommandLine;
using AlaeIlgpu.Alae.Style;

namespace AlaeIlgpu.Cli;

/// <summary><c>alae export RUN --out FILE.pth</c>: a StyleALAE run as an official ALAE checkpoint.</summary>
public static class ExportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var runArg = new Argument<string>("run") { Description = "The StyleALAE run folder (runs/NAME)." };
        var output = new Option<string>("--out") { Description = "The checkpoint to write (.pth, PyTorch's zip format; replaced if it exists).", Required = true };
        var command = new Command("export", "Write a StyleALAE run as an official ALAE checkpoint (podgorskiy/ALAE layout: models.generator, discriminator, mapping_tl, mapping_fl, their _s EMA copies, dlatent_avg).")
        {
            runArg, output,
        };
        command.SetAction(p => CommandGuard.Run(() =>
        {
            string path = p.GetValue(output)!;
            var s = OfficialCheckpointExport.Export(p.GetValue(runArg)!, path);
            Console.WriteLine($"exported {s.TopResolution}x{s.TopResolution}x{s.Channels}, {s.LayerCount} blocks, latent {s.LatentSize}: written {path}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
