using AlaeIlgpu.Autodiff;

namespace AlaeIlgpu.Ops;

/// <summary>Differentiable shape and layout ops: reshape, concat and slice along an axis, and row gathers.</summary>
public static class ShapeOp
{
    /// <summary>The same data under a new shape (one extent may be -1 and is inferred); shares storage.</summary>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var target = new TensorShape(Infer(x.Shape, shape));
        if (target.Equals(x.Shape)) return x;
        var y = x.View(target);
        return Autograd.Record(y, "reshape", [x], g => [Reshape(g, x.Shape.ToArray())]);
    }

    /// <summary>Joins tensors along <paramref name="axis"/>; all other extents must match.</summary>
    /// <exception cref="ArgumentException">Shapes or devices do not match.</exception>
    public static Tensor Concat(IReadOnlyList<Tensor> parts, int axis)
    {
        if (parts.Count == 0) throw new ArgumentException("concat: no tensors given.");
        var first = parts[0];
        axis = first.Shape.Axis(axis);
        int total = 0;
        foreach (var p in parts)
        {
            ElementwiseOp.RequireSameBackend(first, p, "concat");
            if (p.Shape.Rank != first.Shape.Rank || !p.Shape.With(axis, 1).Equals(first.Shape.With(axis, 1)))
                throw new ArgumentException($"concat along axis {axis}: shapes {first.Shape} and {p.Shape} differ off that axis.");
            total += p.Shape[axis];
        }
        var y = Tensor.Empty(first.Backend, first.Shape.With(axis, total));
        int outer = first.Shape.Outer(axis), inner = first.Shape.Inner(axis), offset = 0;
        foreach (var p in parts)
        {
            int block = p.Shape[axis] * inner;
            first.Backend.CopyBlocks(p.Storage, block, 0, y.Storage, total * inner, offset, outer, block);
            offset += block;
        }
        int[] starts = new int[parts.Count];
        for (int i = 1; i < parts.Count; i++) starts[i] = starts[i - 1] + parts[i - 1].Shape[axis];
        return Autograd.Record(y, "concat", parts.ToArray(), g =>
            parts.Select((p, i) => Autograd.NeedsGrad(p) ? Slice(g, axis, starts[i], p.Shape[axis]) : null).ToArray());
    }

    /// <summary>Elements [start, start + length) along <paramref name="axis"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the axis.</exception>
    public static Tensor Slice(Tensor x, int axis, int start, int length)
    {
        axis = x.Shape.Axis(axis);
        int extent = x.Shape[axis];
        if (start < 0 || length < 0 || start + length > extent)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start + length}) is outside axis {axis} of {x.Shape}.");
        var y = Tensor.Empty(x.Backend, x.Shape.With(axis, length));
        int inner = x.Shape.Inner(axis);
        x.Backend.CopyBlocks(x.Storage, extent * inner, start * inner, y.Storage, length * inner, 0, x.Shape.Outer(axis), length * inner);
        return Autograd.Record(y, "slice", [x], g => [Pad(g, axis, start, extent)]);
    }

    /// <summary>Places x at [start, start + x's extent) of a zero tensor whose axis has <paramref name="extent"/>; the adjoint of slice.</summary>
    public static Tensor Pad(Tensor x, int axis, int start, int extent)
    {
        axis = x.Shape.Axis(axis);
        int length = x.Shape[axis];
        if (start < 0 || start + length > extent)
            throw new ArgumentOutOfRangeException(nameof(start), $"pad: {x.Shape} at offset {start} does not fit an extent of {extent} on axis {axis}.");
        var y = Tensor.Zeros(x.Backend, x.Shape.With(axis, extent).ToArray());
        int inner = x.Shape.Inner(axis);
        x.Backend.CopyBlocks(x.Storage, length * inner, 0, y.Storage, extent * inner, start * inner, x.Shape.Outer(axis), length * inner);
        return Autograd.Record(y, "pad", [x], g => [Slice(g, axis, start, length)]);
    }

    /// <summary>Rows of a [rows, ...] tensor picked by index (batches from a dataset tensor); not differentiable.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the source.</exception>
    public static Tensor GatherRows(Tensor source, ReadOnlySpan<int> rows)
    {
        if (source.RequiresGrad) throw new ArgumentException("GatherRows does not propagate gradients; pass a detached source.");
        int rowLength = source.Shape.Inner(0);
        var y = Tensor.Empty(source.Backend, source.Shape.With(0, rows.Length));
        source.Backend.GatherRows(source.Storage, rowLength, rows, y.Storage);
        return y;
    }

    private static int[] Infer(TensorShape from, int[] shape)
    {
        var dims = (int[])shape.Clone();
        int unknown = Array.IndexOf(dims, -1);
        int known = 1;
        for (int i = 0; i < dims.Length; i++) if (i != unknown) known *= dims[i];
        if (unknown >= 0 && known > 0 && from.Count % known == 0) dims[unknown] = from.Count / known;
        if (dims.Any(d => d < 0) || dims.Aggregate(1L, (p, d) => p * d) != from.Count)
            throw new ArgumentException($"reshape: cannot view {from} ({from.Count} elements) as [{string.Join(", ", shape)}].");
        return dims;
    }
}
