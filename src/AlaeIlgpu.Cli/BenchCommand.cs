using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;

namespace AlaeIlgpu.Cli;

/// <summary>
/// <c>alae bench</c>: times the GEMM, convolution, modulated-convolution and training-iteration cases of
/// <see cref="BenchCases"/> on a device, with warm-up, and prints one JSON line per case (median milliseconds) for
/// <c>benchmarks/gpu/run.sh</c>, which times the same cases in PyTorch and prints the ratios.
/// </summary>
public static class BenchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var device = AlaeCommand.DeviceOption();
        var tiny = new Option<bool>("--tiny") { Description = "Small shapes that only prove the plumbing (for the CPU simulator)." };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs of each case first (compiles kernels, settles the JIT).", DefaultValueFactory = _ => 5 };
        var iterations = new Option<int>("--iterations") { Description = "Timed runs of each case; the median is reported.", DefaultValueFactory = _ => 20 };
        var tileSweep = new Option<bool>("--tile-sweep")
        {
            Description = "Instead, time the GEMM, conv and modulated-conv cases at every tile shape of the GPU's tiled kernel " +
                          "(an ILGPU device only) and summarise the fastest shape per case against the one TileShape.Pick chooses.",
        };
        var command = new Command("bench", "Time GEMM, conv, modulated conv (forward + backward) and one MLP ALAE iteration on --device: " +
                                           "one JSON line per case with the median ms and GFLOP/s (benchmarks/gpu/run.sh compares them with PyTorch).")
        {
            device, tiny, warmup, iterations, tileSweep,
        };
        command.SetAction(p => CommandGuard.Run(() =>
        {
            int warm = p.GetValue(warmup), timed = p.GetValue(iterations);
            if (warm < 0 || timed < 1) throw new ArgumentException($"--warmup must be at least 0 and --iterations at least 1; got {warm} and {timed}.");
            using var backend = CommandGuard.OpenDevice(p.GetValue(device));
            Console.WriteLine($"# alae bench on {backend.Value.Name}: {backend.Value.Description}");
            if (p.GetValue(tileSweep))
            {
                TileSweep.Run(backend.Value, BenchCases.Kernels(backend.Value, p.GetValue(tiny)), c => MedianMilliseconds(c, backend.Value, warm, timed));
                return ExitCodes.Ok;
            }
            foreach (var c in BenchCases.Create(backend.Value, p.GetValue(tiny)))
            {
                double median = MedianMilliseconds(c, backend.Value, warm, timed);
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    name = c.Name, kind = c.Kind, dims = c.Dims, device = backend.Value.Name, median_ms = median,
                    gflops = c.Flop > 0 ? c.Flop / median / 1e6 : 0,
                }));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static double MedianMilliseconds(BenchCase c, Backends.Backend backend, int warmup, int iterations)
    {
        for (int i = 0; i < warmup; i++) c.Run();
        backend.Synchronize();
        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            c.Run();
            backend.Synchronize();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[iterations / 2];
    }
}
