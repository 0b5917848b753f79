namespace AlaeIlgpu;

/// <summary>An immutable tensor shape (row-major extents, outermost first), printed like <c>[128, 784]</c>.</summary>
public sealed class TensorShape : IEquatable<TensorShape>
{
    private readonly int[] _dims;

    /// <summary>Creates a shape; every extent must be at least 1 (0 allowed for empty tensors).</summary>
    /// <exception cref="ArgumentException">An extent is negative or the element count overflows.</exception>
    public TensorShape(params int[] dims)
    {
        long count = 1;
        foreach (int d in dims)
        {
            if (d < 0) throw new ArgumentException($"Shape [{string.Join(", ", dims)}] has a negative extent.");
            count *= d;
            if (count > int.MaxValue) throw new ArgumentException($"Shape [{string.Join(", ", dims)}] has more than {int.MaxValue} elements.");
        }
        _dims = (int[])dims.Clone();
        Count = (int)count;
    }

    /// <summary>Number of axes.</summary>
    public int Rank => _dims.Length;

    /// <summary>Number of elements.</summary>
    public int Count { get; }

    /// <summary>Extent of axis <paramref name="axis"/> (negative counts from the end).</summary>
    public int this[int axis] => _dims[Axis(axis)];

    /// <summary>A copy of the extents.</summary>
    public int[] ToArray() => (int[])_dims.Clone();

    /// <summary>The extents as a span (no copy).</summary>
    public ReadOnlySpan<int> Dims => _dims;

    /// <summary>Normalises a possibly negative axis and checks it is in range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside the shape.</exception>
    public int Axis(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if ((uint)a >= (uint)Rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is outside shape {this}.");
        return a;
    }

    /// <summary>Product of the extents before <paramref name="axis"/>.</summary>
    public int Outer(int axis) => Product(0, Axis(axis));

    /// <summary>Product of the extents after <paramref name="axis"/>.</summary>
    public int Inner(int axis) => Product(Axis(axis) + 1, Rank);

    /// <summary>This shape with axis <paramref name="axis"/> set to <paramref name="extent"/>.</summary>
    public TensorShape With(int axis, int extent)
    {
        int[] dims = ToArray();
        dims[Axis(axis)] = extent;
        return new TensorShape(dims);
    }

    private int Product(int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= _dims[i];
        return p;
    }

    /// <inheritdoc/>
    public bool Equals(TensorShape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in _dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => $"[{string.Join(", ", _dims)}]";

    /// <summary>Implicit conversion from an extent array.</summary>
    public static implicit operator TensorShape(int[] dims) => new(dims);
}
