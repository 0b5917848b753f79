namespace AlaeIlgpu.Kernels;

/// <summary>Which axis of C a fused bias runs along.</summary>
public enum BiasAxis
{
    /// <summary>No bias.</summary>
    None,

    /// <summary>One bias per row of C (a convolution's output channel).</summary>
    Rows,

    /// <summary>One bias per column of C (a dense layer <c>x W + b</c>).</summary>
    Columns,
}
