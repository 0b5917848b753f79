using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// The operations on one SIMD register of floats, so that a micro-kernel is written once and the JIT specialises it
/// per width (<see cref="Lanes512"/> where AVX-512 is available, <see cref="LanesVectorT"/> elsewhere).
/// </summary>
/// <typeparam name="TVector">The register type itself. Kernels hold their accumulators as this type, not as a struct
/// wrapping it: through a wrapper the JIT loses track of which accumulator a fused multiply-add updates and copies
/// one register per add (the AVX2 tile loop ran some 15-25% slower that way).</typeparam>
/// <remarks>A kernel takes both type arguments, <c>&lt;T, TVector&gt;</c> with <c>T : ISimdLanes&lt;TVector&gt;</c>.</remarks>
internal interface ISimdLanes<TVector> where TVector : struct
{
    /// <summary>Number of float lanes.</summary>
    static abstract int Count { get; }

    /// <summary>Unaligned load of <see cref="Count"/> floats.</summary>
    static abstract unsafe TVector Load(float* source);

    /// <summary>Unaligned store of <see cref="Count"/> floats.</summary>
    static abstract unsafe void Store(TVector value, float* destination);

    /// <summary>All lanes set to <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(float value);

    /// <summary><c>a * b + c</c> per lane, fused.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>Sum of all lanes.</summary>
    static abstract float Sum(TVector value);

    /// <summary>
    /// Whether the register file holds 32 vectors of this width (AVX-512, NEON), so that a tile of 24 accumulators plus
    /// its operands stays in registers; with 16 (AVX2) the micro-kernels split their tiles in halves instead of spilling.
    /// </summary>
    static abstract bool HasWideRegisterFile { get; }
}

/// <summary>512-bit lanes (16 floats), for AVX-512 machines.</summary>
internal readonly struct Lanes512 : ISimdLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static bool HasWideRegisterFile => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load(float* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(Vector512<float> value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value)
    {
        Vector256<float> half = value.GetLower() + value.GetUpper();
        return Vector128.Sum(half.GetLower() + half.GetUpper());
    }
}

/// <summary><see cref="Vector{T}"/> lanes (8 floats with AVX2, 4 with NEON): the portable fallback.</summary>
internal readonly struct LanesVectorT : ISimdLanes<Vector<float>>
{
    public static int Count => Vector<float>.Count;

    // x86 without AVX-512 has 16 vector registers; ARM64 (NEON, 4 lanes) has 32.
    public static bool HasWideRegisterFile => !System.Runtime.Intrinsics.X86.Avx.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector<float> Load(float* source) => Vector.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(Vector<float> value, float* destination) => Vector.Store(value, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Broadcast(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> MultiplyAdd(Vector<float> a, Vector<float> b, Vector<float> c) => Vector.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector<float> value) => Vector.Sum(value);
}
