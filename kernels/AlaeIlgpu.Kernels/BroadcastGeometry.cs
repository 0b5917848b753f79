namespace AlaeIlgpu.Kernels;

/// <summary>
/// How two operands map onto a broadcast output of rank 4 (shorter shapes are padded in front with 1).
/// A stride of 0 repeats the operand along that axis. Built by the engine after merging adjacent axes,
/// so the innermost axis is as long as possible.
/// </summary>
public readonly struct BroadcastGeometry
{
    /// <summary>Output extents, outermost first.</summary>
    public readonly int D0, D1, D2, D3;
    /// <summary>Element strides of operand a per output axis (0 where a is broadcast).</summary>
    public readonly int A0, A1, A2, A3;
    /// <summary>Element strides of operand b per output axis (0 where b is broadcast).</summary>
    public readonly int B0, B1, B2, B3;

    /// <summary>Creates a geometry from extents and per-axis strides (each array of length 4).</summary>
    public BroadcastGeometry(ReadOnlySpan<int> dims, ReadOnlySpan<int> aStrides, ReadOnlySpan<int> bStrides)
    {
        if (dims.Length != 4 || aStrides.Length != 4 || bStrides.Length != 4)
            throw new ArgumentException("Broadcast geometry needs exactly 4 extents and 4 strides per operand.");
        (D0, D1, D2, D3) = (dims[0], dims[1], dims[2], dims[3]);
        (A0, A1, A2, A3) = (aStrides[0], aStrides[1], aStrides[2], aStrides[3]);
        (B0, B1, B2, B3) = (bStrides[0], bStrides[1], bStrides[2], bStrides[3]);
    }

    /// <summary>Number of output elements.</summary>
    public int Count => D0 * D1 * D2 * D3;

    /// <summary>Offsets into a and b of output element <paramref name="index"/>.</summary>
    public (int A, int B) Offsets(int index)
    {
        int i3 = index % D3;
        int rest = index / D3;
        int i2 = rest % D2;
        rest /= D2;
        int i1 = rest % D1;
        int i0 = rest / D1;
        return (i0 * A0 + i1 * A1 + i2 * A2 + i3 * A3, i0 * B0 + i1 * B1 + i2 * B2 + i3 * B3);
    }
}
