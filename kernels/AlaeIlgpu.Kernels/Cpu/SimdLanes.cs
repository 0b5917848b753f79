using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// One SIMD register of floats, abstracted so that a micro-kernel is written once and the JIT specialises it per
/// width (<see cref="Lanes512"/> where AVX-512 is available, <see cref="LanesVectorT"/> elsewhere).
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface ISimdLanes<TSelf> where TSelf : struct, ISimdLanes<TSelf>
{
    /// <summary>Number of float lanes.</summary>
    static abstract int Count { get; }

    /// <summary>Unaligned load of <see cref="Count"/> floats.</summary>
    static abstract unsafe TSelf Load(float* source);

    /// <summary>Unaligned store of <see cref="Count"/> floats.</summary>
    static abstract unsafe void Store(TSelf value, float* destination);

    /// <summary>All lanes set to <paramref name="value"/>.</summary>
    static abstract TSelf Broadcast(float value);

    /// <summary><c>a * b + c</c> per lane, fused.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>Sum of all lanes.</summary>
    static abstract float Sum(TSelf value);

    /// <summary>
    /// Whether the register file holds 32 vectors of this width (AVX-512, NEON), so that a tile of 24 accumulators plus
    /// its operands stays in registers; with 16 (AVX2) the micro-kernels split their tiles in halves instead of spilling.
    /// </summary>
    static abstract bool HasWideRegisterFile { get; }
}

/// <summary>512-bit lanes (16 floats), for AVX-512 machines.</summary>
internal readonly struct Lanes512 : ISimdLanes<Lanes512>
{
    private readonly Vector512<float> _v;

    private Lanes512(Vector512<float> v) => _v = v;

    public static int Count => Vector512<float>.Count;

    public static bool HasWideRegisterFile => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes512 Load(float* source) => new(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(Lanes512 value, float* destination) => value._v.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 MultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes512 value)
    {
        Vector256<float> half = value._v.GetLower() + value._v.GetUpper();
        return Vector128.Sum(half.GetLower() + half.GetUpper());
    }
}

/// <summary><see cref="Vector{T}"/> lanes (8 floats with AVX2, 4 with NEON): the portable fallback.</summary>
internal readonly struct LanesVectorT : ISimdLanes<LanesVectorT>
{
    private readonly Vector<float> _v;

    private LanesVectorT(Vector<float> v) => _v = v;

    public static int Count => Vector<float>.Count;

    // x86 without AVX-512 has 16 vector registers; ARM64 (NEON, 4 lanes) has 32.
    public static bool HasWideRegisterFile => !System.Runtime.Intrinsics.X86.Avx.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe LanesVectorT Load(float* source) => new(Vector.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(LanesVectorT value, float* destination) => value._v.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVectorT Broadcast(float value) => new(new Vector<float>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVectorT MultiplyAdd(LanesVectorT a, LanesVectorT b, LanesVectorT c) => new(Vector.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(LanesVectorT value) => Vector.Sum(value._v);
}
