using System.Text.Json;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Kernels.Gpu;

namespace AlaeIlgpu.Cli;

/// <summary>
/// <c>alae bench --tile-sweep</c>: each case timed at every <see cref="TileShape.Candidates"/> shape (under
/// <see cref="TileShape.Force"/>) and as <see cref="TileShape.Pick"/> chooses, one JSON line per shape and a summary
/// line per case, so that the thresholds of <see cref="TileShape.Pick"/> can be set from one run on a GPU.
/// </summary>
public static class TileSweep
{
    /// <summary>Times <paramref name="cases"/> at every shape on <paramref name="backend"/>.</summary>
    /// <param name="backend">An ILGPU backend.</param>
    /// <param name="cases">The cases to time.</param>
    /// <param name="median">Median milliseconds of a case, warm-up and synchronization included.</param>
    /// <exception cref="ArgumentException">The backend has no tiled GPU kernel.</exception>
    public static void Run(Backend backend, IEnumerable<BenchCase> cases, Func<BenchCase, double> median)
    {
        if (backend is not IlgpuBackend ilgpu)
            throw new ArgumentException($"--tile-sweep times the tile shapes of the ILGPU kernels; --device {backend.Name} has none (use cuda, opencl or ilgpu-cpu).");
        var shapes = TileShape.Candidates(ilgpu.Accelerator.MaxNumThreadsPerGroup);
        foreach (var c in cases)
        {
            double picked = median(c);
            var timed = shapes.Select(shape => (Shape: shape, Ms: Timed(shape, c, median))).ToList();
            foreach (var (shape, ms) in timed)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    name = c.Name, kind = c.Kind, dims = c.Dims, device = backend.Name, group_side = shape.GroupSide, depth = shape.Depth,
                    register_side = shape.RegisterSide,
                    median_ms = ms, gflops = c.Flop > 0 ? c.Flop / ms / 1e6 : 0,
                }));
            }
            var fastest = timed.MinBy(t => t.Ms);
            Console.WriteLine($"# {c.Name}: fastest {Describe(fastest.Shape)} at {fastest.Ms:F3} ms; as picked {picked:F3} ms " +
                              $"({picked / fastest.Ms:F2}x the fastest)");
        }
    }

    private static double Timed(TileShape shape, BenchCase c, Func<BenchCase, double> median)
    {
        using (TileShape.Force(shape)) return median(c);
    }

    private static string Describe(TileShape shape) =>
        $"{shape.GroupSide}x{shape.GroupSide} threads, depth {shape.Depth}, {shape.RegisterSide}x{shape.RegisterSide} per thread";
}
