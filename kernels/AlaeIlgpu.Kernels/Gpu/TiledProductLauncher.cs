using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>
/// A launch shape of <see cref="TiledProductKernel"/>: a square group, the depth of a stage and the side of each
/// thread's register tile. The kernel is compiled for the (depth, register side) pairs of <see cref="Compiled"/>.
/// </summary>
/// <param name="GroupSide">Threads along each side of a group.</param>
/// <param name="Depth">Steps of k per stage.</param>
/// <param name="RegisterSide">Rows and columns of C per thread (<see cref="RegisterTile4"/> or <see cref="RegisterTile8"/>).</param>
public readonly record struct TileShape(int GroupSide, int Depth, int RegisterSide = 4)
{
    /// <summary>The (depth, register side) pairs the kernel is built for (<see cref="TiledProductKernel.Variants"/>).</summary>
    public static IReadOnlyList<(int Depth, int RegisterSide)> Compiled { get; } =
        [.. TiledProductKernel.Variants.Select(v => (v.Depth, v.RegisterSide))];

    /// <summary>Side of the block of C that one group computes.</summary>
    public int BlockSide => GroupSide * RegisterSide;

    /// <summary>
    /// The shape for a product of <paramref name="rows"/> x <paramref name="columns"/> over <paramref name="depth"/>.
    /// The group is the largest square of at most 16 x 16 threads the accelerator allows, halved (down to 8 x 8) while
    /// its blocks would leave multiprocessors idle; long reductions (k of 128 or more) stage 32 steps of k at a time,
    /// shorter ones 16. These thresholds are first guesses: they are to be measured on a GPU (benchmarks/gpu/run.sh),
    /// none having been lent while they were written. On ILGPU's CPU simulator every thread is an OS thread, so a
    /// test device allows small groups only (2 x 2 by default), which this keeps.
    /// </summary>
    /// <param name="rows">Rows of C.</param>
    /// <param name="columns">Columns of C.</param>
    /// <param name="depth">Reduction length.</param>
    /// <param name="maxThreadsPerGroup">The accelerator's group limit.</param>
    /// <param name="multiprocessors">The accelerator's multiprocessor count.</param>
    public static TileShape Pick(int rows, int columns, int depth, int maxThreadsPerGroup, int multiprocessors)
    {
        int side = TiledProductKernel.MaxGroupSide;
        while (side > 1 && side * side > maxThreadsPerGroup)
        {
            side /= 2;
        }

        while (side > MinShrunkSide && Blocks(rows, columns, side) < multiprocessors)
        {
            side /= 2;
        }

        return new TileShape(side, depth >= LongDepth ? 32 : 16);
    }

    /// <summary>
    /// Every shape worth timing on an accelerator whose groups hold at most <paramref name="maxThreadsPerGroup"/> threads:
    /// square groups of side 16, 8 and 4 (on the CPU simulator, the largest it allows), each with every
    /// <see cref="Compiled"/> pair of stage depth and register tile.
    /// <c>alae bench --tile-sweep</c> times them all under <see cref="Force"/>, so that <see cref="Pick"/>'s thresholds
    /// can come from measurement.
    /// </summary>
    /// <param name="maxThreadsPerGroup">The accelerator's group limit.</param>
    public static IReadOnlyList<TileShape> Candidates(int maxThreadsPerGroup)
    {
        var sides = new[] { 16, 8, 4 }.Where(side => side * side <= maxThreadsPerGroup).ToList();
        if (sides.Count == 0)
        {
            sides.Add(Pick(1, 1, 1, maxThreadsPerGroup, 1).GroupSide);
        }

        return [.. sides.SelectMany(side => Compiled.Select(pair => new TileShape(side, pair.Depth, pair.RegisterSide)))];
    }

    /// <summary>
    /// Makes every tiled-product launch on this thread use <paramref name="shape"/> instead of <see cref="Pick"/>'s
    /// until the returned scope is disposed (scopes nest). For timing shapes against each other, not for production.
    /// </summary>
    /// <param name="shape">The shape to launch with.</param>
    public static IDisposable Force(TileShape shape) => new ForcedScope(shape);

    /// <summary>The shape a <see cref="Force"/> scope holds on this thread, if any.</summary>
    internal static TileShape? Forced => t_forced;

    [ThreadStatic]
    private static TileShape? t_forced;

    private sealed class ForcedScope : IDisposable
    {
        private readonly TileShape? _previous = t_forced;
        private bool _disposed;

        public ForcedScope(TileShape shape) => t_forced = shape;

        public void Dispose()
        {
            if (!_disposed)
            {
                t_forced = _previous;
                _disposed = true;
            }
        }
    }

    /// <summary>Smallest group side the multiprocessor rule shrinks to (8 x 8 = 64 threads, two warps).</summary>
    private const int MinShrunkSide = 8;

    /// <summary>Reduction length from which stages of 32 are used.</summary>
    private const int LongDepth = 128;

    private static long Blocks(int rows, int columns, int side)
    {
        long block = side * RegisterTile4.Side;   // Pick keeps 4 x 4 register tiles until a GPU has measured the 8 x 8 ones
        return (rows + block - 1) / block * ((columns + block - 1) / block);
    }
}

/// <summary>
/// Loads <see cref="TiledProductKernel"/> for one product type on one accelerator (each compiled variant on first
/// use) and launches it on the default stream, asynchronously.
/// </summary>
/// <typeparam name="TProduct">The product the kernel is specialised for.</typeparam>
public sealed class TiledProductLauncher<TProduct> where TProduct : struct, ITiledProduct
{
    private readonly Accelerator _accelerator;
    private readonly Dictionary<(int Depth, int RegisterSide), Lazy<Action<KernelConfig, TProduct, ProductEpilogue, ArrayView<float>>>> _kernels;

    /// <summary>Prepares the kernels for <paramref name="accelerator"/> (compiled on first launch).</summary>
    public TiledProductLauncher(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        _accelerator = accelerator;
        _kernels = TileShape.Compiled.ToDictionary(pair => pair, pair =>
            new Lazy<Action<KernelConfig, TProduct, ProductEpilogue, ArrayView<float>>>(() => Load(accelerator, pair)));
    }

    /// <summary>
    /// The shape for <paramref name="product"/> on this accelerator: the one a <see cref="TileShape.Force"/> scope holds,
    /// else <see cref="TileShape.Pick"/>'s.
    /// </summary>
    public TileShape PickShape(TProduct product) => TileShape.Forced ??
        TileShape.Pick(product.Rows, product.Columns, product.Depth, _accelerator.MaxNumThreadsPerGroup, _accelerator.NumMultiprocessors);

    /// <summary>Computes <paramref name="product"/> into <paramref name="c"/> with the shape the table picks.</summary>
    public void Launch(TProduct product, ProductEpilogue epilogue, ArrayView<float> c) =>
        Launch(product, epilogue, c, PickShape(product));

    /// <summary>Computes <paramref name="product"/> into <paramref name="c"/> with a given shape.</summary>
    /// <exception cref="ArgumentException">The group exceeds the accelerator's limit or the kernel's shared memory, or
    /// the pair of depth and register side is not one of <see cref="TileShape.Compiled"/>.</exception>
    public void Launch(TProduct product, ProductEpilogue epilogue, ArrayView<float> c, TileShape shape)
    {
        if (shape.GroupSide < 1 || shape.GroupSide > TiledProductKernel.MaxGroupSide ||
            shape.GroupSide * shape.GroupSide > _accelerator.MaxNumThreadsPerGroup)
        {
            throw new ArgumentException($"Tiled product: group side {shape.GroupSide} is not in 1..{TiledProductKernel.MaxGroupSide} " +
                $"or exceeds the accelerator's {_accelerator.MaxNumThreadsPerGroup} threads per group.", nameof(shape));
        }

        if (!_kernels.TryGetValue((shape.Depth, shape.RegisterSide), out var kernel))
        {
            throw new ArgumentException($"Tiled product: stage depth {shape.Depth} with {shape.RegisterSide} x {shape.RegisterSide} " +
                $"register tiles is not compiled; the pairs are {string.Join(", ", TileShape.Compiled)}.", nameof(shape));
        }

        if (product.Rows == 0 || product.Columns == 0)
        {
            return;
        }

        int block = shape.BlockSide;
        var grid = new Index2D((product.Columns + block - 1) / block, (product.Rows + block - 1) / block);
        kernel.Value(new KernelConfig(grid, new Index2D(shape.GroupSide, shape.GroupSide)), product, epilogue, c);
    }

    private static Action<KernelConfig, TProduct, ProductEpilogue, ArrayView<float>> Load(Accelerator accelerator,
        (int Depth, int RegisterSide) pair)
    {
        var variant = TiledProductKernel.Variants.Single(v => (v.Depth, v.RegisterSide) == pair);
        var run = Instantiate(variant).CreateDelegate<Action<TProduct, ProductEpilogue, ArrayView<float>>>();
        return accelerator.LoadStreamKernel(run);
    }

    private static System.Reflection.MethodInfo Instantiate(TiledProductKernel.Variant variant) =>
        typeof(TiledProductKernel).GetMethod(nameof(TiledProductKernel.Run))!
            .MakeGenericMethod(typeof(TProduct), variant.DepthType, variant.TileType);

    /// <summary>The kernel entries of one product type, one per compiled variant, for <see cref="KernelCatalog"/>.</summary>
    /// <param name="name">The family's name for the product, e.g. <c>Gemm.Tiled</c>; variants append the stage depth,
    /// and <c>x8</c> for 8 x 8 register tiles.</param>
    public static IEnumerable<KernelEntry> Entries(string name) =>
        TiledProductKernel.Variants.Select(v => KernelEntry.Explicit(
            $"{name}{v.Depth}{(v.RegisterSide == RegisterTile4.Side ? "" : $"x{v.RegisterSide}")}",
            typeof(TiledProductKernel), nameof(TiledProductKernel.Run), typeof(TProduct), v.DepthType, v.TileType));
}
