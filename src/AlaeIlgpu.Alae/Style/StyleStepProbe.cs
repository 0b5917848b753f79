using System.Diagnostics;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Alae.Style;

/// <summary>What <see cref="StyleStepProbe.Run"/> runs (the names are those of <c>alae probe</c>'s options).</summary>
/// <param name="Lod">Level of detail (null: the config's top one).</param>
/// <param name="Blend">Fade-in blend of the new block, in (0, 1]; 1 = no transition.</param>
/// <param name="Batch">Images per iteration (null: the config's batch size at that LOD).</param>
/// <param name="Iterations">Timed iterations.</param>
/// <param name="Warmup">Iterations run first and not timed.</param>
public sealed record StyleProbeSettings(int? Lod = null, double Blend = 1, int? Batch = null, int Iterations = 3, int Warmup = 1);

/// <summary>One iteration of a probe.</summary>
/// <param name="Number">1-based, warmups and timed iterations counted separately.</param>
/// <param name="IsWarmup">A warmup (not in the figures).</param>
/// <param name="Losses">The three losses.</param>
/// <param name="Milliseconds">Wall time of the whole iteration.</param>
public sealed record StyleProbeIteration(int Number, bool IsWarmup, AlaeLosses Losses, double Milliseconds);

/// <summary>What a probe measured.</summary>
/// <param name="Lod">Level of detail run.</param>
/// <param name="Blend">Blend run.</param>
/// <param name="Batch">Images per iteration.</param>
/// <param name="Iterations">Every iteration, warmups first.</param>
/// <param name="PeakWorkingSetBytes">The process's peak resident memory so far (VmHWM on Linux), model build included.</param>
/// <param name="TensorBufferBytes">Bytes of tensor buffers the backend holds (in use or pooled for reuse).</param>
public sealed record StyleProbeReport(int Lod, double Blend, int Batch, IReadOnlyList<StyleProbeIteration> Iterations,
                                      long PeakWorkingSetBytes, long TensorBufferBytes)
{
    /// <summary>Mean wall time of the timed iterations.</summary>
    public double MeanMilliseconds => Timed.Average();

    /// <summary>Median wall time of the timed iterations.</summary>
    public double MedianMilliseconds
    {
        get
        {
            var sorted = Timed.Order().ToArray();
            int middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    /// <summary>Real images consumed per second at the mean time.</summary>
    public double ImagesPerSecond => Batch * 1000 / MeanMilliseconds;

    private IEnumerable<double> Timed => Iterations.Where(i => !i.IsWarmup).Select(i => i.Milliseconds);
}

/// <summary>
/// Whether a StyleALAE config fits a machine and how fast it trains there: builds the config's model, optimizers and
/// step as a training run does (<see cref="StyleAlaeTraining"/>), then times full iterations (three steps with R1,
/// EMA update) on seeded random images at one level of detail and blend, and reads the process's peak memory.
/// </summary>
public static class StyleStepProbe
{
    /// <summary>
    /// <paramref name="settings"/> with the level of detail and batch size filled in from <paramref name="config"/>
    /// (top level, its batch size), after checking every setting.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is out of range (the message names its option).</exception>
    public static StyleProbeSettings Resolve(StyleAlaeConfig config, StyleProbeSettings settings)
    {
        int lod = settings.Lod ?? config.Model.LayerCount - 1;
        Check(settings, lod, config.Model.LayerCount);
        return settings with { Lod = lod, Batch = settings.Batch ?? new LodSchedule(config).BatchSize(lod) };
    }

    /// <summary>
    /// Runs <paramref name="settings"/>' warmups and timed iterations of <paramref name="config"/> on
    /// <paramref name="backend"/>, reporting each iteration to <paramref name="progress"/> as it ends.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is out of range (the message names its option).</exception>
    /// <exception cref="TrainingDivergedException">A loss is NaN or infinite (the message names the iteration and the loss).</exception>
    public static StyleProbeReport Run(StyleAlaeConfig config, Backend backend, StyleProbeSettings settings, Action<StyleProbeIteration>? progress = null)
    {
        settings = Resolve(config, settings);
        int lod = settings.Lod!.Value, batch = settings.Batch!.Value;
        var training = new StyleAlaeTraining(config, backend, new LodSchedule(config).LearningRate(lod));
        var images = new RandomGenerator(config.Training.Seed + 3);   // stands in for the data, so it takes the data order's seed
        var iterations = new List<StyleProbeIteration>();
        for (int i = 0; i < settings.Warmup + settings.Iterations; i++)
        {
            bool warmup = i < settings.Warmup;
            var iteration = TimeIteration(training, backend, images, lod, (float)settings.Blend, batch, warmup ? i + 1 : i + 1 - settings.Warmup, warmup);
            iterations.Add(iteration);
            progress?.Invoke(iteration);
        }
        using var process = Process.GetCurrentProcess();
        return new StyleProbeReport(lod, settings.Blend, batch, iterations, process.PeakWorkingSet64, backend.PooledBytes);
    }

    /// <summary>Stand-ins for real images: <paramref name="batch"/> x <paramref name="channels"/> uniform noise in [-1, 1] at level <paramref name="lod"/>.</summary>
    public static Tensor RandomImages(Backend backend, RandomGenerator generator, int batch, int channels, int lod)
    {
        int side = StyleAlaeShape.Resolution(lod);
        return Tensor.RandomUniform(backend, generator, batch, channels, side, side) * 2f - 1f;   // [B, C, R, R]
    }

    private static StyleProbeIteration TimeIteration(StyleAlaeTraining training, Backend backend, RandomGenerator images, int lod, float blend, int batch, int number, bool warmup)
    {
        using var scope = new TensorScope();
        var pixels = RandomImages(backend, images, batch, training.Shape.Channels, lod);
        var clock = Stopwatch.StartNew();
        var losses = training.Iterate(ProgressiveBlend.RealImages(pixels, blend), lod, blend);
        double milliseconds = clock.Elapsed.TotalMilliseconds;
        string where = warmup ? $"warmup iteration {number}" : $"iteration {number}";
        TrainingDivergedException.ThrowIfNotFinite(losses.ToScalars(), where, "this config diverges or overflows here.");
        return new StyleProbeIteration(number, warmup, losses, milliseconds);
    }

    private static void Check(StyleProbeSettings settings, int lod, int layerCount)
    {
        if (lod < 0 || lod >= layerCount)
            throw new ArgumentException($"--lod {lod} is out of range: the config has levels of detail 0 to {layerCount - 1} (4x4 to {StyleAlaeShape.Resolution(layerCount - 1)}x{StyleAlaeShape.Resolution(layerCount - 1)}).");
        if (settings.Blend is not (> 0 and <= 1))
            throw new ArgumentException($"--blend {settings.Blend} must be in (0, 1] (1 = no fade-in).");
        if (settings.Blend < 1 && lod == 0)
            throw new ArgumentException($"--blend {settings.Blend} needs --lod 1 or more: level 0 has no lower level to fade in from.");
        if (settings.Batch is < 1)
            throw new ArgumentException($"--batch {settings.Batch} must be at least 1.");
        if (settings.Iterations < 1)
            throw new ArgumentException($"--iterations {settings.Iterations} must be at least 1.");
        if (settings.Warmup < 0)
            throw new ArgumentException($"--warmup {settings.Warmup} must be 0 or more.");
    }
}
