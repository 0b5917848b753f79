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

    /// <summary>
    /// Copies a batch of host data (uploaded again every iteration) into the buffer; an ILGPU device queues it through
    /// page-locked staging without waiting. <paramref name="source"/> may be reused as soon as this returns.
    /// </summary>
    public virtual void UploadBatch(ReadOnlySpan<float> source, Storage destination) => Upload(source, destination);

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

    /// <summary>y = g where x &gt; 0, else slope * g, over y's length: leaky ReLU's backward in one pass.</summary>
    public abstract void LeakyReluBackward(Storage g, Storage x, Storage y, float slope);

    /// <summary>y [outer, inner] = sum over the middle axis of x [outer, reduce, inner].</summary>
    public abstract void SumMiddle(Storage x, Storage y, int outer, int reduce, int inner);

    /// <summary>
    /// C [m, n] = op(A) op(B), row-major, with A stored [k, m] when transA and B stored [n, k] when transB, stored as
    /// <paramref name="epilogue"/> says (overwritten, added, or with a bias and leaky ReLU in the same pass).
    /// </summary>
    public abstract void Gemm(Storage a, Storage b, Storage c, int m, int n, int k, bool transA, bool transB, in GemmEpilogue epilogue);

    /// <summary>dst[o * dstStride + dstOffset + j] = src[o * srcStride + srcOffset + j] for o &lt; outer, j &lt; length.</summary>
    public abstract void CopyBlocks(Storage src, int srcStride, int srcOffset, Storage dst, int dstStride, int dstOffset, int outer, int length);

    /// <summary>dst [rows.Length, rowLength] = the listed rows of src.</summary>
    public abstract void GatherRows(Storage src, int rowLength, ReadOnlySpan<int> rows, Storage dst);

    /// <summary>Fills y with N(0, 1) (or U(0, 1]) samples of the Philox stream (seed, offset).</summary>
    public abstract void Random(Storage y, ulong seed, ulong offset, bool normal);

    /// <summary>One Adam step on parameter p with gradient g and moments m (unused when Beta1 is 0) and v.</summary>
    public abstract void AdamUpdate(Storage p, Storage g, Storage? m, Storage v, AdamStep step);

    /// <summary>y [N, Cout, Ho, Wo] = conv2d(x [N, Cin, H, W], w [Cout, Cin, Kh, Kw]) + bias [Cout] (none when null).</summary>
    public abstract void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, in Conv2dGeometry geometry);

    /// <summary>dx [N, Cin, H, W] = the adjoint of <see cref="Conv2dForward"/> in x applied to dy (also the transposed convolution).</summary>
    public abstract void Conv2dInputGradient(Storage dy, Storage w, Storage dx, in Conv2dGeometry geometry);

    /// <summary>dw [Cout, Cin, Kh, Kw] = sum over the batch of dy (*) x, and db [Cout] = sum of dy when <paramref name="db"/> is not null.</summary>
    public abstract void Conv2dWeightGradient(Storage x, Storage dy, Storage dw, Storage? db, in Conv2dGeometry geometry);

    /// <summary>
    /// y = upfirdn2d(x, filter) over every plane, or with <paramref name="adjoint"/> its adjoint: x is then shaped like the
    /// geometry's output and y like its input (up and down swapped, filter flipped).
    /// </summary>
    public abstract void Resample(Storage x, ReadOnlySpan<float> filter, Storage y, in ResampleGeometry geometry, bool adjoint);

    /// <summary>mean [planes] and std [planes] = sqrt(biased variance + epsilon) of x [planes, planeLength].</summary>
    public abstract void InstanceStatistics(Storage x, Storage mean, Storage std, int planeLength, float epsilon);

    /// <summary>y = (x - mean) / sqrt(var + epsilon) per plane of x [planes, planeLength], saving mean and inverse std [planes].</summary>
    public abstract void InstanceNormForward(Storage x, Storage y, Storage mean, Storage inverseStd, int planeLength, float epsilon);

    /// <summary>dx = inverseStd * (dy - mean(dy) - y * mean(dy * y)) per plane: the input gradient of <see cref="InstanceNormForward"/>.</summary>
    public abstract void InstanceNormBackward(Storage y, Storage dy, Storage inverseStd, Storage dx, int planeLength);

    /// <summary>Waits for queued work to finish.</summary>
    public abstract void Synchronize();

    /// <summary>Bytes currently held in this backend's pool (allocated, in use or free).</summary>
    public abstract long PooledBytes { get; }

    /// <summary>Releases the device and its pooled memory.</summary>
    public abstract void Dispose();

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>
    /// Modulated convolution (StyleGAN2): <c>y[n] = d[n] * conv2d(s[n] * x[n], w)</c>, the convolution of sample n with
    /// the weight <c>w[o, i] * s[n, i] * d[n, o]</c>; x [N, Cin, H, W], w [Cout, Cin, Kh, Kw], style s [N, Cin],
    /// demodulation d [N, Cout] or null for none, y [N, Cout, Ho, Wo].
    /// </summary>
    public abstract void ModulatedConv2d(Storage x, Storage w, Storage style, Storage? demodulation, Storage y, in Conv2dGeometry geometry);

    /// <summary>
    /// Gradients of <see cref="ModulatedConv2d"/> from dy: dx, dw, d(style) and d(demodulation), each computed only when
    /// its storage is given (d(demodulation) needs the demodulation and reads y, the forward output).
    /// </summary>
    public abstract void ModulatedConv2dBackward(Storage x, Storage w, Storage style, Storage? demodulation, Storage y, Storage dy,
        Storage? dx, Storage? dw, Storage? dstyle, Storage? ddemodulation, in Conv2dGeometry geometry);
}
