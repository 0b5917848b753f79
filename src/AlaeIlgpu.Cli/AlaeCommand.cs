using System.CommandLine;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Cli;

/// <summary>The <c>alae</c> command tree: devices, check, train, eval, sample, reconstruct, interpolate.</summary>
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
        var root = new RootCommand("AlaeIlgpu: Adversarial Latent Autoencoders on a from-scratch C# GPU engine.");
        root.Subcommands.Add(DevicesCommand());
        root.Subcommands.Add(CheckCommand.Build());
        foreach (var command in MlpCommands.Build()) root.Subcommands.Add(command);
        return root;
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

    /// <summary>Opens a device, turning a bad spec into a message and exit code 2 instead of a stack trace.</summary>
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
