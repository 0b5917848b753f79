using System.CommandLine;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Cli;

/// <summary>The <c>alae</c> command tree: devices, check, bench, train, import, export, serve, eval, sample, reconstruct, interpolate, the StyleALAE ones and encode, decode, edit.</summary>
public static class AlaeCommand
{
    /// <summary>The shared <c>--device</c> option.</summary>
    public static Option<string?> DeviceOption() => new("--device", "-d")
    {
        Description = $"Where to run: {Devices.Accepted} (default: ${Devices.EnvironmentVariable}, else auto = CUDA, then OpenCL, then cpu).",
    };

    /// <summary>Builds the root command.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("alae: Adversarial Latent Autoencoders on a from-scratch C# GPU engine (exit codes: 0 ok, 1 bad input, 2 bad usage or device, 3 diverged, 130/143 interrupted by SIGINT/SIGTERM).");
        root.Subcommands.Add(DevicesCommand());
        root.Subcommands.Add(CheckCommand.Build());
        root.Subcommands.Add(BenchCommand.Build());
        root.Subcommands.Add(TrainCommand.Build());
        root.Subcommands.Add(ImportCommand.Build());
        root.Subcommands.Add(ExportCommand.Build());
        root.Subcommands.Add(ServeCommand.Build());
        foreach (var command in RunCommands.Build()) root.Subcommands.Add(command);
        foreach (var command in StyleCommands.Build()) root.Subcommands.Add(command);
        foreach (var command in LatentCommands.Build()) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; a command line that does not parse exits with <see cref="ExitCodes.Usage"/>.</summary>
    public static int Invoke(string[] args)
    {
        var result = Build().Parse(args);
        if (result.Errors.Count == 0) return result.Invoke();
        foreach (var error in result.Errors) Console.Error.WriteLine($"error: {error.Message}");
        Console.Error.WriteLine("Run 'alae --help' for the commands and options.");
        return ExitCodes.Usage;
    }

    private static Command DevicesCommand()
    {
        var command = new Command("devices", "List the backends and devices found on this machine.");
        command.SetAction(_ =>
        {
            foreach (var d in Devices.List()) Console.WriteLine($"{d.Spec,-12} {d.Description}");
            return 0;
        });
        return command;
    }

    /// <summary>Opens a device, turning a bad spec into a message (and, for the caller, exit code 2) instead of a stack trace.</summary>
    public static Backend? OpenDevice(string? spec)
    {
        try
        {
            return Devices.Open(spec);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: --device: {e.Message}");
            return null;
        }
    }
}
