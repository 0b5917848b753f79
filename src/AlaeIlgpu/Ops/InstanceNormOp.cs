using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Ops;

/// <summary>
/// Differentiable per-instance, per-channel statistics and instance normalisation (no affine) of NCHW tensors.
/// StyleALAE's E normalises with eps 1e-5 and takes its style statistic sigma with no eps; G normalises with eps 1e-8.
/// </summary>
public static class InstanceNormOp
{
    /// <summary>
    /// The mean [N, C] and the standard deviation std = sqrt(mean((x - mean)^2) + epsilon) [N, C] over each plane of
    /// x [N, C, H, W] (the biased variance, as PyTorch's instance norm and ALAE's style statistics use). Both outputs
    /// are differentiable: d mean / dx = 1 / HW and d std / dx = (x - mean) / (HW std).
    /// </summary>
    /// <exception cref="ArgumentException">x is not rank 4 or epsilon is negative.</exception>
    public static (Tensor Mean, Tensor Std) Statistics(Tensor x, float epsilon = 0f)
    {
        var (n, c, plane) = Planes(x, epsilon, "instance statistics");
        var mean = Tensor.Empty(x.Backend, new TensorShape(n, c));
        var std = Tensor.Empty(x.Backend, new TensorShape(n, c));
        x.Backend.InstanceStatistics(x.Storage, mean.Storage, std.Storage, plane, epsilon);
        Autograd.Record(mean, "instance-mean", [x], g => [ReduceOp.Expand(PerPlane(g), x.Shape) * (1f / plane)]);
        Autograd.Record(std, "instance-std", [x], g => [(x - PerPlane(mean)) * PerPlane(g / std) * (1f / plane)]);
        return (mean, std);
    }

    /// <summary>
    /// y = (x - mean) / sqrt(var + epsilon) over each plane of x [N, C, H, W], no affine transform.
    /// </summary>
    /// <remarks>
    /// Forward and first-order backward run the fused kernels. When the backward itself is recorded (a gradient taken
    /// with createGraph, as for R1), it is written instead with <see cref="Statistics"/> and elementwise ops,
    /// dx = (g - mean(g) - y mean(g y)) / std, so that it can be differentiated again.
    /// </remarks>
    /// <exception cref="ArgumentException">x is not rank 4 or epsilon is negative.</exception>
    public static Tensor InstanceNorm(Tensor x, float epsilon)
    {
        var (n, c, plane) = Planes(x, epsilon, "instance norm");
        var y = Tensor.Empty(x.Backend, x.Shape);
        Storage mean = x.Backend.Allocate(n * c), inverseStd = x.Backend.Allocate(n * c);
        x.Backend.InstanceNormForward(x.Storage, y.Storage, mean, inverseStd, plane, epsilon);
        mean.Release();
        if (!Autograd.IsRecording || !x.RequiresGrad)
        {
            inverseStd.Release();
            return y;
        }
        var saved = new Tensor(inverseStd, new TensorShape(n, c));   // owned by the current scope, like y
        return Autograd.Record(y, "instance-norm", [x], g =>
            [Autograd.IsRecording ? RecordedGradient(x, y, g, epsilon) : FusedGradient(y, g, saved, plane)]);
    }

    private static Tensor FusedGradient(Tensor y, Tensor g, Tensor inverseStd, int plane)
    {
        var dx = Tensor.Empty(y.Backend, y.Shape);
        y.Backend.InstanceNormBackward(y.Storage, g.Storage, inverseStd.Storage, dx.Storage, plane);
        return dx;
    }

    // (g - mean(g) - y mean(g y)) / std, in differentiable ops: y is this op's recorded output, std is recomputed from x.
    private static Tensor RecordedGradient(Tensor x, Tensor y, Tensor g, float epsilon)
    {
        var std = Statistics(x, epsilon).Std;
        var centred = g - ReduceOp.Mean(g, [2, 3], keepDims: true) - y * ReduceOp.Mean(g * y, [2, 3], keepDims: true);
        return centred / PerPlane(std);
    }

    // [N, C] -> [N, C, 1, 1], to broadcast over a plane.
    private static Tensor PerPlane(Tensor t) => ShapeOp.Reshape(t, t.Shape[0], t.Shape[1], 1, 1);

    private static (int N, int C, int Plane) Planes(Tensor x, float epsilon, string op)
    {
        if (x.Shape.Rank != 4) throw new ArgumentException($"{op} needs an [N, C, H, W] tensor, got {x.Shape}.");
        if (!(epsilon >= 0)) throw new ArgumentException($"{op}: epsilon must be at least 0, got {epsilon} (x {x.Shape}).");
        return (x.Shape[0], x.Shape[1], x.Shape[2] * x.Shape[3]);
    }
}
