using System.Numerics;
using System.Runtime.Intrinsics;
using static AlaeIlgpu.Kernels.Cpu.MicroKernels;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// The right operand op(B) <c>[k, n]</c> of <see cref="CpuGemm"/> packed whole into the micro-kernel's panels, for an
/// operand multiplied many times while it stays unchanged, such as a layer's weight between two optimizer steps:
/// <see cref="CpuGemm.Multiply(ReadOnlySpan{float}, PackedOperand, Span{float}, int, bool, in CpuEpilogue)"/> then packs
/// only op(A). The panels are those <see cref="CpuGemm"/> would pack per tile, so results are bit for bit the same.
/// </summary>
public sealed unsafe class PackedOperand
{
    private PackedOperand(float[] buffer, int columns, int depth, bool wide)
    {
        Buffer = buffer;
        Columns = columns;
        Depth = depth;
        Wide = wide;
    }

    /// <summary>Columns of op(B) (n).</summary>
    public int Columns { get; }

    /// <summary>Rows of op(B), the reduction length (k).</summary>
    public int Depth { get; }

    /// <summary>Bytes the panels take (the operand's own size, rounded up to whole panels).</summary>
    public long Bytes => Buffer.LongLength * sizeof(float);

    /// <summary>Packed for 512-bit lanes (<see cref="Lanes512"/>), else for <see cref="LanesVectorT"/>.</summary>
    internal bool Wide { get; }

    /// <summary>The pinned panels, from the first 64-byte boundary (<see cref="CpuGemm.Align"/>).</summary>
    internal float[] Buffer { get; }

    /// <summary>Packs op(B) for the lane width this machine's GEMM runs at.</summary>
    /// <param name="b">B, stored <c>[k, n]</c>, or <c>[n, k]</c> when <paramref name="transB"/>.</param>
    /// <param name="n">Columns of op(B).</param>
    /// <param name="k">Rows of op(B).</param>
    /// <param name="transB">B is stored transposed.</param>
    /// <exception cref="ArgumentException">A dimension is negative or <paramref name="b"/> is shorter than its shape.</exception>
    public static PackedOperand Right(ReadOnlySpan<float> b, int n, int k, bool transB) =>
        Vector512.IsHardwareAccelerated ? Right<Lanes512, Vector512<float>>(b, n, k, transB) : Right<LanesVectorT, Vector<float>>(b, n, k, transB);

    /// <summary><see cref="Right"/> at the lane width <typeparamref name="T"/>.</summary>
    internal static PackedOperand Right<T, TVector>(ReadOnlySpan<float> b, int n, int k, bool transB) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        CpuGemm.ValidateShapes(0, b.Length, 0, 0, n, k, false, transB);
        int nr = OuterVectors * T.Count;
        var buffer = GC.AllocateUninitializedArray<float>(checked(CpuGemm.Panels(n, nr) * nr * k + CpuGemm.BufferAlignment), pinned: true);
        var packed = new PackedOperand(buffer, n, k, typeof(T) == typeof(Lanes512));
        packed.Repack(b, transB);
        return packed;
    }

    /// <summary>
    /// Packs new contents of the same shape into these panels, so that an operand rewritten between uses (a weight
    /// after each optimizer step) reuses its buffer instead of allocating one per step. No product may be reading
    /// these panels meanwhile.
    /// </summary>
    /// <param name="b">B, stored <c>[k, n]</c>, or <c>[n, k]</c> when <paramref name="transB"/>, of this operand's shape.</param>
    /// <param name="transB">B is stored transposed.</param>
    /// <exception cref="ArgumentException"><paramref name="b"/> is shorter than the shape.</exception>
    public void Repack(ReadOnlySpan<float> b, bool transB)
    {
        CpuGemm.ValidateShapes(0, b.Length, 0, 0, Columns, Depth, false, transB);
        int nr = OuterVectors * (Wide ? Lanes512.Count : LanesVectorT.Count);
        fixed (float* pb = b, pbuffer = Buffer)
        {
            var right = new PanelSource(pb, Columns, transB ? Depth : Columns, alongWidth: !transB);   // op(B)^T [n, k]
            bool parallel = CpuWorkers.Threads > 1 && (long)Columns * Depth >= ParallelMinElements;
            CpuGemm.PackWhole(right, nr, Depth, CpuGemm.Align(pbuffer), parallel);
        }
    }

    /// <summary>Operands of at least this many elements are packed in parallel (a 256 x 256 weight and up).</summary>
    private const long ParallelMinElements = 1 << 16;
}
