using System.Buffers;
using System.Numerics;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// Depthwise upfirdn2d resampling (<see cref="ResampleGeometry"/>) for the <c>cpu</c> backend: blur, nearest 2x
/// upsampling, 2x2 average pooling and any other up/filter/down combination, plus the adjoint of each.
/// </summary>
/// <remarks>
/// Each output row is a sum over the filter rows that hit a real (not inserted) input row; each such term filters one
/// input row horizontally. With up = down = 1 (blur) the horizontal filter runs on SIMD lanes over a zero-padded copy of
/// the row; otherwise a scalar polyphase loop visits only the taps that hit real samples. Planes run in parallel.
/// </remarks>
public static unsafe class CpuResample
{
    /// <summary>Output elements per parallel work item, so that small planes are batched together.</summary>
    private const int ElementsPerTask = 1 << 15;

    /// <summary><c>y = upfirdn2d(x, f)</c> over every plane.</summary>
    /// <param name="input">x <c>[Planes, H, W]</c>.</param>
    /// <param name="filter">f <c>[Fh, Fw]</c> row-major (correlation: not flipped).</param>
    /// <param name="output">y <c>[Planes, Ho, Wo]</c> (overwritten).</param>
    /// <param name="geometry">The resampling.</param>
    /// <exception cref="ArgumentException">A buffer length does not match the geometry.</exception>
    public static void Apply(ReadOnlySpan<float> input, ReadOnlySpan<float> filter, Span<float> output, in ResampleGeometry geometry)
    {
        var g = geometry;
        g.CheckLength(nameof(input), input.Length, g.InputLength);
        g.CheckLength(nameof(filter), filter.Length, g.FilterLength);
        g.CheckLength(nameof(output), output.Length, g.OutputLength);
        int planesPerTask = Math.Max(1, ElementsPerTask / (g.OutHeight * g.OutWidth));
        int tasks = (g.Planes + planesPerTask - 1) / planesPerTask;
        fixed (float* x = input, f = filter, y = output)
        {
            float* px = x, pf = f, py = y;
            Parallel.For(0, tasks, t =>
            {
                int end = Math.Min(g.Planes, (t + 1) * planesPerTask);
                for (int plane = t * planesPerTask; plane < end; plane++)
                {
                    ResamplePlane(px + plane * g.Height * g.Width, pf, py + plane * g.OutHeight * g.OutWidth, g);
                }
            });
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Apply"/>: <c>dx = upfirdn2d(dy, flip(f))</c> with up and down swapped
    /// (<see cref="ResampleGeometry.Adjoint"/>). This is the backward pass of <see cref="Apply"/> in its input.
    /// </summary>
    /// <param name="outputGradient">dy <c>[Planes, Ho, Wo]</c> of the forward geometry.</param>
    /// <param name="filter">The forward filter f <c>[Fh, Fw]</c> (flipped here).</param>
    /// <param name="inputGradient">dx <c>[Planes, H, W]</c> (overwritten).</param>
    /// <param name="geometry">The forward resampling.</param>
    public static void ApplyAdjoint(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> filter, Span<float> inputGradient,
        in ResampleGeometry geometry) =>
        Apply(outputGradient, ResampleFilters.Flip(filter), inputGradient, geometry.Adjoint());

    private static void ResamplePlane(float* x, float* f, float* y, in ResampleGeometry g)
    {
        bool lanes = g.Up == 1 && g.Down == 1;
        int paddedWidth = g.OutWidth + g.FilterWidth - 1 + Vector<float>.Count;
        float[] rowArray = ArrayPool<float>.Shared.Rent(paddedWidth);
        fixed (float* padded = rowArray)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                float* target = y + oy * g.OutWidth;
                new Span<float>(target, g.OutWidth).Clear();
                int top = oy * g.Down - g.PadTop;
                for (int a = Phase(top, g.Up); a < g.FilterHeight; a += g.Up)
                {
                    int row = (top + a) / g.Up;
                    if (top + a < 0 || row >= g.Height)
                    {
                        continue;
                    }

                    if (lanes)
                    {
                        PadRow(x + row * g.Width, g, padded, paddedWidth);
                        AccumulateRowLanes(padded, f + a * g.FilterWidth, target, g);
                    }
                    else
                    {
                        AccumulateRowPolyphase(x + row * g.Width, f + a * g.FilterWidth, target, g);
                    }
                }
            }
        }

        ArrayPool<float>.Shared.Return(rowArray);
    }

    /// <summary>Smallest tap index t &gt;= 0 with <c>start + t</c> divisible by up (the first tap on a real sample).</summary>
    private static int Phase(int start, int up) => ((-start % up) + up) % up;

    /// <summary><c>padded[j] = source[j - padLeft]</c>, zero outside the row, for j &lt; <paramref name="length"/>.</summary>
    private static void PadRow(float* source, in ResampleGeometry g, float* padded, int length)
    {
        var row = new Span<float>(padded, length);
        int first = Math.Clamp(g.PadLeft, 0, length);
        int skip = Math.Max(0, -g.PadLeft);
        int count = Math.Clamp(g.Width - skip, 0, length - first);
        row[..first].Clear();
        new ReadOnlySpan<float>(source + skip, count).CopyTo(row[first..]);
        row[(first + count)..].Clear();
    }

    /// <summary>Up = down = 1: <c>target[ox] += sum_b taps[b] * padded[ox + b]</c> on SIMD lanes.</summary>
    private static void AccumulateRowLanes(float* padded, float* taps, float* target, in ResampleGeometry g)
    {
        int width = Vector<float>.Count;
        int ox = 0;
        for (; ox <= g.OutWidth - width; ox += width)
        {
            var acc = Vector.Load(target + ox);
            for (int b = 0; b < g.FilterWidth; b++)
            {
                acc = Vector.FusedMultiplyAdd(new Vector<float>(taps[b]), Vector.Load(padded + ox + b), acc);
            }

            acc.Store(target + ox);
        }

        for (; ox < g.OutWidth; ox++)
        {
            float acc = 0;
            for (int b = 0; b < g.FilterWidth; b++)
            {
                acc += taps[b] * padded[ox + b];
            }

            target[ox] += acc;
        }
    }

    /// <summary>General factors: <c>target[ox] += sum_b taps[b] * u[ox*down + b - padLeft]</c> over real samples only.</summary>
    private static void AccumulateRowPolyphase(float* source, float* taps, float* target, in ResampleGeometry g)
    {
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            int left = ox * g.Down - g.PadLeft;
            float acc = 0;
            for (int b = Phase(left, g.Up); b < g.FilterWidth; b += g.Up)
            {
                int column = (left + b) / g.Up;
                if (left + b >= 0 && column < g.Width)
                {
                    acc += taps[b] * source[column];
                }
            }

            target[ox] += acc;
        }
    }
}
