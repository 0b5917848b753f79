using System.Buffers;
using System.Numerics;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// Depthwise upfirdn2d resampling (<see cref="ResampleGeometry"/>) for the <c>cpu</c> backend: blur, nearest 2x
/// upsampling, 2x2 average pooling and any other up/filter/down combination, plus the adjoint of each.
/// </summary>
/// <remarks>
/// Four plane routines, chosen from the geometry:
/// <list type="bullet">
/// <item>up = down = 1 with pads &gt;= 0 (blur): a zero-padded copy of the plane, then all taps of a row of outputs
/// on SIMD lanes in one pass;</item>
/// <item>up = F, down = 1, pads (F-1, 0) (nearest upsampling, the adjoint of pooling): each input sample is written,
/// weighted, into an F x F block;</item>
/// <item>up = 1, down = F, pads 0 (average pooling, the adjoint of nearest upsampling): each output sums one F x F
/// block;</item>
/// <item>anything else: per-axis tables of the taps that hit real (not zero-inserted) samples, precomputed once.</item>
/// </list>
/// Planes run in parallel, batched so that each work item has enough elements.
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
        PlaneRoutine routine = Choose(g);
        int planesPerTask = Math.Max(1, ElementsPerTask / (g.OutHeight * g.OutWidth));
        int tasks = (g.Planes + planesPerTask - 1) / planesPerTask;
        fixed (float* x = input, f = filter, y = output)
        {
            float* px = x, pf = f, py = y;
            Parallel.For(0, tasks, t =>
            {
                int first = t * planesPerTask, end = Math.Min(g.Planes, first + planesPerTask);
                routine.Run(px + first * g.Height * g.Width, pf, py + first * g.OutHeight * g.OutWidth, end - first);
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

    private static PlaneRoutine Choose(in ResampleGeometry g)
    {
        bool square = g.FilterHeight == g.FilterWidth;
        if (g.Up == 1 && g.Down == 1 && g.PadTop >= 0 && g.PadBottom >= 0 && g.PadLeft >= 0 && g.PadRight >= 0)
        {
            return new PaddedLanes(g);
        }

        if (square && g.Down == 1 && g.Up == g.FilterHeight && g.PadTop == g.Up - 1 && g.PadLeft == g.Up - 1 &&
            g.PadBottom == 0 && g.PadRight == 0)
        {
            return new Replicate(g);
        }

        if (square && g.Up == 1 && g.Down == g.FilterHeight && g.PadTop == 0 && g.PadLeft == 0 && g.PadBottom == 0 && g.PadRight == 0)
        {
            return new Pool(g);
        }

        return new Polyphase(g);
    }

    /// <summary>Resamples a run of consecutive planes.</summary>
    private abstract class PlaneRoutine(ResampleGeometry g)
    {
        protected ResampleGeometry G { get; } = g;

        /// <summary>Resamples <paramref name="planes"/> planes starting at <paramref name="x"/> into <paramref name="y"/>.</summary>
        public abstract void Run(float* x, float* f, float* y, int planes);
    }

    /// <summary>up = down = 1, pads &gt;= 0: <c>y[oy, ox] = sum_{a,b} f[a, b] * P[oy + a, ox + b]</c> over a padded copy P.</summary>
    private sealed class PaddedLanes(ResampleGeometry g) : PlaneRoutine(g)
    {
        private readonly int _paddedWidth = g.Width + g.PadLeft + g.PadRight;
        private readonly int _paddedHeight = g.Height + g.PadTop + g.PadBottom;

        public override void Run(float* x, float* f, float* y, int planes)
        {
            float[] paddedArray = ArrayPool<float>.Shared.Rent(_paddedHeight * _paddedWidth);
            fixed (float* padded = paddedArray)
            {
                new Span<float>(padded, _paddedHeight * _paddedWidth).Clear();
                for (int p = 0; p < planes; p++)
                {
                    CopyInterior(x + p * G.Height * G.Width, padded);
                    for (int oy = 0; oy < G.OutHeight; oy++)
                    {
                        FilterRow(padded + oy * _paddedWidth, f, y + (p * G.OutHeight + oy) * G.OutWidth);
                    }
                }
            }

            ArrayPool<float>.Shared.Return(paddedArray);
        }

        /// <summary>Copies the plane into the interior of P; the border stays zero from the first clear.</summary>
        private void CopyInterior(float* plane, float* padded)
        {
            for (int r = 0; r < G.Height; r++)
            {
                new ReadOnlySpan<float>(plane + r * G.Width, G.Width)
                    .CopyTo(new Span<float>(padded + (r + G.PadTop) * _paddedWidth + G.PadLeft, G.Width));
            }
        }

        /// <summary>One output row; <paramref name="top"/> is P's row oy.</summary>
        private void FilterRow(float* top, float* f, float* target)
        {
            int width = Vector<float>.Count, ox = 0;
            for (; ox <= G.OutWidth - width; ox += width)
            {
                var acc = Vector<float>.Zero;
                for (int a = 0; a < G.FilterHeight; a++)
                {
                    float* source = top + a * _paddedWidth + ox;
                    for (int b = 0; b < G.FilterWidth; b++)
                    {
                        acc = Vector.FusedMultiplyAdd(new Vector<float>(f[a * G.FilterWidth + b]), Vector.Load(source + b), acc);
                    }
                }

                acc.Store(target + ox);
            }

            for (; ox < G.OutWidth; ox++)
            {
                float acc = 0f;
                for (int a = 0; a < G.FilterHeight; a++)
                {
                    for (int b = 0; b < G.FilterWidth; b++)
                    {
                        acc += f[a * G.FilterWidth + b] * top[a * _paddedWidth + ox + b];
                    }
                }

                target[ox] = acc;
            }
        }
    }

    /// <summary>up = F, down = 1, pads (F-1, 0): <c>y[F*i + r, F*j + c] = f[F-1-r, F-1-c] * x[i, j]</c>.</summary>
    private sealed class Replicate(ResampleGeometry g) : PlaneRoutine(g)
    {
        public override void Run(float* x, float* f, float* y, int planes)
        {
            int k = G.Up, wo = G.OutWidth;
            for (int p = 0; p < planes; p++)
            {
                for (int i = 0; i < G.Height; i++)
                {
                    float* source = x + (p * G.Height + i) * G.Width;
                    for (int r = 0; r < k; r++)
                    {
                        float* taps = f + (k - 1 - r) * k;
                        float* target = y + (p * G.OutHeight + k * i + r) * wo;
                        for (int j = 0; j < G.Width; j++)
                        {
                            for (int c = 0; c < k; c++)
                            {
                                target[k * j + c] = taps[k - 1 - c] * source[j];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>up = 1, down = F, pads 0: <c>y[i, j] = sum_{a,b} f[a, b] * x[F*i + a, F*j + b]</c>.</summary>
    private sealed class Pool(ResampleGeometry g) : PlaneRoutine(g)
    {
        public override void Run(float* x, float* f, float* y, int planes)
        {
            int k = G.Down;
            for (int p = 0; p < planes; p++)
            {
                for (int i = 0; i < G.OutHeight; i++)
                {
                    float* target = y + (p * G.OutHeight + i) * G.OutWidth;
                    float* block = x + (p * G.Height + k * i) * G.Width;
                    for (int j = 0; j < G.OutWidth; j++)
                    {
                        float acc = 0f;
                        for (int a = 0; a < k; a++)
                        {
                            for (int b = 0; b < k; b++)
                            {
                                acc += f[a * k + b] * block[a * G.Width + k * j + b];
                            }
                        }

                        target[j] = acc;
                    }
                }
            }
        }
    }

    /// <summary>Any geometry: for each output row and column, the precomputed run of taps that hit real samples.</summary>
    private sealed class Polyphase(ResampleGeometry g) : PlaneRoutine(g)
    {
        private readonly TapRuns _rows = new(g.OutHeight, g.Height, g.Up, g.Down, g.PadTop, g.FilterHeight);
        private readonly TapRuns _columns = new(g.OutWidth, g.Width, g.Up, g.Down, g.PadLeft, g.FilterWidth);

        public override void Run(float* x, float* f, float* y, int planes)
        {
            int up = G.Up;
            for (int p = 0; p < planes; p++)
            {
                float* plane = x + p * G.Height * G.Width;
                for (int oy = 0; oy < G.OutHeight; oy++)
                {
                    float* target = y + (p * G.OutHeight + oy) * G.OutWidth;
                    for (int ox = 0; ox < G.OutWidth; ox++)
                    {
                        float acc = 0f;
                        for (int ta = 0; ta < _rows.Count[oy]; ta++)
                        {
                            float* taps = f + (_rows.FirstTap[oy] + ta * up) * G.FilterWidth + _columns.FirstTap[ox];
                            float* source = plane + (_rows.FirstSource[oy] + ta) * G.Width + _columns.FirstSource[ox];
                            for (int tb = 0; tb < _columns.Count[ox]; tb++)
                            {
                                acc += taps[tb * up] * source[tb];
                            }
                        }

                        target[ox] = acc;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Along one axis, for each output position o: the taps <c>FirstTap + t*up</c> meet the input samples
    /// <c>FirstSource + t</c> for t &lt; Count; every other tap lands on an inserted zero or in the padding.
    /// </summary>
    private sealed class TapRuns
    {
        public TapRuns(int outLength, int inLength, int up, int down, int pad, int filterLength)
        {
            FirstTap = new int[outLength];
            FirstSource = new int[outLength];
            Count = new int[outLength];
            for (int o = 0; o < outLength; o++)
            {
                int start = o * down - pad;
                int tap = ((-start % up) + up) % up;      // first tap on a multiple of up
                int source = (start + tap) / up;          // exact: start + tap is a multiple of up
                int skip = Math.Max(0, -source);          // taps before the first sample
                int taps = tap < filterLength ? (filterLength - tap + up - 1) / up : 0;
                int count = Math.Min(taps, inLength - source) - skip;
                (FirstTap[o], FirstSource[o], Count[o]) = (tap + skip * up, source + skip, Math.Max(0, count));
            }
        }

        public int[] FirstTap { get; }

        public int[] FirstSource { get; }

        public int[] Count { get; }
    }
}
