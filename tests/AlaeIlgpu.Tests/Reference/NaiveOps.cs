namespace AlaeIlgpu.Tests.Reference;

/// <summary>A dense row-major array in double precision: the value type of the naive references.</summary>
/// <param name="Data">Elements, outermost axis first.</param>
/// <param name="Shape">Extents.</param>
public sealed record RefTensor(double[] Data, int[] Shape)
{
    /// <summary>Wraps float32 data (exactly representable in double).</summary>
    public static RefTensor From(float[] data, params int[] shape) => new(data.Select(v => (double)v).ToArray(), shape);

    /// <summary>Number of elements.</summary>
    public int Count => Data.Length;
}

/// <summary>
/// Naive oracles for the engine's ops, written independently of the engine: plain loops over multi-indices in double
/// precision, so each is obviously right and its own rounding is far below float32's.
/// </summary>
public static class NaiveOps
{
    // ------------------------------------------------------------------ scalar functions

    /// <summary>ln(1 + e^x), stable for large |x|.</summary>
    public static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    /// <summary>1 / (1 + e^-x).</summary>
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>x for x &gt; 0, else slope * x.</summary>
    public static double LeakyRelu(double x, double slope) => x > 0 ? x : slope * x;

    // ------------------------------------------------------------------ elementwise

    /// <summary>y = f(x) elementwise.</summary>
    public static RefTensor Map(RefTensor x, Func<double, double> f) => new(x.Data.Select(f).ToArray(), x.Shape);

    /// <summary>NumPy broadcasting: align at the right, extents equal or 1.</summary>
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = ExtentFromRight(a, rank - 1 - i), db = ExtentFromRight(b, rank - 1 - i);
            if (da != db && da != 1 && db != 1) throw new ArgumentException("not broadcastable");
            shape[i] = Math.Max(da, db);
        }
        return shape;
    }

    /// <summary>y = f(a, b) with broadcasting, element by element over the output's multi-indices.</summary>
    public static RefTensor Binary(RefTensor a, RefTensor b, Func<double, double, double> f)
    {
        int[] shape = BroadcastShape(a.Shape, b.Shape);
        var y = new double[Count(shape)];
        for (int flat = 0; flat < y.Length; flat++)
        {
            int[] index = Unravel(flat, shape);
            y[flat] = f(a.Data[BroadcastIndex(index, a.Shape)], b.Data[BroadcastIndex(index, b.Shape)]);
        }
        return new RefTensor(y, shape);
    }

    /// <summary>x repeated along its extent-1 (or missing leading) axes up to <paramref name="shape"/>.</summary>
    public static RefTensor Expand(RefTensor x, int[] shape) => Binary(x, new RefTensor(new double[Count(shape)], shape), (v, _) => v);

    // ------------------------------------------------------------------ reductions

    /// <summary>Sum over <paramref name="axes"/> (null: all), dropping or keeping the reduced axes; an all-dropped result has shape [1].</summary>
    public static RefTensor Sum(RefTensor x, int[]? axes, bool keepDims)
    {
        int rank = x.Shape.Length;
        bool[] reduced = new bool[rank];
        if (axes is null || axes.Length == 0) Array.Fill(reduced, true);
        else foreach (int a in axes) reduced[a < 0 ? a + rank : a] = true;
        int[] kept = x.Shape.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var y = new double[Count(kept)];
        for (int flat = 0; flat < x.Count; flat++)
        {
            int[] index = Unravel(flat, x.Shape);
            for (int i = 0; i < rank; i++) if (reduced[i]) index[i] = 0;
            y[Ravel(index, kept)] += x.Data[flat];
        }
        if (keepDims) return new RefTensor(y, kept);
        int[] dropped = x.Shape.Where((_, i) => !reduced[i]).ToArray();
        return new RefTensor(y, dropped.Length == 0 ? [1] : dropped);
    }

    /// <summary>Mean over <paramref name="axes"/> (null: all).</summary>
    public static RefTensor Mean(RefTensor x, int[]? axes, bool keepDims)
    {
        var s = Sum(x, axes, keepDims);
        double n = (double)x.Count / s.Count;
        return Map(s, v => v / n);
    }

    // ------------------------------------------------------------------ matrix products

    /// <summary>op(a) op(b): a is [m, k] (stored [k, m] when transA), b is [k, n] (stored [n, k] when transB).</summary>
    public static RefTensor MatMul(RefTensor a, RefTensor b, bool transA, bool transB)
    {
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int n = transB ? b.Shape[0] : b.Shape[1];
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (transA ? a.Data[p * m + i] : a.Data[i * k + p]) * (transB ? b.Data[j * k + p] : b.Data[p * n + j]);
                c[i * n + j] = s;
            }
        return new RefTensor(c, [m, n]);
    }

    /// <summary>x [batch, in] w^T [in, out] + bias [out].</summary>
    public static RefTensor Linear(RefTensor x, RefTensor w, RefTensor? bias)
    {
        var y = MatMul(x, w, false, true);
        return bias is null ? y : Binary(y, bias, (p, q) => p + q);
    }

    // ------------------------------------------------------------------ layout

    /// <summary>Joins along <paramref name="axis"/>.</summary>
    public static RefTensor Concat(IReadOnlyList<RefTensor> parts, int axis)
    {
        int[] shape = (int[])parts[0].Shape.Clone();
        shape[axis] = parts.Sum(p => p.Shape[axis]);
        var y = new double[Count(shape)];
        int offset = 0;
        foreach (var p in parts)
        {
            for (int flat = 0; flat < p.Count; flat++)
            {
                int[] index = Unravel(flat, p.Shape);
                index[axis] += offset;
                y[Ravel(index, shape)] = p.Data[flat];
            }
            offset += p.Shape[axis];
        }
        return new RefTensor(y, shape);
    }

    /// <summary>Elements [start, start + length) along <paramref name="axis"/>.</summary>
    public static RefTensor Slice(RefTensor x, int axis, int start, int length)
    {
        int[] shape = (int[])x.Shape.Clone();
        shape[axis] = length;
        var y = new double[Count(shape)];
        for (int flat = 0; flat < y.Length; flat++)
        {
            int[] index = Unravel(flat, shape);
            index[axis] += start;
            y[flat] = x.Data[Ravel(index, x.Shape)];
        }
        return new RefTensor(y, shape);
    }

    /// <summary>x placed at offset <paramref name="start"/> of a zero array whose <paramref name="axis"/> has <paramref name="extent"/>.</summary>
    public static RefTensor Pad(RefTensor x, int axis, int start, int extent)
    {
        int[] shape = (int[])x.Shape.Clone();
        shape[axis] = extent;
        var y = new double[Count(shape)];
        for (int flat = 0; flat < x.Count; flat++)
        {
            int[] index = Unravel(flat, x.Shape);
            index[axis] += start;
            y[Ravel(index, shape)] = x.Data[flat];
        }
        return new RefTensor(y, shape);
    }

    /// <summary>The listed rows (first-axis entries) of x.</summary>
    public static RefTensor GatherRows(RefTensor x, int[] rows)
    {
        int[] shape = (int[])x.Shape.Clone();
        shape[0] = rows.Length;
        int rowLength = x.Count / x.Shape[0];
        var y = new double[rows.Length * rowLength];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rowLength; j++)
                y[i * rowLength + j] = x.Data[rows[i] * rowLength + j];
        return new RefTensor(y, shape);
    }

    // ------------------------------------------------------------------ index helpers

    /// <summary>Product of the extents.</summary>
    public static int Count(int[] shape) => shape.Aggregate(1, (p, d) => p * d);

    private static int ExtentFromRight(int[] shape, int fromRight) =>
        fromRight < shape.Length ? shape[shape.Length - 1 - fromRight] : 1;

    private static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            index[i] = flat % shape[i];
            flat /= shape[i];
        }
        return index;
    }

    private static int Ravel(int[] index, int[] shape)
    {
        int flat = 0;
        for (int i = 0; i < shape.Length; i++) flat = flat * shape[i] + index[i];
        return flat;
    }

    // The flat position in an operand of the output multi-index: leading axes dropped, extent-1 axes pinned to 0.
    private static int BroadcastIndex(int[] outputIndex, int[] shape)
    {
        int lead = outputIndex.Length - shape.Length, flat = 0;
        for (int i = 0; i < shape.Length; i++) flat = flat * shape[i] + (shape[i] == 1 ? 0 : outputIndex[lead + i]);
        return flat;
    }
}
