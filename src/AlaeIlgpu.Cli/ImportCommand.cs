using System.CommandLine;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Cli;

/// <summary><c>alae import FILE.pth</c>: an official ALAE checkpoint as a StyleALAE run.</summary>
public static class ImportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var file = new Argument<string>("file") { Description = "The official checkpoint (.pth, zip or legacy format), e.g. training_artifacts/ffhq/model_157.pth." };
        var name = new Option<string?>("--name") { Description = "Run name, a single folder name (default: <checkpoint folder>-<file name>, e.g. ffhq-model_157)." };
        var runs = new Option<string>("--runs") { Description = "Folder that holds runs.", DefaultValueFactory = _ => "runs" };
        var data = new Option<string?>("--data") { Description = "Images for 'alae reconstruct' and 'interpolate' (config data.path; default: the closest built-in config's)." };
        var command = new Command("import", "Import an official ALAE checkpoint (podgorskiy/ALAE .pth) as a StyleALAE run for sample, reconstruct, mix and interpolate.")
        {
            file, name, runs, data,
        };
        command.SetAction(p => CommandGuard.Run(() =>
        {
            string path = p.GetValue(file)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.");
            string runPath = Path.Combine(p.GetValue(runs)!, RunDirectory.ValidateName(p.GetValue(name) ?? DefaultName(path)));
            var imported = OfficialCheckpointImport.Import(path, runPath, p.GetValue(data));
            var s = imported.Shape;
            Console.WriteLine($"imported {path}: {s.TopResolution}x{s.TopResolution}x{s.Channels}, {s.LayerCount} blocks, latent {s.LatentSize}, " +
                              $"mapping {s.MappingLayers} layers, channels {s.StartChannels}..{s.MaxChannels} (config from '{imported.BaseConfig}')");
            Console.WriteLine($"data.path = {imported.Config.Data.Path} (the images 'alae reconstruct' reads; change it with --data or in config.json)");
            Console.WriteLine($"written {imported.Run.Path}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    // "ffhq/model_157.pth" -> "ffhq-model_157"; a file without a folder -> its name.
    private static string DefaultName(string path)
    {
        string stem = Path.GetFileNameWithoutExtension(path);
        string? folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)));
        return string.IsNullOrEmpty(folder) ? stem : $"{folder}-{stem}";
    }
}
