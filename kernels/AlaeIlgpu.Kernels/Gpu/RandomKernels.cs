using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>ILGPU random fills from the counter-based <see cref="Philox"/> generator.</summary>
public static class RandomKernels
{
    /// <summary>Stream identity: 64-bit seed and 64-bit offset split into 32-bit halves.</summary>
    public readonly struct Stream
    {
        /// <summary>Seed and offset halves.</summary>
        public readonly uint SeedLo, SeedHi, OffsetLo, OffsetHi;

        /// <summary>Creates the stream identity of (seed, offset).</summary>
        public Stream(ulong seed, ulong offset) =>
            (SeedLo, SeedHi, OffsetLo, OffsetHi) = ((uint)seed, (uint)(seed >> 32), (uint)offset, (uint)(offset >> 32));
    }

    /// <summary>y[i] = standard normal sample i of the stream.</summary>
    public static void Normal(Index1D i, ArrayView<float> y, Stream s) =>
        y[i] = Philox.Normal(s.SeedLo, s.SeedHi, s.OffsetLo, s.OffsetHi, (uint)i.X);

    /// <summary>y[i] = uniform (0, 1] sample i of the stream.</summary>
    public static void Uniform(Index1D i, ArrayView<float> y, Stream s) =>
        y[i] = Philox.Uniform(s.SeedLo, s.SeedHi, s.OffsetLo, s.OffsetHi, (uint)i.X);

    /// <summary>Kernel entries for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        KernelEntry.Implicit("Random.Normal", typeof(RandomKernels), nameof(Normal)),
        KernelEntry.Implicit("Random.Uniform", typeof(RandomKernels), nameof(Uniform)),
    ];
}

/// <summary>Loads and launches the random kernels on one accelerator.</summary>
public sealed class RandomLauncher
{
    private readonly Action<Index1D, ArrayView<float>, RandomKernels.Stream> _normal;
    private readonly Action<Index1D, ArrayView<float>, RandomKernels.Stream> _uniform;

    /// <summary>Compiles the kernels for the accelerator.</summary>
    public RandomLauncher(Accelerator accelerator)
    {
        _normal = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, RandomKernels.Stream>(RandomKernels.Normal);
        _uniform = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, RandomKernels.Stream>(RandomKernels.Uniform);
    }

    /// <summary>Fills y with N(0, 1) or U(0, 1] samples of the stream (seed, offset).</summary>
    public void Fill(ArrayView<float> y, ulong seed, ulong offset, bool normal)
    {
        if (y.Length == 0) return;
        (normal ? _normal : _uniform)((int)y.Length, y, new RandomKernels.Stream(seed, offset));
    }
}
