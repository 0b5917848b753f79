using System.CommandLine;
using AlaeIlgpu.Serve;

namespace AlaeIlgpu.Cli;

/// <summary><c>alae serve</c>: the web view of runs (runs list, live training, explore, reconstruct, how it works) until Ctrl+C.</summary>
public static class ServeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var device = AlaeCommand.DeviceOption();
        var runArgs = new Argument<string[]>("run") { Description = "Run folders to serve (default: every run in --runs).", Arity = ArgumentArity.ZeroOrMore };
        var runs = new Option<string>("--runs") { Description = "Folder whose runs are listed (new runs appear as they start).", DefaultValueFactory = _ => "runs" };
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on (0: any free port).", DefaultValueFactory = _ => ServeOptions.DefaultPort };
        var host = new Option<string>("--host") { Description = "Address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 opens it to the network).", DefaultValueFactory = _ => ServeOptions.LoopbackHost };
        var command = new Command("serve", "Serve a browser view of runs: losses while training, samples, walks and sliders in w, reconstructions of your own images.") { runArgs, runs, port, host, device };
        command.SetAction((p, cancel) => Task.FromResult(CommandGuard.Run(() =>
        {
            if (p.GetValue(port) is < 0 or > 65535) throw new ArgumentException($"--port {p.GetValue(port)} must be from 0 to 65535.");
            var options = new ServeOptions(p.GetValue(runs)!, p.GetValue(runArgs) ?? [], p.GetValue(host)!, p.GetValue(port));
            using var backend = CommandGuard.OpenDevice(p.GetValue(device));
            Serve(options, backend, cancel).GetAwaiter().GetResult();
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static async Task Serve(ServeOptions options, OwnedBackend backend, CancellationToken cancel)
    {
        if (!options.IsLoopback)
            Console.Error.WriteLine($"warning: --host {options.Host} is not a loopback address: anyone who can reach this machine can see these runs and use their models (there is no login).");
        await using var server = await AlaeServer.StartAsync(options, backend.Value, cancel);
        Console.WriteLine($"serving {(options.Runs.Count > 0 ? string.Join(", ", options.Runs) : Path.GetFullPath(options.RunsFolder))} on {backend.Value.Name}");
        foreach (string url in server.Urls) Console.WriteLine($"open {url}/");
        Console.WriteLine("Ctrl+C stops the server.");
        await server.WaitForShutdownAsync(cancel);
        Console.WriteLine("stopped.");
    }
}
