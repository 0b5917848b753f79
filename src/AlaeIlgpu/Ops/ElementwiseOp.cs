using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Ops;

/// <summary>
/// Differentiable elementwise ops: broadcasting add/sub/mul/div and the unary maps (scale, square, sqrt, rsqrt,
/// exp, log, softplus, sigmoid, leaky ReLU, lerp). Each backward is written with these same ops.
/// </summary>
public static class ElementwiseOp
{
    /// <summary>a + b with broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b)
    {
        var y = Binary<AddOperator>(a, b, "add");
        return Autograd.Record(y, "add", [a, b], g => [Autograd.NeedsGrad(a) ? ReduceOp.SumToShape(g, a.Shape) : null, Autograd.NeedsGrad(b) ? ReduceOp.SumToShape(g, b.Shape) : null]);
    }

    /// <summary>a - b with broadcasting.</summary>
    public static Tensor Subtract(Tensor a, Tensor b)
    {
        var y = Binary<SubtractOperator>(a, b, "subtract");
        return Autograd.Record(y, "subtract", [a, b], g => [Autograd.NeedsGrad(a) ? ReduceOp.SumToShape(g, a.Shape) : null, Autograd.NeedsGrad(b) ? ReduceOp.SumToShape(-g, b.Shape) : null]);
    }

    /// <summary>a * b with broadcasting.</summary>
    public static Tensor Multiply(Tensor a, Tensor b)
    {
        var y = Binary<MultiplyOperator>(a, b, "multiply");
        return Autograd.Record(y, "multiply", [a, b], g =>
            [Autograd.NeedsGrad(a) ? ReduceOp.SumToShape(g * b, a.Shape) : null,
             Autograd.NeedsGrad(b) ? ReduceOp.SumToShape(g * a, b.Shape) : null]);
    }

    /// <summary>a / b with broadcasting.</summary>
    public static Tensor Divide(Tensor a, Tensor b)
    {
        var y = Binary<DivideOperator>(a, b, "divide");
        return Autograd.Record(y, "divide", [a, b], g =>
            [Autograd.NeedsGrad(a) ? ReduceOp.SumToShape(g / b, a.Shape) : null,
             Autograd.NeedsGrad(b) ? ReduceOp.SumToShape(-(g * y / b), b.Shape) : null]);
    }

    /// <summary>x * c for a constant c.</summary>
    public static Tensor Scale(Tensor x, float c) =>
        Autograd.Record(Map<ScaleOperator>(x, c), "scale", [x], g => [Scale(g, c)]);

    /// <summary>x + c for a constant c.</summary>
    public static Tensor AddScalar(Tensor x, float c) =>
        Autograd.Record(Map<AddScalarOperator>(x, c), "add-scalar", [x], g => [g]);

    /// <summary>x^2.</summary>
    public static Tensor Square(Tensor x) =>
        Autograd.Record(Map<SquareOperator>(x, 0f), "square", [x], g => [g * x * 2f]);

    /// <summary>sqrt(x); gradient 0.5 / sqrt(x).</summary>
    public static Tensor Sqrt(Tensor x)
    {
        var y = Map<SqrtOperator>(x, 0f);
        return Autograd.Record(y, "sqrt", [x], g => [g / y * 0.5f]);
    }

    /// <summary>1 / sqrt(x); gradient -0.5 x^(-3/2) = -0.5 y^3.</summary>
    public static Tensor Rsqrt(Tensor x)
    {
        var y = Map<RsqrtOperator>(x, 0f);
        return Autograd.Record(y, "rsqrt", [x], g => [g * Square(y) * y * -0.5f]);
    }

    /// <summary>e^x.</summary>
    public static Tensor Exp(Tensor x)
    {
        var y = Map<ExpOperator>(x, 0f);
        return Autograd.Record(y, "exp", [x], g => [g * y]);
    }

    /// <summary>ln(x); gradient 1 / x.</summary>
    public static Tensor Log(Tensor x) =>
        Autograd.Record(Map<LogOperator>(x, 0f), "log", [x], g => [g / x]);

    /// <summary>softplus(x) = ln(1 + e^x), overflow-free; gradient sigmoid(x).</summary>
    public static Tensor Softplus(Tensor x) =>
        Autograd.Record(Map<SoftplusOperator>(x, 0f), "softplus", [x], g => [g * Sigmoid(x)]);

    /// <summary>sigmoid(x) = 1 / (1 + e^-x); gradient y (1 - y).</summary>
    public static Tensor Sigmoid(Tensor x)
    {
        var y = Map<SigmoidOperator>(x, 0f);
        return Autograd.Record(y, "sigmoid", [x], g => [g * (y - Square(y))]);
    }

    /// <summary>Leaky ReLU: x for x &gt; 0, else slope * x. Its derivative is piecewise constant (zero second derivative).</summary>
    public static Tensor LeakyRelu(Tensor x, float slope) =>
        Autograd.Record(Map<LeakyReluOperator>(x, slope), "leaky-relu", [x], g => [LeakyReluBackward(g, x, slope)]);

    /// <summary>a + (b - a) * t for a constant t.</summary>
    public static Tensor Lerp(Tensor a, Tensor b, float t) => a + (b - a) * t;

    /// <summary>
    /// Leaky ReLU's backward, g where x &gt; 0 and slope * g elsewhere, in one pass. It is linear in g with the same
    /// mask, so its own gradient with respect to g is this op again; with respect to x it is 0 almost everywhere.
    /// For a slope of at least 0, x may as well be the activation's output: its sign is the input's.
    /// </summary>
    internal static Tensor LeakyReluBackward(Tensor g, Tensor x, float slope)
    {
        RequireSameBackend(g, x, "leaky-relu backward");
        var y = Tensor.Empty(g.Backend, g.Shape);
        g.Backend.LeakyReluBackward(g.Storage, x.Storage, y.Storage, slope);
        return Autograd.Record(y, "leaky-relu-backward", [g], gg => [LeakyReluBackward(gg, x, slope)]);
    }

    private static Tensor Map<TOp>(Tensor x, float a) where TOp : struct, IUnaryOperator
    {
        var y = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.Unary<TOp>(x.Storage, y.Storage, a);
        return y;
    }

    private static Tensor Binary<TOp>(Tensor a, Tensor b, string op) where TOp : struct, IBinaryOperator
    {
        RequireSameBackend(a, b, op);
        var shape = Broadcasting.ResultShape(a.Shape, b.Shape, op);
        var y = Tensor.Empty(a.Backend, shape);
        a.Backend.Binary<TOp>(a.Storage, b.Storage, y.Storage, Broadcasting.Geometry(a.Shape, b.Shape, shape));
        return y;
    }

    /// <summary>Throws a clear error when two operands live on different backends.</summary>
    /// <exception cref="ArgumentException">The backends differ.</exception>
    public static void RequireSameBackend(Tensor a, Tensor b, string op)
    {
        if (!ReferenceEquals(a.Backend, b.Backend))
            throw new ArgumentException($"{op}: operands are on different devices ('{a.Backend}' and '{b.Backend}'); move one with ToDevice.");
    }
}
