using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>
/// ILGPU kernel of the Resample family (depthwise upfirdn2d, see <see cref="ResampleGeometry"/>): one thread per
/// output element, visiting only the filter taps that land on real (not zero-inserted) input samples. Resampling is
/// memory-bound and each input is reused only Fh*Fw/(up*up) times from cache, so no shared-memory tiling is used.
/// Launch it through <see cref="ResampleLauncher"/>.
/// </summary>
public static class ResampleKernels
{
    /// <summary>The kernels of this family, for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        KernelEntry.Implicit("Resample.Apply", typeof(ResampleKernels), nameof(Apply)),
    ];

    /// <summary>
    /// <c>y[p, oy, ox] = sum_{a,b} f[a, b] * u[p, oy*down + a - padTop, ox*down + b - padLeft]</c>; with
    /// <paramref name="flip"/> = 1 the filter is read rotated by 180 degrees (the adjoint pass).
    /// </summary>
    /// <param name="index">Flat output index.</param>
    /// <param name="g">The resampling.</param>
    /// <param name="x">Input <c>[Planes, H, W]</c>.</param>
    /// <param name="filter">Filter <c>[Fh, Fw]</c>.</param>
    /// <param name="flip">1 to read the filter flipped, 0 to read it as is.</param>
    /// <param name="y">Output <c>[Planes, Ho, Wo]</c>.</param>
    public static void Apply(Index1D index, ResampleGeometry g, ArrayView<float> x, ArrayView<float> filter, int flip, ArrayView<float> y)
    {
        int i = index;
        int ox = i % g.OutWidth, oy = i / g.OutWidth % g.OutHeight, plane = i / (g.OutWidth * g.OutHeight);
        int top = oy * g.Down - g.PadTop, left = ox * g.Down - g.PadLeft;
        int last = g.FilterLength - 1;
        float sum = 0f;
        for (int a = Phase(top, g.Up); a < g.FilterHeight; a += g.Up)
        {
            int row = (top + a) / g.Up;
            if (top + a < 0 || row >= g.Height)
            {
                continue;
            }

            for (int b = Phase(left, g.Up); b < g.FilterWidth; b += g.Up)
            {
                int column = (left + b) / g.Up;
                if (left + b >= 0 && column < g.Width)
                {
                    int tap = a * g.FilterWidth + b;
                    sum += filter[flip != 0 ? last - tap : tap] * x[(plane * g.Height + row) * g.Width + column];
                }
            }
        }

        y[i] = sum;
    }

    /// <summary>Smallest tap t &gt;= 0 with <c>start + t</c> divisible by up.</summary>
    private static int Phase(int start, int up) => ((-start % up) + up) % up;
}

/// <summary>
/// Loads the Resample kernel once for one accelerator and launches it on the default stream with host-side checks.
/// </summary>
public sealed class ResampleLauncher
{
    private readonly Action<Index1D, ResampleGeometry, ArrayView<float>, ArrayView<float>, int, ArrayView<float>> _apply;

    /// <summary>Compiles and loads the kernel for <paramref name="accelerator"/>.</summary>
    public ResampleLauncher(Accelerator accelerator) =>
        _apply = accelerator.LoadAutoGroupedStreamKernel<Index1D, ResampleGeometry, ArrayView<float>, ArrayView<float>, int,
            ArrayView<float>>(ResampleKernels.Apply);

    /// <summary><c>y = upfirdn2d(x, f)</c> over every plane.</summary>
    /// <param name="x">Input <c>[Planes, H, W]</c>.</param>
    /// <param name="filter">Filter <c>[Fh, Fw]</c> (correlation: not flipped).</param>
    /// <param name="y">Output <c>[Planes, Ho, Wo]</c> (overwritten).</param>
    /// <param name="g">The resampling.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry.</exception>
    public void Apply(ArrayView<float> x, ArrayView<float> filter, ArrayView<float> y, in ResampleGeometry g) =>
        Launch(x, filter, 0, y, g);

    /// <summary>
    /// The adjoint (backward in the input) of <see cref="Apply"/>: the same kernel on <see cref="ResampleGeometry.Adjoint"/>
    /// with the filter read flipped.
    /// </summary>
    /// <param name="dy">Output gradient <c>[Planes, Ho, Wo]</c> of the forward geometry.</param>
    /// <param name="filter">The forward filter <c>[Fh, Fw]</c>.</param>
    /// <param name="dx">Input gradient <c>[Planes, H, W]</c> (overwritten).</param>
    /// <param name="g">The forward resampling.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry.</exception>
    public void ApplyAdjoint(ArrayView<float> dy, ArrayView<float> filter, ArrayView<float> dx, in ResampleGeometry g) =>
        Launch(dy, filter, 1, dx, g.Adjoint());

    private void Launch(ArrayView<float> x, ArrayView<float> filter, int flip, ArrayView<float> y, in ResampleGeometry g)
    {
        g.CheckLength(nameof(x), x.Length, g.InputLength);
        g.CheckLength(nameof(filter), filter.Length, g.FilterLength);
        g.CheckLength(nameof(y), y.Length, g.OutputLength);
        _apply(g.OutputLength, g, x, filter, flip, y);
    }
}
