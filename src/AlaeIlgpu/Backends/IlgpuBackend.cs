using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Backends;

/// <summary>
/// An ILGPU accelerator (<c>cuda</c>, <c>opencl</c> or the <c>ilgpu-cpu</c> simulator). Kernel families are loaded
/// once, lazily, per accelerator (all through <see cref="Family{T}"/>); buffers come from a pool so steady-state
/// training allocates nothing from the driver. Kernels are queued on the default stream; the host waits for the device
/// only where it must (a copy to host memory, an explicit <see cref="Synchronize"/>), and
/// <see cref="HostSynchronizations"/> counts those waits. Batches (<see cref="UploadBatch"/>, row indices) go to the
/// device through page-locked staging buffers (<see cref="PinnedStaging{T}"/>), queued without a wait.
/// </summary>
public sealed class IlgpuBackend : Backend
{
    private readonly Context _context;
    private readonly BufferPool<MemoryBuffer1D<float, Stride1D.Dense>> _pool = new();
    private readonly Dictionary<Type, object> _families = new();
    private readonly List<(float[] Values, MemoryBuffer1D<float, Stride1D.Dense> Buffer)> _filters = new();
    private readonly PinnedStaging<float> _batchStaging;
    private readonly PinnedStaging<int> _indexStaging;
    private MemoryBuffer1D<int, Stride1D.Dense>? _rowIndices;

    /// <summary>Wraps an accelerator; the backend owns and disposes both it and its context.</summary>
    public IlgpuBackend(string name, Context context, Accelerator accelerator)
    {
        Name = name;
        _context = context;
        Accelerator = accelerator;
        _batchStaging = new(accelerator);
        _indexStaging = new(accelerator);
    }

    /// <summary>The ILGPU accelerator.</summary>
    public Accelerator Accelerator { get; }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override string Description =>
        $"{Accelerator.Name}, {Accelerator.MemorySize / (1 << 20)} MiB, {Accelerator.NumMultiprocessors} multiprocessors, warp {Accelerator.WarpSize}";

    /// <summary>
    /// Times the host has waited for the device since this backend was created: explicit synchronizations, copies
    /// between host and device memory except staged batches, and staged batches that found the staging full (each of
    /// which waits for the queued work). A diagnostic: a training iteration
    /// should make only the waits its data and its logging need.
    /// </summary>
    public long HostSynchronizations { get; private set; }

    /// <summary>
    /// The launcher of a kernel family on this accelerator, created on first use, so that each family is compiled once
    /// per accelerator and only when used.
    /// </summary>
    public T Family<T>(Func<Accelerator, T> create) where T : class
    {
        if (!_families.TryGetValue(typeof(T), out var launcher))
            _families[typeof(T)] = launcher = create(Accelerator);
        return (T)launcher;
    }

    /// <inheritdoc/>
    public override Storage Allocate(int length) =>
        new IlgpuStorage(this, length, _pool.Rent(length, n => Accelerator.Allocate1D<float>(Math.Max(n, 1))));

    /// <inheritdoc/>
    internal override void Return(Storage storage) => _pool.Return(storage.Length, ((IlgpuStorage)storage).Buffer);

    /// <summary>The device view of an ILGPU storage (exactly <see cref="Storage.Length"/> elements).</summary>
    public ArrayView<float> View(Storage storage)
    {
        storage.ThrowIfReleased();
        if (storage is IlgpuStorage s && ReferenceEquals(s.Backend, this)) return s.Buffer.View.SubView(0, s.Length);
        throw new InvalidOperationException($"A tensor on '{storage.Backend.Name}' was passed to an op running on '{Name}'; move it with ToDevice first.");
    }

    /// <inheritdoc/>
    public override void Upload(ReadOnlySpan<float> source, Storage destination)
    {
        if (source.Length == 0) return;
        View(destination).SubView(0, source.Length).CopyFromCPU(source.ToArray());
        Waited();
    }

    /// <inheritdoc/>
    public override void UploadBatch(ReadOnlySpan<float> source, Storage destination)
    {
        if (source.Length > 0) CopyFromHost(_batchStaging, source, View(destination).SubView(0, source.Length));
    }

    /// <inheritdoc/>
    public override void Download(Storage source, Span<float> destination)
    {
        if (destination.Length == 0) return;
        var host = new float[destination.Length];
        View(source).SubView(0, destination.Length).CopyToCPU(host);
        Waited();
        host.CopyTo(destination);
    }

    /// <inheritdoc/>
    public override void Copy(Storage source, Storage destination) =>
        View(source).CopyTo(View(destination).SubView(0, source.Length));

    /// <inheritdoc/>
    public override void Unary<TOp>(Storage x, Storage y, float a) => Elementwise.Map<TOp>(View(x), View(y), a);

    /// <inheritdoc/>
    public override void Binary<TOp>(Storage a, Storage b, Storage y, in BroadcastGeometry geometry) =>
        Elementwise.Binary<TOp>(View(a), View(b), View(y), geometry);

    /// <inheritdoc/>
    public override void Fill(Storage y, float value) => Elementwise.Fill(View(y), value);

    /// <inheritdoc/>
    public override void LerpInPlace(Storage target, Storage source, float t) =>
        Elementwise.LerpInPlace(View(target), View(source), t);

    /// <inheritdoc/>
    public override void LeakyReluBackward(Storage g, Storage x, Storage y, float slope) =>
        Elementwise.LeakyReluBackward(View(g), View(x), View(y), slope);

    /// <inheritdoc/>
    public override void SumMiddle(Storage x, Storage y, int outer, int reduce, int inner) =>
        Reduce.SumMiddle(View(x), View(y), outer, reduce, inner);

    /// <inheritdoc/>
    public override void Gemm(Storage a, Storage b, Storage c, int m, int n, int k, bool transA, bool transB, in GemmEpilogue epilogue)
    {
        if (epilogue.Axis == BiasAxis.None && epilogue.NegativeSlope == 1f)
        {
            GemmFamily.Multiply(View(a), View(b), View(c), m, n, k, transA, transB, epilogue.Accumulate);
            return;
        }
        var bias = epilogue.Bias is null || epilogue.Axis == BiasAxis.None ? View(c) : View(epilogue.Bias);
        GemmFamily.MultiplyFused(View(a), View(b), View(c), m, n, k, transA, transB,
            ProductEpilogue.Fused(bias, epilogue.Bias is null ? BiasAxis.None : epilogue.Axis, 1f, epilogue.NegativeSlope));
    }

    /// <inheritdoc/>
    public override void CopyBlocks(Storage src, int srcStride, int srcOffset, Storage dst, int dstStride, int dstOffset, int outer, int length) =>
        Layout.CopyBlocks(View(src), View(dst), outer, new LayoutKernels.BlockCopy(srcStride, srcOffset, dstStride, dstOffset, length));

    /// <inheritdoc/>
    public override void GatherRows(Storage src, int rowLength, ReadOnlySpan<int> rows, Storage dst)
    {
        int available = src.Length / Math.Max(rowLength, 1);
        foreach (int r in rows)
            if ((uint)r >= (uint)available)
                throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is outside a source of {available} rows.");
        if (rows.Length * rowLength == 0) return;
        Layout.GatherRows(View(src), RowIndices(rows), View(dst), rowLength);
    }

    // The row indices go to the device through the staging into one index buffer kept for the backend's lifetime (grown
    // when a larger batch comes): the gather is queued behind their copy, and the next copy into the buffer behind it.
    private ArrayView<int> RowIndices(ReadOnlySpan<int> rows)
    {
        if (_rowIndices is null || _rowIndices.Length < rows.Length)
        {
            if (_rowIndices is not null)
            {
                Synchronize();   // a queued gather may still read the old buffer
                _rowIndices.Dispose();
            }
            _rowIndices = Accelerator.Allocate1D<int>(rows.Length);
        }
        var indices = _rowIndices.View.SubView(0, rows.Length);
        CopyFromHost(_indexStaging, rows, indices);
        return indices;
    }

    // Queues a copy of host data through page-locked staging; when the staging is full, waits for the device (which
    // frees all of it) first, and copies directly when the data alone is larger than the staging may hold.
    private void CopyFromHost<T>(PinnedStaging<T> staging, ReadOnlySpan<T> source, ArrayView1D<T, Stride1D.Dense> target) where T : unmanaged
    {
        if (staging.TryCopy(source, target)) return;
        Synchronize();
        if (!staging.TryCopy(source, target)) target.CopyFromCPU(source.ToArray());
    }

    // The host has just waited for every queued operation: counts the wait and frees the staging buffers.
    private void Waited()
    {
        HostSynchronizations++;
        _batchStaging.DeviceCaughtUp();
        _indexStaging.DeviceCaughtUp();
    }

    /// <inheritdoc/>
    public override void Random(Storage y, ulong seed, ulong offset, bool normal) => RandomFamily.Fill(View(y), seed, offset, normal);

    /// <inheritdoc/>
    public override void AdamUpdate(Storage p, Storage g, Storage? m, Storage v, AdamStep step) =>
        Adam.Update(View(p), View(g), m is null ? View(v) : View(m), View(v), step);

    /// <inheritdoc/>
    public override void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, in Conv2dGeometry geometry) =>
        Conv2dFamily.Forward(View(x), View(w), bias is null ? ArrayView<float>.Empty : View(bias), View(y), geometry);

    /// <inheritdoc/>
    public override void Conv2dInputGradient(Storage dy, Storage w, Storage dx, in Conv2dGeometry geometry) =>
        Conv2dFamily.InputGradient(View(dy), View(w), View(dx), geometry);

    /// <inheritdoc/>
    public override void Conv2dWeightGradient(Storage x, Storage dy, Storage dw, Storage? db, in Conv2dGeometry geometry) =>
        Conv2dFamily.WeightGradient(View(x), View(dy), View(dw), db is null ? ArrayView<float>.Empty : View(db), geometry);

    /// <inheritdoc/>
    public override void Resample(Storage x, ReadOnlySpan<float> filter, Storage y, in ResampleGeometry geometry, bool adjoint)
    {
        var launcher = Family(a => new ResampleLauncher(a));
        if (adjoint) launcher.ApplyAdjoint(View(x), Filter(filter), View(y), geometry);
        else launcher.Apply(View(x), Filter(filter), View(y), geometry);
    }

    /// <inheritdoc/>
    public override void InstanceStatistics(Storage x, Storage mean, Storage std, int planeLength, float epsilon) =>
        InstanceNormFamily.Statistics(View(x), View(mean), View(std), planeLength, epsilon);

    /// <inheritdoc/>
    public override void InstanceNormForward(Storage x, Storage y, Storage mean, Storage inverseStd, int planeLength, float epsilon) =>
        InstanceNormFamily.Forward(View(x), View(y), View(mean), View(inverseStd), planeLength, epsilon);

    /// <inheritdoc/>
    public override void InstanceNormBackward(Storage y, Storage dy, Storage inverseStd, Storage dx, int planeLength) =>
        InstanceNormFamily.Backward(View(y), View(dy), View(inverseStd), View(dx), planeLength);

    /// <inheritdoc/>
    public override void Synchronize()
    {
        Accelerator.Synchronize();
        Waited();
    }

    /// <inheritdoc/>
    public override long PooledBytes => _pool.TotalBytes;

    /// <inheritdoc/>
    public override void Dispose()
    {
        Accelerator.Synchronize();
        foreach (var buffer in _pool.Drain()) buffer.Dispose();
        foreach (var (_, buffer) in _filters) buffer.Dispose();
        _batchStaging.Dispose();
        _indexStaging.Dispose();
        _rowIndices?.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }

    private ElementwiseLauncher Elementwise => Family(a => new ElementwiseLauncher(a));

    private ReduceLauncher Reduce => Family(a => new ReduceLauncher(a));

    private GemmLauncher GemmFamily => Family(a => new GemmLauncher(a));

    private LayoutLauncher Layout => Family(a => new LayoutLauncher(a));

    private RandomLauncher RandomFamily => Family(a => new RandomLauncher(a));

    private AdamLauncher Adam => Family(a => new AdamLauncher(a));

    private Conv2dLauncher Conv2dFamily => Family(a => new Conv2dLauncher(a));

    private InstanceNormLauncher InstanceNormFamily => Family(a => new InstanceNormLauncher(a));

    // Resampling filters (a few taps each, a handful of distinct ones per model) live on the device, uploaded on first use.
    private ArrayView<float> Filter(ReadOnlySpan<float> values)
    {
        foreach (var (known, buffer) in _filters)
            if (values.SequenceEqual(known)) return buffer.View;
        var uploaded = Accelerator.Allocate1D(values.ToArray());
        Waited();
        _filters.Add((values.ToArray(), uploaded));
        return uploaded.View;
    }

    /// <inheritdoc/>
    public override void ModulatedConv2d(Storage x, Storage w, Storage style, Storage? demodulation, Storage y, in Conv2dGeometry geometry) =>
        ModulatedConv.Forward(View(x), View(w), View(style), OrEmpty(demodulation), View(y), geometry);

    /// <inheritdoc/>
    /// <remarks>The style gradient comes out of the input-gradient pass, so a pooled scratch stands in for dx when only ds is asked for.</remarks>
    public override void ModulatedConv2dBackward(Storage x, Storage w, Storage style, Storage? demodulation, Storage y, Storage dy,
        Storage? dx, Storage? dw, Storage? dstyle, Storage? ddemodulation, in Conv2dGeometry geometry)
    {
        var scratch = dx is null && dstyle is not null ? Allocate(geometry.InputLength) : null;
        try
        {
            ModulatedConv.Backward(View(x), View(w), View(style), OrEmpty(demodulation), View(y), View(dy),
                OrEmpty(dx ?? scratch), OrEmpty(dw), OrEmpty(dstyle), OrEmpty(ddemodulation), geometry);
        }
        finally
        {
            scratch?.Release();
        }
    }

    private ModulatedConvLauncher ModulatedConv => Family(a => new ModulatedConvLauncher(a));

    private ArrayView<float> OrEmpty(Storage? storage) => storage is null ? default : View(storage);

    private sealed class IlgpuStorage(Backend backend, int length, MemoryBuffer1D<float, Stride1D.Dense> buffer) : Storage(backend, length)
    {
        public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; } = buffer;
    }
}
