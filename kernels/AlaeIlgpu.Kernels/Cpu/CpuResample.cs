using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

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
            CpuWorkers.Run(tasks, t =>
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

    /// <summary>
    /// up = down = 1, pads &gt;= 0: the run of planes is copied into a zero-padded stack P <c>[planes][Hp][Wp]</c>; on
    /// that stack's flat index j, <c>grid[j] = sum_{a,b} f[a, b] * P[j + a*Wp + b]</c> is a plain SIMD loop whatever
    /// the width (rows and planes run on), and <c>y[p, oy, ox] = grid[(p*Hp + oy)*Wp + ox]</c>.
    /// </summary>
    private sealed class PaddedLanes(ResampleGeometry g) : PlaneRoutine(g)
    {
        private readonly int _pitch = g.Width + g.PadLeft + g.PadRight;
        private readonly int _paddedHeight = g.Height + g.PadTop + g.PadBottom;

        public override void Run(float* x, float* f, float* y, int planes)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                Run<Lanes512, Vector512<float>>(x, f, y, planes);
            }
            else
            {
                Run<LanesVectorT, Vector<float>>(x, f, y, planes);
            }
        }

        private void Run<T, TVector>(float* x, float* f, float* y, int planes) where T : struct, ISimdLanes<TVector> where TVector : struct
        {
            int stack = planes * _paddedHeight * _pitch;
            int reach = (G.FilterHeight - 1) * _pitch + G.FilterWidth - 1;   // largest tap offset
            int block = 4 * T.Count;
            int gridLength = (stack - reach + block - 1) / block * block;
            float[] paddedArray = ArrayPool<float>.Shared.Rent(gridLength + reach);
            float[] gridArray = ArrayPool<float>.Shared.Rent(gridLength);
            int[] offsetArray = new int[G.FilterLength];
            for (int k = 0; k < offsetArray.Length; k++)
            {
                offsetArray[k] = k / G.FilterWidth * _pitch + k % G.FilterWidth;
            }

            fixed (float* padded = paddedArray, grid = gridArray)
            fixed (int* offsets = offsetArray)
            {
                new Span<float>(padded, gridLength + reach).Clear();
                for (int p = 0; p < planes; p++)
                {
                    CopyInterior(x + p * G.Height * G.Width, padded + p * _paddedHeight * _pitch);
                }

                FilterFlat<T, TVector>(padded, f, offsets, G.FilterLength, grid, gridLength);
                Compact(grid, y, planes);
            }

            ArrayPool<float>.Shared.Return(gridArray);
            ArrayPool<float>.Shared.Return(paddedArray);
        }

        /// <summary>Copies one plane into the interior of its padded slot; the border stays zero from the clear.</summary>
        private void CopyInterior(float* plane, float* slot)
        {
            int h = G.Height, w = G.Width;
            float* interior = slot + G.PadTop * _pitch + G.PadLeft;
            for (int r = 0; r < h; r++)
            {
                new ReadOnlySpan<float>(plane + r * w, w).CopyTo(new Span<float>(interior + r * _pitch, w));
            }
        }

        /// <summary>
        /// <c>grid[j] = sum_k f[k] * padded[j + offsets[k]]</c> for j &lt; length (a multiple of four registers). Four
        /// independent accumulators per step: one alone serialises on its chain of fused multiply-adds.
        /// </summary>
        private static void FilterFlat<T, TVector>(float* padded, float* f, int* offsets, int taps, float* grid, int length)
            where T : struct, ISimdLanes<TVector> where TVector : struct
        {
            int n = T.Count;
            for (int j = 0; j < length; j += 4 * n)
            {
                TVector a0 = default, a1 = default, a2 = default, a3 = default;
                for (int k = 0; k < taps; k++)
                {
                    TVector w = T.Broadcast(f[k]);
                    float* source = padded + j + offsets[k];
                    a0 = T.MultiplyAdd(w, T.Load(source), a0);
                    a1 = T.MultiplyAdd(w, T.Load(source + n), a1);
                    a2 = T.MultiplyAdd(w, T.Load(source + 2 * n), a2);
                    a3 = T.MultiplyAdd(w, T.Load(source + 3 * n), a3);
                }

                T.Store(a0, grid + j);
                T.Store(a1, grid + j + n);
                T.Store(a2, grid + j + 2 * n);
                T.Store(a3, grid + j + 3 * n);
            }
        }

        /// <summary><c>y[p, oy, :] = grid[(p*Hp + oy)*Wp, +Wo]</c>.</summary>
        private void Compact(float* grid, float* y, int planes)
        {
            int ho = G.OutHeight, wo = G.OutWidth;
            for (int p = 0; p < planes; p++)
            {
                for (int oy = 0; oy < ho; oy++)
                {
                    new ReadOnlySpan<float>(grid + (p * _paddedHeight + oy) * _pitch, wo).CopyTo(new Span<float>(y + (p * ho + oy) * wo, wo));
                }
            }
        }
    }

    /// <summary>up = F, down = 1, pads (F-1, 0): <c>y[F*i + r, F*j + c] = f[F-1-r, F-1-c] * x[i, j]</c>.</summary>
    private sealed class Replicate(ResampleGeometry g) : PlaneRoutine(g)
    {
        public override void Run(float* x, float* f, float* y, int planes)
        {
            int k = G.Up, h = G.Height, w = G.Width, ho = G.OutHeight, wo = G.OutWidth;
            for (int p = 0; p < planes; p++)
            {
                for (int i = 0; i < h; i++)
                {
                    float* source = x + (p * h + i) * w;
                    for (int r = 0; r < k; r++)
                    {
                        float* taps = f + (k - 1 - r) * k;
                        float* target = y + (p * ho + k * i + r) * wo;
                        if (k == 2)
                        {
                            ReplicatePairs(source, taps[1], taps[0], target, w);
                            continue;
                        }

                        for (int j = 0; j < w; j++)
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

    /// <summary><c>target[2j] = even * source[j]</c>, <c>target[2j + 1] = odd * source[j]</c>.</summary>
    private static void ReplicatePairs(float* source, float even, float odd, float* target, int width)
    {
        for (int j = 0; j < width; j++)
        {
            float v = source[j];
            target[2 * j] = even * v;
            target[2 * j + 1] = odd * v;
        }
    }

    /// <summary>up = 1, down = F, pads 0: <c>y[i, j] = sum_{a,b} f[a, b] * x[F*i + a, F*j + b]</c>.</summary>
    private sealed class Pool(ResampleGeometry g) : PlaneRoutine(g)
    {
        public override void Run(float* x, float* f, float* y, int planes)
        {
            int k = G.Down, h = G.Height, w = G.Width, ho = G.OutHeight, wo = G.OutWidth;
            for (int p = 0; p < planes; p++)
            {
                for (int i = 0; i < ho; i++)
                {
                    float* target = y + (p * ho + i) * wo;
                    float* block = x + (p * h + k * i) * w;
                    if (k == 2)
                    {
                        PoolPairs(block, block + w, f, target, wo);
                        continue;
                    }

                    for (int j = 0; j < wo; j++)
                    {
                        float acc = 0f;
                        for (int a = 0; a < k; a++)
                        {
                            for (int b = 0; b < k; b++)
                            {
                                acc += f[a * k + b] * block[a * w + k * j + b];
                            }
                        }

                        target[j] = acc;
                    }
                }
            }
        }
    }

    /// <summary><c>target[j] = f00 a[2j] + f01 a[2j+1] + f10 b[2j] + f11 b[2j+1]</c> for two input rows a and b.</summary>
    private static void PoolPairs(float* a, float* b, float* f, float* target, int width)
    {
        float f00 = f[0], f01 = f[1], f10 = f[2], f11 = f[3];
        for (int j = 0; j < width; j++)
        {
            target[j] = f00 * a[2 * j] + f01 * a[2 * j + 1] + f10 * b[2 * j] + f11 * b[2 * j + 1];
        }
    }

    /// <summary>Any geometry: for each output row and column, the precomputed run of taps that hit real samples.</summary>
    private sealed class Polyphase(ResampleGeometry g) : PlaneRoutine(g)
    {
        private readonly TapRuns _rows = new(g.OutHeight, g.Height, g.Up, g.Down, g.PadTop, g.FilterHeight);
        private readonly TapRuns _columns = new(g.OutWidth, g.Width, g.Up, g.Down, g.PadLeft, g.FilterWidth);

        public override void Run(float* x, float* f, float* y, int planes)
        {
            int up = G.Up, h = G.Height, w = G.Width, ho = G.OutHeight, wo = G.OutWidth, fw = G.FilterWidth;
            for (int p = 0; p < planes; p++)
            {
                float* plane = x + p * h * w;
                for (int oy = 0; oy < ho; oy++)
                {
                    float* target = y + (p * ho + oy) * wo;
                    for (int ox = 0; ox < wo; ox++)
                    {
                        float acc = 0f;
                        for (int ta = 0; ta < _rows.Count[oy]; ta++)
                        {
                            float* taps = f + (_rows.FirstTap[oy] + ta * up) * fw + _columns.FirstTap[ox];
                            float* source = plane + (_rows.FirstSource[oy] + ta) * w + _columns.FirstSource[ox];
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
