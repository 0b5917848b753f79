using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Ops;

/// <summary>
/// NumPy-style broadcasting (shapes aligned at the right; extents equal or 1) reduced to the rank-4 geometry the
/// kernels take: axes of extent 1 are dropped and neighbouring axes that both operands traverse alike are merged.
/// </summary>
public static class Broadcasting
{
    /// <summary>The broadcast result shape of a and b.</summary>
    /// <exception cref="ArgumentException">The shapes are not broadcast-compatible.</exception>
    public static TensorShape ResultShape(TensorShape a, TensorShape b, string op)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = Extent(a, i, rank), db = Extent(b, i, rank);
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast together (axis {i - rank}: {da} vs {db}).");
            dims[i] = Math.Max(da, db);
        }
        return new TensorShape(dims);
    }

    /// <summary>The kernel geometry that maps a and b onto <paramref name="output"/>.</summary>
    /// <exception cref="NotSupportedException">The pattern needs more than 4 axes after merging.</exception>
    public static BroadcastGeometry Geometry(TensorShape a, TensorShape b, TensorShape output)
    {
        int rank = output.Rank;
        var dims = new List<int>();
        var sa = new List<int>();
        var sb = new List<int>();
        int[] stridesA = PaddedStrides(a, output), stridesB = PaddedStrides(b, output);
        for (int i = 0; i < rank; i++)
        {
            if (output[i] == 1) continue;
            int last = dims.Count - 1;
            bool mergeable = last >= 0 && sa[last] == stridesA[i] * output[i] && sb[last] == stridesB[i] * output[i];
            if (mergeable)
            {
                dims[last] *= output[i];
                sa[last] = stridesA[i];
                sb[last] = stridesB[i];
            }
            else
            {
                dims.Add(output[i]);
                sa.Add(stridesA[i]);
                sb.Add(stridesB[i]);
            }
        }
        if (dims.Count > 4)
            throw new NotSupportedException($"Broadcasting {a} with {b} needs {dims.Count} axes after merging; at most 4 are supported.");
        while (dims.Count < 4)
        {
            dims.Insert(0, 1);
            sa.Insert(0, 0);
            sb.Insert(0, 0);
        }
        return new BroadcastGeometry(dims.ToArray(), sa.ToArray(), sb.ToArray());
    }

    /// <summary>Geometry of two dense operands of the same <paramref name="count"/> elements.</summary>
    public static BroadcastGeometry Same(int count) => new([1, 1, 1, count], [0, 0, 0, 1], [0, 0, 0, 1]);

    private static int Extent(TensorShape s, int i, int rank)
    {
        int j = i - (rank - s.Rank);
        return j < 0 ? 1 : s[j];
    }

    // Row-major strides of s aligned to output's axes; 0 where s is broadcast (extent 1 or missing).
    private static int[] PaddedStrides(TensorShape s, TensorShape output)
    {
        int rank = output.Rank;
        var strides = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int extent = Extent(s, i, rank);
            strides[i] = extent == 1 ? 0 : stride;
            stride *= extent;
        }
        return strides;
    }
}
