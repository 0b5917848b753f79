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

    /// <summary>
    /// How many times <see cref="Gemm"/> has packed panels from this weight's storage (a diagnostic: once per layout
    /// between two writes of the weight, however many products use it).
    /// </summary>
    /// <param name="weight">A module parameter's storage on the <c>cpu</c> backend.</param>
    public static int WeightPacks(Storage weight)
    {
        var cpu = Cpu(weight);
        lock (cpu.PackGate) return cpu.PacksMade;
    }

    /// <summary>The array behind a <c>cpu</c> storage (exactly <see cref="Storage.Length"/> elements), to read.</summary>
    private static float[] Read(Storage storage) => Cpu(storage).Data;

    /// <summary>
    /// The array behind a <c>cpu</c> storage, to write: every write goes through here, so that it outdates what was
    /// derived from the old contents (<see cref="PackedWeight"/>).
    /// </summary>
    private static float[] Write(Storage storage)
    {
        var cpu = Cpu(storage);
        cpu.Written();
        return cpu.Data;
    }

    private static CpuStorage Cpu(Storage storage)
    {
        storage.ThrowIfReleased();
        return storage as CpuStorage
            ?? throw new InvalidOperationException($"A tensor on '{storage.Backend.Name}' was passed to an op running on 'cpu'; move it with ToDevice first.");
    }

    /// <inheritdoc/>
    public override void Upload(ReadOnlySpan<float> source, Storage destination) => source.CopyTo(Write(destination));

    /// <inheritdoc/>
    public override void Download(Storage source, Span<float> destination) => Read(source).AsSpan(0, destination.Length).CopyTo(destination);

    /// <inheritdoc/>
    public override void Copy(Storage source, Storage destination) => Read(source).CopyTo(Write(destination).AsSpan());

    /// <inheritdoc/>
    public override void Unary<TOp>(Storage x, Storage y, float a) => CpuElementwise.Unary<TOp>(Read(x), Write(y), a);

    /// <inheritdoc/>
    public override void Binary<TOp>(Storage a, Storage b, Storage y, in BroadcastGeometry geometry) =>
        CpuElementwise.Binary<TOp>(Read(a), Read(b), Write(y), geometry);

    /// <inheritdoc/>
    public override void Fill(Storage y, float value) => CpuElementwise.Fill(Write(y), value);

    /// <inheritdoc/>
    public override void LerpInPlace(Storage target, Storage source, float t) =>
        CpuElementwise.LerpInPlace(Write(target), Read(source), t);

    /// <inheritdoc/>
    public override void LeakyReluBackward(Storage g, Storage x, Storage y, float slope) =>
        CpuElementwise.LeakyReluBackward(Read(g), Read(x), Write(y), slope);

    /// <inheritdoc/>
    public override void SumMiddle(Storage x, Storage y, int outer, int reduce, int inner) =>
        CpuReduce.SumMiddle(Read(x), Write(y), outer, reduce, inner);

    /// <inheritdoc/>
    public override void Gemm(Storage a, Storage b, Storage c, int m, int n, int k, bool transA, bool transB, in GemmEpilogue epilogue)
    {
        var store = new CpuEpilogue(epilogue.Bias is null ? default : Read(epilogue.Bias), epilogue.Axis, epilogue.NegativeSlope, epilogue.Accumulate);
        if (b.HoldsWeights)
            CpuGemm.Multiply(Read(a), PackedWeight(Cpu(b), n, k, transB), Write(c), m, transA, store);
        else
            CpuGemm.Multiply(Read(a), Read(b), Write(c), m, n, k, transA, transB, store);
    }

    /// <summary>
    /// A weight as the right operand of a GEMM, packed once per layout and kept on its storage until the storage is
    /// next written (an optimizer step, an average update, a load): the forward and backward passes between two steps
    /// multiply by the same panels instead of packing them again each time. A rewritten weight is packed again into
    /// the same buffer, so training allocates no panels after its first steps. The storage's lock keeps threads that
    /// multiply by the same weight (a server's decodes) from packing it twice.
    /// </summary>
    private static PackedOperand PackedWeight(CpuStorage weight, int n, int k, bool transB)
    {
        lock (weight.PackGate)
        {
            int slot = transB ? 1 : 0, version = weight.Version;
            var panels = weight.Panels[slot];
            bool sameShape = panels is not null && panels.Columns == n && panels.Depth == k;
            if (sameShape && weight.PanelsVersion[slot] == version) return panels!;
            if (sameShape) panels!.Repack(Read(weight), transB);
            else panels = PackedOperand.Right(Read(weight), n, k, transB);
            (weight.Panels[slot], weight.PanelsVersion[slot]) = (panels, version);
            weight.PacksMade++;
            return panels;
        }
    }

    /// <inheritdoc/>
    public override void CopyBlocks(Storage src, int srcStride, int srcOffset, Storage dst, int dstStride, int dstOffset, int outer, int length) =>
        CpuLayout.CopyBlocks(Read(src), srcStride, srcOffset, Write(dst), dstStride, dstOffset, outer, length);

    /// <inheritdoc/>
    public override void GatherRows(Storage src, int rowLength, ReadOnlySpan<int> rows, Storage dst) =>
        CpuLayout.GatherRows(Read(src), rowLength, rows, Write(dst));

    /// <inheritdoc/>
    public override void Random(Storage y, ulong seed, ulong offset, bool normal)
    {
        if (normal) CpuRandom.Normal(Write(y), seed, offset);
        else CpuRandom.Uniform(Write(y), seed, offset);
    }

    /// <inheritdoc/>
    public override void AdamUpdate(Storage p, Storage g, Storage? m, Storage v, AdamStep step) =>
        CpuAdam.Update(Write(p), Read(g), m is null ? Span<float>.Empty : Write(m), Write(v), step);

    /// <inheritdoc/>
    public override void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, in Conv2dGeometry geometry) =>
        CpuConv2d.Forward(Read(x), Read(w), bias is null ? ReadOnlySpan<float>.Empty : Read(bias), Write(y), geometry);

    /// <inheritdoc/>
    public override void Conv2dInputGradient(Storage dy, Storage w, Storage dx, in Conv2dGeometry geometry) =>
        CpuConv2d.InputGradient(Read(dy), Read(w), Write(dx), geometry);

    /// <inheritdoc/>
    public override void Conv2dWeightGradient(Storage x, Storage dy, Storage dw, Storage? db, in Conv2dGeometry geometry) =>
        CpuConv2d.WeightGradient(Read(x), Read(dy), Write(dw), db is null ? Span<float>.Empty : Write(db), geometry);

    /// <inheritdoc/>
    public override void Resample(Storage x, ReadOnlySpan<float> filter, Storage y, in ResampleGeometry geometry, bool adjoint)
    {
        if (adjoint) CpuResample.ApplyAdjoint(Read(x), filter, Write(y), geometry);
        else CpuResample.Apply(Read(x), filter, Write(y), geometry);
    }

    /// <inheritdoc/>
    public override void InstanceStatistics(Storage x, Storage mean, Storage std, int planeLength, float epsilon) =>
        CpuInstanceNorm.Statistics(Read(x), Write(mean), Write(std), planeLength, epsilon);

    /// <inheritdoc/>
    public override void InstanceNormForward(Storage x, Storage y, Storage mean, Storage inverseStd, int planeLength, float epsilon) =>
        CpuInstanceNorm.Forward(Read(x), Write(y), Write(mean), Write(inverseStd), planeLength, epsilon);

    /// <inheritdoc/>
    public override void InstanceNormBackward(Storage y, Storage dy, Storage inverseStd, Storage dx, int planeLength) =>
        CpuInstanceNorm.Backward(Read(y), Read(dy), Read(inverseStd), Write(dx), planeLength);

    /// <inheritdoc/>
    public override void Synchronize() { }

    /// <inheritdoc/>
    public override long PooledBytes => _pool.TotalBytes;

    /// <inheritdoc/>
    public override void Dispose() => _pool.Drain();

    /// <inheritdoc/>
    public override void ModulatedConv2d(Storage x, Storage w, Storage style, Storage? demodulation, Storage y, in Conv2dGeometry geometry) =>
        CpuModulatedConv.Forward(Read(x), Read(w), Read(style), ReadOrEmpty(demodulation), Write(y), geometry);

    /// <inheritdoc/>
    public override void ModulatedConv2dBackward(Storage x, Storage w, Storage style, Storage? demodulation, Storage y, Storage dy,
        Storage? dx, Storage? dw, Storage? dstyle, Storage? ddemodulation, in Conv2dGeometry geometry) =>
        CpuModulatedConv.Backward(Read(x), Read(w), Read(style), ReadOrEmpty(demodulation), Read(y), Read(dy),
            WriteOrEmpty(dx), WriteOrEmpty(dw), WriteOrEmpty(dstyle), WriteOrEmpty(ddemodulation), geometry);

    private static float[] ReadOrEmpty(Storage? storage) => storage is null ? [] : Read(storage);

    private static float[] WriteOrEmpty(Storage? storage) => storage is null ? [] : Write(storage);

    private sealed class CpuStorage(Backend backend, int length, float[] data) : Storage(backend, length)
    {
        private int _version;

        public float[] Data { get; } = data;

        /// <summary>Counts the writes: panels packed at another version are out of date.</summary>
        public int Version => Volatile.Read(ref _version);

        /// <summary>Guards <see cref="Panels"/>, <see cref="PanelsVersion"/> and <see cref="PacksMade"/>.</summary>
        public object PackGate { get; } = new();

        /// <summary>The weight's packed GEMM panels, [0] for op(B) = B and [1] for op(B) = B^T.</summary>
        public PackedOperand?[] Panels { get; } = new PackedOperand?[2];

        /// <summary>The version each of <see cref="Panels"/> was packed at.</summary>
        public int[] PanelsVersion { get; } = [-1, -1];

        /// <summary>How many times panels were packed from this storage.</summary>
        public int PacksMade { get; set; }

        public void Written() => Interlocked.Increment(ref _version);
    }
}
