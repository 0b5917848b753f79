using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Ops;

/// <summary>Differentiable matrix products on the backend's GEMM: matmul with transposes, and linear layers.</summary>
public static class MatMulOp
{
    /// <summary>
    /// op(a) op(b) for 2-D tensors, where op transposes when asked: a is [m, k] (or [k, m] when transA),
    /// b is [k, n] (or [n, k] when transB); the result is [m, n].
    /// </summary>
    /// <exception cref="ArgumentException">Ranks or inner extents do not match.</exception>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        ElementwiseOp.RequireSameBackend(a, b, "matmul");
        if (a.Shape.Rank != 2 || b.Shape.Rank != 2)
            throw new ArgumentException($"matmul needs 2-D operands, got {a.Shape} and {b.Shape}.");
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
            throw new ArgumentException($"matmul: {a.Shape}{(transA ? "^T" : "")} x {b.Shape}{(transB ? "^T" : "")} has inner extents {k} and {kb}.");
        var y = Tensor.Empty(a.Backend, new TensorShape(m, n));
        a.Backend.Gemm(a.Storage, b.Storage, y.Storage, m, n, k, transA, transB, GemmEpilogue.Overwrite);
        return Autograd.Record(y, "matmul", [a, b], g =>
            [Autograd.NeedsGrad(a) ? GradA(g, b, transA, transB) : null, Autograd.NeedsGrad(b) ? GradB(g, a, transA, transB) : null]);
    }

    /// <summary>
    /// A dense layer in one GEMM: y = leakyRelu(x w^T + bias) with x [batch, in], w [out, in], bias [out] or null, the
    /// bias and activation applied as each tile of y is finished (a slope of 1 is no activation). Results are those of
    /// the separate matmul, add and leaky ReLU, bit for bit.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The slope is negative: the backward reads the activation's mask
    /// from the sign of y, which only a slope of at least 0 keeps equal to the sign of its input.</exception>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null, float negativeSlope = 1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(negativeSlope);
        if (bias is null && negativeSlope == 1f) return MatMul(x, weight, transB: true);
        RequireLinearShapes(x, weight, bias);
        int batch = x.Shape[0], inFeatures = x.Shape[1], outFeatures = weight.Shape[0];
        var y = Tensor.Empty(x.Backend, new TensorShape(batch, outFeatures));   // [batch, out]
        x.Backend.Gemm(x.Storage, weight.Storage, y.Storage, batch, outFeatures, inFeatures, false, true,
            GemmEpilogue.ColumnBiasLeakyRelu(bias?.Storage, negativeSlope));
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record(y, "linear", inputs, g => LinearGradients(g, y, x, weight, bias, negativeSlope));
    }

    private static void RequireLinearShapes(Tensor x, Tensor weight, Tensor? bias)
    {
        ElementwiseOp.RequireSameBackend(x, weight, "linear");
        if (bias is not null) ElementwiseOp.RequireSameBackend(x, bias, "linear");
        bool fits = x.Shape.Rank == 2 && weight.Shape.Rank == 2 && weight.Shape[1] == x.Shape[1]
                    && (bias is null || bias.Shape.Equals(new TensorShape(weight.Shape[0])));
        if (!fits)
            throw new ArgumentException($"linear: input {x.Shape}, weight {weight.Shape} and bias {bias?.Shape.ToString() ?? "none"} do not make x [batch, in], w [out, in], b [out].");
    }

    // y = act(x w^T + b): the pre-activation gradient is g masked by the sign of y; then as the matmul and the add.
    private static Tensor?[] LinearGradients(Tensor g, Tensor y, Tensor x, Tensor weight, Tensor? bias, float negativeSlope)
    {
        var pre = negativeSlope == 1f ? g : ElementwiseOp.LeakyReluBackward(g, y, negativeSlope);   // [batch, out]
        var gx = Autograd.NeedsGrad(x) ? GradA(pre, weight, false, true) : null;
        var gw = Autograd.NeedsGrad(weight) ? GradB(pre, x, false, true) : null;
        if (bias is null) return [gx, gw];
        return [gx, gw, Autograd.NeedsGrad(bias) ? ReduceOp.SumToShape(pre, bias.Shape) : null];
    }

    // C = A'B' with A' = op(A), B' = op(B): dA' = g B'^T, dB' = A'^T g, transposed back when A or B was stored transposed.
    private static Tensor GradA(Tensor g, Tensor b, bool transA, bool transB) =>
        transA ? MatMul(b, g, transB, true) : MatMul(g, b, false, !transB);

    private static Tensor GradB(Tensor g, Tensor a, bool transA, bool transB) =>
        transB ? MatMul(g, a, true, transA) : MatMul(a, g, !transA, false);
}
