using AlaeIlgpu.Autodiff;

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
        a.Backend.Gemm(a.Storage, b.Storage, y.Storage, m, n, k, transA, transB, accumulate: false);
        return Autograd.Record(y, "matmul", [a, b], g =>
            [Autograd.NeedsGrad(a) ? GradA(g, b, transA, transB) : null, Autograd.NeedsGrad(b) ? GradB(g, a, transA, transB) : null]);
    }

    /// <summary>y = x w^T + bias: x [batch, in], w [out, in], bias [out] or null.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        var y = MatMul(x, weight, transB: true);
        return bias is null ? y : y + bias;
    }

    // C = A'B' with A' = op(A), B' = op(B): dA' = g B'^T, dB' = A'^T g, transposed back when A or B was stored transposed.
    private static Tensor GradA(Tensor g, Tensor b, bool transA, bool transB) =>
        transA ? MatMul(b, g, transB, true) : MatMul(g, b, false, !transB);

    private static Tensor GradB(Tensor g, Tensor a, bool transA, bool transB) =>
        transB ? MatMul(g, a, true, transA) : MatMul(a, g, !transA, false);
}
