using System.Numerics;

namespace AlaeIlgpu.Kernels;

/// <summary>
/// A scalar function y = f(x; a) with one float parameter <c>a</c> (a slope, a scale, a constant).
/// The same static <see cref="Apply(float, float)"/> runs inside ILGPU kernels, in the <c>cpu</c> backend's
/// tail loops and in tests; <see cref="Apply(Vector{float}, Vector{float})"/> is the <c>cpu</c> backend's SIMD body.
/// </summary>
public interface IUnaryOperator
{
    /// <summary>Scalar form, used by ILGPU kernels and scalar tails.</summary>
    static abstract float Apply(float x, float a);

    /// <summary>SIMD form for the <c>cpu</c> backend; must agree with the scalar form.</summary>
    static abstract Vector<float> Apply(Vector<float> x, Vector<float> a);
}

/// <summary>A scalar function y = f(a, b) of two tensors' elements, in scalar and SIMD forms.</summary>
public interface IBinaryOperator
{
    /// <summary>Scalar form, used by ILGPU kernels and scalar tails.</summary>
    static abstract float Apply(float a, float b);

    /// <summary>SIMD form for the <c>cpu</c> backend; must agree with the scalar form.</summary>
    static abstract Vector<float> Apply(Vector<float> a, Vector<float> b);
}

/// <summary>y = x * a.</summary>
public readonly struct ScaleOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => x * a;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => x * a;
}

/// <summary>y = x + a.</summary>
public readonly struct AddScalarOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => x + a;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => x + a;
}

/// <summary>y = x * x.</summary>
public readonly struct SquareOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => x * x;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => x * x;
}

/// <summary>y = sqrt(x).</summary>
public readonly struct SqrtOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => MathF.Sqrt(x);
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => Vector.SquareRoot(x);
}

/// <summary>y = 1 / sqrt(x).</summary>
public readonly struct RsqrtOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => 1f / MathF.Sqrt(x);
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => Vector<float>.One / Vector.SquareRoot(x);
}

/// <summary>y = 1 / x.</summary>
public readonly struct ReciprocalOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => 1f / x;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => Vector<float>.One / x;
}

/// <summary>y = exp(x), rounded as PyTorch's CPU kernels round it (<see cref="TorchExp"/>).</summary>
public readonly struct ExpOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => TorchExp.Exp(x);
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => TorchExp.Exp(x);
}

/// <summary>y = ln(x).</summary>
public readonly struct LogOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => MathF.Log(x);
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => Vector.Log(x);
}

/// <summary>y = softplus(x) = ln(1 + e^x), computed as max(x, 0) + ln(1 + e^-|x|) so it never overflows.</summary>
public readonly struct SoftplusOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => MathF.Max(x, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) =>
        Vector.Max(x, Vector<float>.Zero) + Vector.Log(Vector<float>.One + Vector.Exp(-Vector.Abs(x)));
}

/// <summary>y = sigmoid(x) = 1 / (1 + e^-x); the derivative of softplus.</summary>
public readonly struct SigmoidOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => 1f / (1f + MathF.Exp(-x));
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => Vector<float>.One / (Vector<float>.One + Vector.Exp(-x));
}

/// <summary>y = x for x &gt; 0, else a * x (leaky ReLU with slope a).</summary>
public readonly struct LeakyReluOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float x, float a) => x > 0f ? x : a * x;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, x * a);
}

/// <summary>y = a + b.</summary>
public readonly struct AddOperator : IBinaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float a, float b) => a + b;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> a, Vector<float> b) => a + b;
}

/// <summary>y = a - b.</summary>
public readonly struct SubtractOperator : IBinaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float a, float b) => a - b;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> a, Vector<float> b) => a - b;
}

/// <summary>y = a * b.</summary>
public readonly struct MultiplyOperator : IBinaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float a, float b) => a * b;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> a, Vector<float> b) => a * b;
}

/// <summary>y = a / b.</summary>
public readonly struct DivideOperator : IBinaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float a, float b) => a / b;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> a, Vector<float> b) => a / b;
}

/// <summary>y = a: with broadcasting this expands a tensor to a larger shape.</summary>
public readonly struct LeftOperator : IBinaryOperator
{
    /// <inheritdoc/>
    public static float Apply(float a, float b) => a;
    /// <inheritdoc/>
    public static Vector<float> Apply(Vector<float> a, Vector<float> b) => a;
}
