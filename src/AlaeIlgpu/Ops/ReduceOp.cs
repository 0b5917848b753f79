using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Ops;

/// <summary>Differentiable sums and means over chosen axes, and the broadcast/reduce pair autodiff needs.</summary>
public static class ReduceOp
{
    /// <summary>Sum over <paramref name="axes"/> (all axes when empty); keeps reduced axes as extent 1 when asked.</summary>
    public static Tensor Sum(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        bool[] reduced = ReducedMask(x.Shape, axes);
        var kept = KeptShape(x.Shape, reduced);
        var y = SumKept(x, reduced, keepDims ? kept : DroppedShape(x.Shape, reduced));
        return Autograd.Record(y, "sum", [x], g => [Expand(ShapeOp.Reshape(g, kept.ToArray()), x.Shape)]);
    }

    /// <summary>Mean over <paramref name="axes"/> (all axes when empty).</summary>
    public static Tensor Mean(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        bool[] reduced = ReducedMask(x.Shape, axes);
        int count = 1;
        for (int i = 0; i < reduced.Length; i++) if (reduced[i]) count *= x.Shape[i];
        return Sum(x, axes, keepDims) * (1f / count);
    }

    /// <summary>Repeats x along its extent-1 axes up to <paramref name="shape"/>; gradient: sum back to x's shape.</summary>
    public static Tensor Expand(Tensor x, TensorShape shape)
    {
        if (x.Shape.Equals(shape)) return x;
        var target = Broadcasting.ResultShape(x.Shape, shape, "expand");
        if (!target.Equals(shape)) throw new ArgumentException($"expand: {x.Shape} cannot be expanded to {shape}.");
        var y = Tensor.Empty(x.Backend, shape);
        x.Backend.Binary<LeftOperator>(x.Storage, x.Storage, y.Storage, Broadcasting.Geometry(x.Shape, x.Shape, shape));
        return Autograd.Record(y, "expand", [x], g => [SumToShape(g, x.Shape)]);
    }

    /// <summary>Sums a broadcast result back to an operand's shape (the adjoint of broadcasting).</summary>
    public static Tensor SumToShape(Tensor g, TensorShape shape)
    {
        if (g.Shape.Equals(shape)) return g;
        int lead = g.Shape.Rank - shape.Rank;
        var axes = new List<int>();
        for (int i = 0; i < g.Shape.Rank; i++)
        {
            int extent = i < lead ? 1 : shape[i - lead];
            if (extent == 1 && g.Shape[i] != 1) axes.Add(i);
        }
        var summed = axes.Count > 0 ? Sum(g, axes.ToArray(), keepDims: true) : g;
        return ShapeOp.Reshape(summed, shape.ToArray());
    }

    // Reduces each run of reduced axes in turn, innermost run first, as [outer, reduce, inner] passes.
    private static Tensor SumKept(Tensor x, bool[] reduced, TensorShape resultShape)
    {
        var dims = x.Shape.ToArray();
        var flags = (bool[])reduced.Clone();
        Storage current = x.Storage;
        bool ownsCurrent = false;
        for (int run = LastRun(flags, dims); run >= 0; run = LastRun(flags, dims))
        {
            int end = run;
            while (end + 1 < dims.Length && flags[end + 1]) end++;
            int outer = Product(dims, 0, run), reduce = Product(dims, run, end + 1), inner = Product(dims, end + 1, dims.Length);
            var next = x.Backend.Allocate(outer * inner);
            x.Backend.SumMiddle(current, next, outer, reduce, inner);
            if (ownsCurrent) current.Release();
            (current, ownsCurrent) = (next, true);
            for (int i = run; i <= end; i++) { dims[i] = 1; flags[i] = false; }
        }
        if (!ownsCurrent)
        {
            var copy = x.Backend.Allocate(x.Count);
            x.Backend.Copy(x.Storage, copy);
            current = copy;
        }
        return new Tensor(current, resultShape);
    }

    // Start of the innermost run of reduced axes with extent > 1, or -1.
    private static int LastRun(bool[] flags, int[] dims)
    {
        int i = flags.Length - 1;
        while (i >= 0 && !(flags[i] && dims[i] > 1)) i--;
        if (i < 0) return -1;
        while (i > 0 && flags[i - 1]) i--;
        return i;
    }

    private static int Product(int[] dims, int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        return p;
    }

    private static bool[] ReducedMask(TensorShape shape, int[]? axes)
    {
        var mask = new bool[shape.Rank];
        if (axes is null || axes.Length == 0) Array.Fill(mask, true);
        else foreach (int a in axes) mask[shape.Axis(a)] = true;
        return mask;
    }

    private static TensorShape KeptShape(TensorShape shape, bool[] reduced) =>
        new(shape.ToArray().Select((d, i) => reduced[i] ? 1 : d).ToArray());

    private static TensorShape DroppedShape(TensorShape shape, bool[] reduced)
    {
        var dims = shape.ToArray().Where((_, i) => !reduced[i]).ToArray();
        return new TensorShape(dims.Length == 0 ? [1] : dims);
    }
}
