using System.CommandLine;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Diagnostics;

namespace AlaeIlgpu.Cli;

/// <summary><c>alae check</c>: every kernel on a device against a second backend, as a table; non-zero exit on a mismatch.</summary>
public static class CheckCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var device = AlaeCommand.DeviceOption();
        var command = new Command("check", "Run every kernel on --device and on a reference backend (cpu, or ilgpu-cpu when the device is cpu) and compare.");
        command.Options.Add(device);
        command.SetAction(parse => Run(parse.GetValue(device)));
        return command;
    }

    private static int Run(string? spec)
    {
        var backend = AlaeCommand.OpenDevice(spec);
        if (backend is null) return ExitCodes.Usage;
        using var reference = backend is CpuBackend ? Devices.OpenSimulator() : null;
        Backend referenceBackend = reference is null ? CpuBackend.Instance : reference;
        Console.WriteLine($"device    {backend.Name}: {backend.Description}");
        Console.WriteLine($"reference {referenceBackend.Name}: {referenceBackend.Description}");
        Console.WriteLine();
        Console.WriteLine($"{"kernel",-44} {"max rel diff",12} {"time ms",10}  result");
        var results = KernelCheck.Run(backend, referenceBackend,
            r => Console.WriteLine($"{r.Kernel,-44} {r.MaxDifference,12:E2} {r.Milliseconds,10:F2}  {(r.Passed ? "ok" : "FAIL")}"));
        int failed = results.Count(r => !r.Passed);
        Console.WriteLine();
        Console.WriteLine($"{results.Count - failed} passed, {failed} failed (tolerance {KernelCheck.Tolerance:E0})");
        if (!ReferenceEquals(backend, CpuBackend.Instance)) backend.Dispose();
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Error;
    }
}
