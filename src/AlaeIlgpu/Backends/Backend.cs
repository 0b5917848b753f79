using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Backends;

/// <summary>
/// One place where tensors live and kernels run: the managed SIMD <c>cpu</c> backend or an ILGPU accelerator
/// (<c>cuda</c>, <c>opencl</c>, or the <c>ilgpu-cpu</c> simulator). The engine's ops call only these primitives,
/// so every op works on every backend. All buffers are dense float32; lengths are element counts.
/// </summary>
public abstract class Backend : IDisposable
{
    /// <summary>Device name as given to <c>--device</c>, e.g. <c>cpu</c> or <c>cuda:0</c>.</summary>
    public abstract string Name { get; }

    /// <summary>A human description (device name, memory, compute units).</summary>
    public abstract string Description { get; }

    /// <summary>Gets a buffer of exactly <paramref name="length"/> elements from the pool; contents are undefined.</summary>
    public abstract Storage Allocate(int length);

    /// <summary>Gives a released buffer back to the pool.</summary>
    internal abstract void Return(Storage storage);

    /// <summary>Copies host data into the buffer.</summary>
    public abstract void Upload(ReadOnlySpan<float> source, Storage destination);

    /// <summary>Copies the buffer into host memory.</summary>
    public abstract void Download(Storage source, Span<float> destination);

    /// <summary>Copies a whole buffer into another of at least the same length on this backend.</summary>
    public abstract void Copy(Storage source, Storage destination);

    /// <summary>y = TOp(x; a) elementwise over y's length.</summary>
    public abstract void Unary<TOp>(Storage x, Storage y, float a) where TOp : struct, IUnaryOperator;

    /// <summary>y = TOp(a, b) elementwise over a broadcast geometry.</summary>
    public abstract void Binary<TOp>(Storage a, Storage b, Storage y, in BroadcastGeometry geometry) where TOp : struct, IBinaryOperator;

    /// <summary>Sets every element of y to value.</summary>
    public abstract void Fill(Storage y, float value);

    /// <summary>
    /// target = target + (source - target) * t over target's length, in place: the EMA update in one pass instead of
    /// a subtract, a scale, an add and a copy.
    /// </summary>
    public abstract void LerpInPlace(Storage target, Storage source, float t);

    /// <summary>y [outer, inner] = sum over the middle axis of x [outer, reduce, inner].</summary>
    public abstract void SumMiddle(Storage x, Storage y, int outer, int reduce, int inner);

    /// <summary>C [m, n] (+)= op(A) op(B), row-major, with A stored [k, m] when transA and B stored [n, k] when transB.</summary>
    public abstract void Gemm(Storage a, Storage b, Storage c, int m, int n, int k, bool transA, bool transB, bool accumulate);

    /// <summary>dst[o * dstStride + dstOffset + j] = src[o * srcStride + srcOffset + j] for o &lt; outer, j &lt; length.</summary>
    public abstract void CopyBlocks(Storage src, int srcStride, int srcOffset, Storage dst, int dstStride, int dstOffset, int outer, int length);

    /// <summary>dst [rows.Length, rowLength] = the listed rows of src.</summary>
    public abstract void GatherRows(Storage src, int rowLength, ReadOnlySpan<int> rows, Storage dst);

    /// <summary>Fills y with N(0, 1) (or U(0, 1]) samples of the Philox stream (seed, offset).</summary>
    public abstract void Random(Storage y, ulong seed, ulong offset, bool normal);

    /// <summary>One Adam step on parameter p with gradient g and moments m (unused when Beta1 is 0) and v.</summary>
    public abstract void AdamUpdate(Storage p, Storage g, Storage? m, Storage v, AdamStep step);

    /// <summary>Waits for queued work to finish.</summary>
    public abstract void Synchronize();

    /// <summary>Bytes currently held in this backend's pool (allocated, in use or free).</summary>
    public abstract long PooledBytes { get; }

    /// <summary>Releases the device and its pooled memory.</summary>
    public abstract void Dispose();

    /// <inheritdoc/>
    public override string ToString() => Name;
}
