using System.Diagnostics;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Diagnostics;

/// <summary>One row of <c>alae check</c>: a kernel run on two backends from the same seeded inputs.</summary>
/// <param name="Kernel">What ran.</param>
/// <param name="MaxDifference">Largest |device - reference| over the output, relative to max(1, |reference|).</param>
/// <param name="Milliseconds">Wall time on the device under test, including synchronisation.</param>
/// <param name="Passed">Whether the difference is within <see cref="KernelCheck.Tolerance"/>.</param>
public sealed record KernelCheckResult(string Kernel, double MaxDifference, double Milliseconds, bool Passed);

/// <summary>
/// Runs every registered check case (<see cref="CheckCatalog"/>) on a device and on a reference backend with the same
/// seeded inputs and compares them: the check a user runs after installing a GPU (<c>alae check --device cuda</c>).
/// </summary>
public static class KernelCheck
{
    /// <summary>
    /// Allowed relative difference: float32 kernels that sum in a different order (tiled GEMM, tree reductions) or use
    /// approximate transcendental instructions (PTX ex2.approx) differ by a few ulps times the reduction length.
    /// </summary>
    public const double Tolerance = 1e-3;

    /// <summary>
    /// Runs every case of <see cref="CheckCatalog"/> on <paramref name="device"/> and <paramref name="reference"/>;
    /// <paramref name="completed"/> sees each result as soon as it is known.
    /// </summary>
    public static IReadOnlyList<KernelCheckResult> Run(Backend device, Backend reference, Action<KernelCheckResult>? completed = null) =>
        CheckCatalog.All.Select(c =>
        {
            var result = Compare(c, device, reference);
            completed?.Invoke(result);
            return result;
        }).ToList();

    private static KernelCheckResult Compare(CheckCase c, Backend device, Backend reference)
    {
        float[] expected = Evaluate(c, reference, out _);
        float[] actual = Evaluate(c, device, out double ms);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            worst = double.IsNaN(diff) ? double.PositiveInfinity : Math.Max(worst, diff);
        }
        if (actual.Length != expected.Length) worst = double.PositiveInfinity;
        return new KernelCheckResult(c.Name, worst, ms, worst <= Tolerance);
    }

    private static float[] Evaluate(CheckCase c, Backend backend, out double milliseconds)
    {
        using var scope = new TensorScope();
        c.Run(backend, new RandomGenerator(20261127)).ToArray();   // warm-up: compiles kernels on first use
        var clock = Stopwatch.StartNew();
        var output = c.Run(backend, new RandomGenerator(20261127));
        backend.Synchronize();
        milliseconds = clock.Elapsed.TotalMilliseconds;
        return output.ToArray();
    }
}
