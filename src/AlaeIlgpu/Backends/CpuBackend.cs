using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;

namespace AlaeIlgpu.Backends;

/// <summary>The <c>cpu</c> backend: managed SIMD kernels (Vector&lt;T&gt;, Vector512) over pooled float arrays.</summary>
public sealed class CpuBackend : Backend
{
    private readonly BufferPool<float[]> _pool = new();

    /// <summary>The process-wide CPU backend.</summary>
    public static CpuBackend Instance { get; } = new();

    private CpuBackend() { }

    /// <inheritdoc/>
    public override string Name => "cpu";

    /// <inheritdoc/>
    public override string Description =>
        $"managed SIMD, {Environment.ProcessorCount} cores, Vector<float> = {System.Numerics.Vector<float>.Count} lanes, " +
        $"Vector512 {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}";

    /// <inheritdoc/>
    public override Storage Allocate(int length) => new CpuStorage(this, length, _pool.Rent(length, n => new float[n]));

    /// <inheritdoc/>
    internal override void Return(Storage storage) => _pool.Return(storage.Length, ((CpuStorage)storage).Data);

    /// <summary>The array behind a <c>cpu</c> storage (exactly <see cref="Storage.Length"/> elements).</summary>
    public static float[] Data(Storage storage)
    {
        storage.ThrowIfReleased();
        return storage is CpuStorage cpu ? cpu.Data
            : throw new InvalidOperationException($"A tensor on '{storage.Backend.Name}' was passed to an op running on 'cpu'; move it with ToDevice first.");
    }

    /// <inheritdoc/>
    public override void Upload(ReadOnlySpan<float> source, Storage destination) => source.CopyTo(Data(destination));

    /// <inheritdoc/>
    public override void Download(Storage source, Span<float> destination) => Data(source).AsSpan(0, destination.Length).CopyTo(destination);

    /// <inheritdoc/>
    public override void Copy(Storage source, Storage destination) => Data(source).CopyTo(Data(destination).AsSpan());

    /// <inheritdoc/>
    public override void Unary<TOp>(Storage x, Storage y, float a) => CpuElementwise.Unary<TOp>(Data(x), Data(y), a);

    /// <inheritdoc/>
    public override void Binary<TOp>(Storage a, Storage b, Storage y, in BroadcastGeometry geometry) =>
        CpuElementwise.Binary<TOp>(Data(a), Data(b), Data(y), geometry);

    /// <inheritdoc/>
    public override void Fill(Storage y, float value) => CpuElementwise.Fill(Data(y), value);

    /// <inheritdoc/>
    public override void LerpInPlace(Storage target, Storage source, float t) =>
        CpuElementwise.LerpInPlace(Data(target), Data(source), t);

    /// <inheritdoc/>
    public override void LeakyReluBackward(Storage g, Storage x, Storage y, float slope) =>
        CpuElementwise.LeakyReluBackward(Data(g), Data(x), Data(y), slope);

    /// <inheritdoc/>
    public override void SumMiddle(Storage x, Storage y, int outer, int reduce, int inner) =>
        CpuReduce.SumMiddle(Data(x), Data(y), outer, reduce, inner);

    /// <inheritdoc/>
    public override void Gemm(Storage a, Storage b, Storage c, int m, int n, int k, bool transA, bool transB, in GemmEpilogue epilogue) =>
        CpuGemm.Multiply(Data(a), Data(b), Data(c), m, n, k, transA, transB,
            new CpuEpilogue(epilogue.Bias is null ? default : Data(epilogue.Bias), epilogue.Axis, epilogue.NegativeSlope, epilogue.Accumulate));

    /// <inheritdoc/>
    public override void CopyBlocks(Storage src, int srcStride, int srcOffset, Storage dst, int dstStride, int dstOffset, int outer, int length) =>
        CpuLayout.CopyBlocks(Data(src), srcStride, srcOffset, Data(dst), dstStride, dstOffset, outer, length);

    /// <inheritdoc/>
    public override void GatherRows(Storage src, int rowLength, ReadOnlySpan<int> rows, Storage dst) =>
        CpuLayout.GatherRows(Data(src), rowLength, rows, Data(dst));

    /// <inheritdoc/>
    public override void Random(Storage y, ulong seed, ulong offset, bool normal)
    {
        if (normal) CpuRandom.Normal(Data(y), seed, offset);
        else CpuRandom.Uniform(Data(y), seed, offset);
    }

    /// <inheritdoc/>
    public override void AdamUpdate(Storage p, Storage g, Storage? m, Storage v, AdamStep step) =>
        CpuAdam.Update(Data(p), Data(g), m is null ? Span<float>.Empty : Data(m), Data(v), step);

    /// <inheritdoc/>
    public override void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, in Conv2dGeometry geometry) =>
        CpuConv2d.Forward(Data(x), Data(w), bias is null ? ReadOnlySpan<float>.Empty : Data(bias), Data(y), geometry);

    /// <inheritdoc/>
    public override void Conv2dInputGradient(Storage dy, Storage w, Storage dx, in Conv2dGeometry geometry) =>
        CpuConv2d.InputGradient(Data(dy), Data(w), Data(dx), geometry);

    /// <inheritdoc/>
    public override void Conv2dWeightGradient(Storage x, Storage dy, Storage dw, Storage? db, in Conv2dGeometry geometry) =>
        CpuConv2d.WeightGradient(Data(x), Data(dy), Data(dw), db is null ? Span<float>.Empty : Data(db), geometry);

    /// <inheritdoc/>
    public override void Resample(Storage x, ReadOnlySpan<float> filter, Storage y, in ResampleGeometry geometry, bool adjoint)
    {
        if (adjoint) CpuResample.ApplyAdjoint(Data(x), filter, Data(y), geometry);
        else CpuResample.Apply(Data(x), filter, Data(y), geometry);
    }

    /// <inheritdoc/>
    public override void InstanceStatistics(Storage x, Storage mean, Storage std, int planeLength, float epsilon) =>
        CpuInstanceNorm.Statistics(Data(x), Data(mean), Data(std), planeLength, epsilon);

    /// <inheritdoc/>
    public override void InstanceNormForward(Storage x, Storage y, Storage mean, Storage inverseStd, int planeLength, float epsilon) =>
        CpuInstanceNorm.Forward(Data(x), Data(y), Data(mean), Data(inverseStd), planeLength, epsilon);

    /// <inheritdoc/>
    public override void InstanceNormBackward(Storage y, Storage dy, Storage inverseStd, Storage dx, int planeLength) =>
        CpuInstanceNorm.Backward(Data(y), Data(dy), Data(inverseStd), Data(dx), planeLength);

    /// <inheritdoc/>
    public override void Synchronize() { }

    /// <inheritdoc/>
    public override long PooledBytes => _pool.TotalBytes;

    /// <inheritdoc/>
    public override void Dispose() => _pool.Drain();

    /// <inheritdoc/>
    public override void ModulatedConv2d(Storage x, Storage w, Storage style, Storage? demodulation, Storage y, in Conv2dGeometry geometry) =>
        CpuModulatedConv.Forward(Data(x), Data(w), Data(style), OrEmpty(demodulation), Data(y), geometry);

    /// <inheritdoc/>
    public override void ModulatedConv2dBackward(Storage x, Storage w, Storage style, Storage? demodulation, Storage y, Storage dy,
        Storage? dx, Storage? dw, Storage? dstyle, Storage? ddemodulation, in Conv2dGeometry geometry) =>
        CpuModulatedConv.Backward(Data(x), Data(w), Data(style), OrEmpty(demodulation), Data(y), Data(dy),
            OrEmpty(dx), OrEmpty(dw), OrEmpty(dstyle), OrEmpty(ddemodulation), geometry);

    private static float[] OrEmpty(Storage? storage) => storage is null ? [] : Data(storage);

    private sealed class CpuStorage(Backend backend, int length, float[] data) : Storage(backend, length)
    {
        public float[] Data { get; } = data;
    }
}
