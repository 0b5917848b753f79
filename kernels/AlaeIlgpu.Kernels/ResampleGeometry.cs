namespace AlaeIlgpu.Kernels;

/// <summary>
/// Shape of one depthwise upfirdn2d resampling over <see cref="Planes"/> independent planes <c>[H, W]</c> (N*C planes of
/// an NCHW tensor): upsample by zero insertion (factor <see cref="Up"/>), pad (negative pads crop), correlate with a
/// <c>[Fh, Fw]</c> filter (not flipped), keep every <see cref="Down"/>-th sample. Blittable, so ILGPU kernels take it.
/// </summary>
/// <remarks>
/// Output element <c>(oy, ox)</c> is <c>sum_{a,b} f[a, b] * u[oy*down + a - padTop, ox*down + b - padLeft]</c>, where
/// <c>u[i, j] = x[i/up, j/up]</c> when both are divisible by up and in range, else 0. The geometry requires the
/// padded upsampled size minus the filter to divide by <see cref="Down"/> exactly, so that <see cref="Adjoint"/> maps the
/// output back onto the whole input. The adjoint is the same operation with up and down swapped and the filter flipped.
/// </remarks>
public readonly struct ResampleGeometry : IEquatable<ResampleGeometry>
{
    /// <summary>Number of planes (N * C).</summary>
    public readonly int Planes;

    /// <summary>Input height H.</summary>
    public readonly int Height;

    /// <summary>Input width W.</summary>
    public readonly int Width;

    /// <summary>Upsampling factor (zeros inserted after each sample).</summary>
    public readonly int Up;

    /// <summary>Downsampling factor.</summary>
    public readonly int Down;

    /// <summary>Filter height Fh.</summary>
    public readonly int FilterHeight;

    /// <summary>Filter width Fw.</summary>
    public readonly int FilterWidth;

    /// <summary>Padding above the upsampled input (negative crops).</summary>
    public readonly int PadTop;

    /// <summary>Padding below the upsampled input (negative crops).</summary>
    public readonly int PadBottom;

    /// <summary>Padding left of the upsampled input (negative crops).</summary>
    public readonly int PadLeft;

    /// <summary>Padding right of the upsampled input (negative crops).</summary>
    public readonly int PadRight;

    private ResampleGeometry(int planes, int height, int width, int up, int down, int filterHeight, int filterWidth,
        int padTop, int padBottom, int padLeft, int padRight)
    {
        Planes = planes;
        Height = height;
        Width = width;
        Up = up;
        Down = down;
        FilterHeight = filterHeight;
        FilterWidth = filterWidth;
        PadTop = padTop;
        PadBottom = padBottom;
        PadLeft = padLeft;
        PadRight = padRight;
    }

    /// <summary>Output height <c>(H*up + padTop + padBottom - Fh) / down + 1</c>.</summary>
    public int OutHeight => (Height * Up + PadTop + PadBottom - FilterHeight) / Down + 1;

    /// <summary>Output width <c>(W*up + padLeft + padRight - Fw) / down + 1</c>.</summary>
    public int OutWidth => (Width * Up + PadLeft + PadRight - FilterWidth) / Down + 1;

    /// <summary>Number of input elements.</summary>
    public int InputLength => Planes * Height * Width;

    /// <summary>Number of output elements.</summary>
    public int OutputLength => Planes * OutHeight * OutWidth;

    /// <summary>Number of filter taps.</summary>
    public int FilterLength => FilterHeight * FilterWidth;

    /// <summary>A general resampling; see the type's remarks for the formula.</summary>
    /// <exception cref="ArgumentException">A factor, extent or filter size is not positive, the output would be empty,
    /// or the padded upsampled size minus the filter does not divide by <paramref name="down"/> (for example an odd size
    /// halved by a 2x2 average pool).</exception>
    public static ResampleGeometry Create(int planes, int height, int width, int up, int down, int filterHeight, int filterWidth,
        int padTop, int padBottom, int padLeft, int padRight)
    {
        var g = new ResampleGeometry(planes, height, width, up, down, filterHeight, filterWidth, padTop, padBottom, padLeft, padRight);
        g.Validate();
        return g;
    }

    /// <summary>Depthwise k x k blur keeping the size (k odd, zero pad k/2): StyleALAE's 3x3 binomial blur.</summary>
    public static ResampleGeometry Blur(int planes, int height, int width, int size = 3) =>
        Create(planes, height, width, 1, 1, size, size, size / 2, size / 2, size / 2, size / 2);

    /// <summary>Nearest-neighbour 2x upsampling: up 2, 2x2 filter of ones (see <see cref="ResampleFilters.Nearest2x"/>), pads (1, 0).</summary>
    public static ResampleGeometry UpsampleNearest2x(int planes, int height, int width) =>
        Create(planes, height, width, 2, 1, 2, 2, 1, 0, 1, 0);

    /// <summary>2x2 average pooling: down 2, 2x2 filter of quarters (see <see cref="ResampleFilters.Average2x2"/>), no padding.</summary>
    /// <exception cref="ArgumentException">The height or width is odd.</exception>
    public static ResampleGeometry AveragePool2x2(int planes, int height, int width) =>
        Create(planes, height, width, 1, 2, 2, 2, 0, 0, 0, 0);

    /// <summary>
    /// The geometry of the adjoint: input is this output, up and down are swapped, the pads become
    /// <c>(F - 1 - pad0, F - 1 - pad1 - (up - 1) - (down - 1))</c>, and its output is exactly this input. Use it with
    /// the flipped filter (<see cref="ResampleFilters.Flip"/>).
    /// </summary>
    public ResampleGeometry Adjoint() =>
        Create(Planes, OutHeight, OutWidth, Down, Up, FilterHeight, FilterWidth,
            FilterHeight - 1 - PadTop, AdjointPadEnd(FilterHeight, PadBottom),
            FilterWidth - 1 - PadLeft, AdjointPadEnd(FilterWidth, PadRight));

    /// <summary>Checks that a buffer holds exactly the expected number of elements.</summary>
    /// <exception cref="ArgumentException">The lengths differ; the message names the buffer and the geometry.</exception>
    public void CheckLength(string name, long actual, long expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Resample {name} has {actual} elements, expected {expected} for {this}.", name);
        }
    }

    /// <summary>Shapes and factors as text, for messages.</summary>
    public override string ToString() =>
        $"{Planes} planes [{Height}, {Width}], up {Up}, down {Down}, filter [{FilterHeight}, {FilterWidth}], " +
        $"pads (top {PadTop}, bottom {PadBottom}, left {PadLeft}, right {PadRight})";

    /// <inheritdoc/>
    public bool Equals(ResampleGeometry other) =>
        Planes == other.Planes && Height == other.Height && Width == other.Width && Up == other.Up && Down == other.Down &&
        FilterHeight == other.FilterHeight && FilterWidth == other.FilterWidth && PadTop == other.PadTop &&
        PadBottom == other.PadBottom && PadLeft == other.PadLeft && PadRight == other.PadRight;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ResampleGeometry other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(HashCode.Combine(Planes, Height, Width, Up, Down), FilterHeight, FilterWidth, PadTop, PadBottom, PadLeft, PadRight);

    private int AdjointPadEnd(int filter, int padEnd) => filter - 1 - padEnd - (Up - 1) - (Down - 1);

    private void Validate()
    {
        if (Planes <= 0 || Height <= 0 || Width <= 0 || Up <= 0 || Down <= 0 || FilterHeight <= 0 || FilterWidth <= 0)
        {
            throw new ArgumentException($"Resample extents, factors and filter sizes must be positive; got {this}.");
        }

        int spanHigh = Height * Up + PadTop + PadBottom - FilterHeight;
        int spanWide = Width * Up + PadLeft + PadRight - FilterWidth;
        if (spanHigh < 0 || spanWide < 0)
        {
            throw new ArgumentException($"Resample filter is larger than the padded upsampled input; got {this}.");
        }

        if (spanHigh % Down != 0 || spanWide % Down != 0)
        {
            throw new ArgumentException(
                $"Resample by down {Down} needs the padded upsampled size minus the filter ([{spanHigh}, {spanWide}]) to divide " +
                $"by {Down} (an even size for 2x); got {this}.");
        }
    }
}

/// <summary>The filters StyleALAE resamples with (row-major <c>[Fh, Fw]</c>), and filter flipping for adjoints.</summary>
public static class ResampleFilters
{
    /// <summary>The 3x3 binomial blur <c>[1,2,1]^T [1,2,1] / 16</c>.</summary>
    public static float[] Blur3x3() => Outer([0.25f, 0.5f, 0.25f], [0.25f, 0.5f, 0.25f]);

    /// <summary>Ones, for <see cref="ResampleGeometry.UpsampleNearest2x"/>: each output copies one input sample.</summary>
    public static float[] Nearest2x() => [1f, 1f, 1f, 1f];

    /// <summary>Quarters, for <see cref="ResampleGeometry.AveragePool2x2"/>.</summary>
    public static float[] Average2x2() => [0.25f, 0.25f, 0.25f, 0.25f];

    /// <summary>The separable filter <c>f[a, b] = column[a] * row[b]</c>.</summary>
    public static float[] Outer(ReadOnlySpan<float> column, ReadOnlySpan<float> row)
    {
        var filter = new float[column.Length * row.Length];
        for (int a = 0; a < column.Length; a++)
        {
            for (int b = 0; b < row.Length; b++)
            {
                filter[a * row.Length + b] = column[a] * row[b];
            }
        }

        return filter;
    }

    /// <summary>The filter rotated by 180 degrees, <c>g[a, b] = f[Fh-1-a, Fw-1-b]</c>: the adjoint's filter.</summary>
    public static float[] Flip(ReadOnlySpan<float> filter)
    {
        var flipped = filter.ToArray();
        Array.Reverse(flipped);
        return flipped;
    }
}
