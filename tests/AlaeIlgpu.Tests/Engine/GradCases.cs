using AlaeIlgpu.Backends;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>An op under gradient test: how to make its (differentiable) inputs on a backend, and the op itself.</summary>
/// <param name="Inputs">Creates the inputs; every one of them is checked.</param>
/// <param name="Op">The op applied to the inputs.</param>
public sealed record GradCase(Func<Backend, Tensor[]> Inputs, Func<Tensor[], Tensor> Op)
{
    /// <summary>
    /// A fixed random weighting of the op's output, so that the checked scalar sum(w * op(x)) has a different
    /// gradient for every output element (a plain sum would hide transposed or permuted gradients).
    /// </summary>
    public Tensor OutputWeights(Backend backend, Tensor[] inputs, int seed)
    {
        TensorShape shape;
        using (Autodiff.Autograd.NoGrad()) shape = Op(inputs).Shape;
        return TestData.NormalTensor(backend, seed, shape.ToArray());
    }
}

/// <summary>The ops whose gradients are checked, by name; inputs are small, with odd and size-1 extents.</summary>
public static class GradCases
{
    private static Tensor N(Backend b, int seed, params int[] shape) => TestData.NormalTensor(b, seed, shape);

    // Away from 0 so that sqrt, rsqrt, log and division stay smooth within a finite-difference step.
    private static Tensor P(Backend b, int seed, params int[] shape) => TestData.UniformTensor(b, seed, shape, 0.5f, 2f);

    // Away from leaky ReLU's kink by more than the finite-difference step.
    private static Tensor K(Backend b, int seed, params int[] shape) =>
        Tensor.FromArray(b, TestData.AwayFromZero(seed, shape.Aggregate(1, (p, d) => p * d)), shape);

    /// <summary>Every case.</summary>
    public static readonly Dictionary<string, GradCase> All = new()
    {
        ["add"] = new(b => [N(b, 1, 2, 3, 4), N(b, 2, 3, 1)], x => x[0] + x[1]),
        ["add per channel"] = new(b => [N(b, 1, 2, 3, 2, 2), N(b, 2, 1, 3, 1, 1)], x => x[0] + x[1]),
        ["subtract"] = new(b => [N(b, 1, 2, 3, 4), N(b, 2, 2, 1, 4)], x => x[0] - x[1]),
        ["multiply"] = new(b => [N(b, 1, 2, 3, 4), N(b, 2, 3, 1)], x => x[0] * x[1]),
        ["multiply both broadcast"] = new(b => [N(b, 1, 3, 1), N(b, 2, 1, 4)], x => x[0] * x[1]),
        ["divide"] = new(b => [N(b, 1, 2, 3, 4), P(b, 2, 4)], x => x[0] / x[1]),
        ["divide broadcast numerator"] = new(b => [N(b, 1, 1, 3, 1), P(b, 2, 2, 3, 4)], x => x[0] / x[1]),
        ["scale"] = new(b => [N(b, 1, 3, 5)], x => x[0] * -1.7f),
        ["add-scalar"] = new(b => [N(b, 1, 3, 5)], x => x[0] + 0.3f),
        ["negate"] = new(b => [N(b, 1, 3, 5)], x => -x[0]),
        ["square"] = new(b => [N(b, 1, 3, 5)], x => ElementwiseOp.Square(x[0])),
        ["sqrt"] = new(b => [P(b, 1, 3, 5)], x => ElementwiseOp.Sqrt(x[0])),
        ["rsqrt"] = new(b => [P(b, 1, 3, 5)], x => ElementwiseOp.Rsqrt(x[0])),
        ["exp"] = new(b => [N(b, 1, 3, 5)], x => ElementwiseOp.Exp(x[0])),
        ["log"] = new(b => [P(b, 1, 3, 5)], x => ElementwiseOp.Log(x[0])),
        ["softplus"] = new(b => [N(b, 1, 3, 5)], x => ElementwiseOp.Softplus(x[0] * 2f)),
        ["sigmoid"] = new(b => [N(b, 1, 3, 5)], x => ElementwiseOp.Sigmoid(x[0] * 2f)),
        ["leaky-relu"] = new(b => [K(b, 1, 3, 5)], x => ElementwiseOp.LeakyRelu(x[0], 0.2f)),
        ["lerp"] = new(b => [N(b, 1, 2, 3), N(b, 2, 3)], x => ElementwiseOp.Lerp(x[0], x[1], 0.3f)),
        ["sum all"] = new(b => [N(b, 1, 2, 3, 4)], x => ReduceOp.Sum(x[0])),
        ["sum axes keepDims"] = new(b => [N(b, 1, 2, 3, 4, 2)], x => ReduceOp.Sum(x[0], [1, 3], keepDims: true)),
        ["sum axis"] = new(b => [N(b, 1, 3, 5)], x => ReduceOp.Sum(x[0], [0])),
        ["mean all"] = new(b => [N(b, 1, 2, 3, 4)], x => ReduceOp.Mean(x[0])),
        ["mean axes"] = new(b => [N(b, 1, 2, 3, 4)], x => ReduceOp.Mean(x[0], [0, 2])),
        ["matmul"] = new(b => [N(b, 1, 3, 4), N(b, 2, 4, 5)], x => MatMulOp.MatMul(x[0], x[1])),
        ["matmul transA"] = new(b => [N(b, 1, 4, 3), N(b, 2, 4, 5)], x => MatMulOp.MatMul(x[0], x[1], transA: true)),
        ["matmul transB"] = new(b => [N(b, 1, 3, 4), N(b, 2, 5, 4)], x => MatMulOp.MatMul(x[0], x[1], transB: true)),
        ["matmul transA transB"] = new(b => [N(b, 1, 4, 3), N(b, 2, 5, 4)], x => MatMulOp.MatMul(x[0], x[1], true, true)),
        ["linear"] = new(b => [N(b, 1, 4, 5), N(b, 2, 3, 5), N(b, 3, 3)], x => MatMulOp.Linear(x[0], x[1], x[2])),
        ["reshape"] = new(b => [N(b, 1, 2, 3, 4)], x => ShapeOp.Reshape(x[0], 6, -1)),
        ["concat"] = new(b => [N(b, 1, 2, 3), N(b, 2, 2, 2)], x => ShapeOp.Concat(x, 1)),
        ["concat axis 0"] = new(b => [N(b, 1, 1, 3), N(b, 2, 2, 3), N(b, 3, 1, 3)], x => ShapeOp.Concat(x, 0)),
        ["slice"] = new(b => [N(b, 1, 3, 5)], x => ShapeOp.Slice(x[0], 1, 1, 3)),
        ["pad"] = new(b => [N(b, 1, 2, 3)], x => ShapeOp.Pad(x[0], 0, 1, 4)),
        ["expand"] = new(b => [N(b, 1, 1, 3, 1)], x => ReduceOp.Expand(x[0], new TensorShape(2, 3, 4))),
        ["pixel norm"] = new(b => [N(b, 1, 3, 4, 2, 2)], x => StyleOp.PixelNorm(x[0])),
        ["style modulate"] = new(b => [N(b, 1, 2, 3, 2, 3), N(b, 2, 2, 6)], x => StyleOp.StyleModulate(x[0], x[1])),
        ["add noise"] = new(b => [N(b, 1, 2, 3, 2, 3), N(b, 2, 2, 1, 2, 3), N(b, 3, 3)], x => StyleOp.AddNoise(x[0], x[1], x[2])),
        ["minibatch stddev"] = new(b => [N(b, 1, 4, 2, 3, 3)], x => StyleOp.MinibatchStddev(x[0], groupSize: 2)),
        ["conv2d 3x3 + bias"] = new(b => [N(b, 1, 2, 3, 5, 4), W(b, 2, 4, 3, 3, 3), N(b, 3, 4)], x => Conv2dOp.Conv2d(x[0], x[1], x[2], 1, 1)),
        ["conv2d 1x1 (FromRGB)"] = new(b => [N(b, 1, 2, 3, 3, 3), W(b, 2, 4, 3, 1, 1), N(b, 3, 4)], x => Conv2dOp.Conv2d(x[0], x[1], x[2])),
        ["conv2d stride 2 odd"] = new(b => [N(b, 1, 1, 2, 5, 6), W(b, 2, 3, 2, 3, 3)], x => Conv2dOp.Conv2d(x[0], x[1], null, 2, 1)),
        ["conv2d input grad"] = new(b => [N(b, 1, 2, 3, 3, 2), W(b, 2, 3, 2, 3, 3)],
            x => Conv2dOp.InputGradient(x[0], x[1], Conv2dGeometry.Create(2, 2, 5, 4, 3, 3, 3, 2, 1))),
        ["conv2d weight grad"] = new(b => [N(b, 1, 2, 2, 5, 4), N(b, 2, 2, 3, 3, 2)],
            x => Conv2dOp.WeightGradient(x[0], x[1], Conv2dGeometry.Create(2, 2, 5, 4, 3, 3, 3, 2, 1))),
        ["conv transpose2d stride 2 + bias"] = new(b => [N(b, 1, 2, 3, 2, 3), W(b, 2, 3, 2, 4, 4), N(b, 3, 2)],
            x => Conv2dOp.ConvTranspose2d(x[0], x[1], x[2], 2, 1)),
        ["fused downsample conv"] = new(b => [N(b, 1, 2, 2, 4, 6), W(b, 2, 3, 2, 3, 3), N(b, 3, 3)], x => Conv2dOp.FusedDownsample(x[0], x[1], x[2])),
        ["fused upsample conv"] = new(b => [N(b, 1, 2, 3, 2, 2), W(b, 2, 3, 2, 3, 3)], x => Conv2dOp.FusedUpsample(x[0], x[1])),
        ["blur"] = new(b => [N(b, 1, 2, 2, 4, 5)], x => ResampleOp.Blur(x[0])),
        ["upsample nearest 2x"] = new(b => [N(b, 1, 2, 2, 3, 2)], x => ResampleOp.UpsampleNearest2x(x[0])),
        ["average pool 2x2"] = new(b => [N(b, 1, 2, 2, 4, 6)], x => ResampleOp.AveragePool2x2(x[0])),
        ["resample up 2, 4x4 filter"] = new(b => [N(b, 1, 1, 2, 3, 2)],
            x => ResampleOp.Resample(x[0], TestData.Normal(7, 16), ResampleGeometry.Create(2, 3, 2, 2, 1, 4, 4, 2, 1, 2, 1))),
        ["instance statistics (style)"] = new(b => [N(b, 1, 2, 3, 3, 4)], x => StyleStatistics(x[0])),
        ["instance norm eps 1e-5 (E)"] = new(b => [N(b, 1, 2, 3, 3, 4)], x => InstanceNormOp.InstanceNorm(x[0], 1e-5f)),
        ["instance norm eps 1e-8 (G)"] = new(b => [N(b, 1, 2, 2, 4, 3)], x => InstanceNormOp.InstanceNorm(x[0], 1e-8f)),
    };

    // He-scaled conv weights [Cout, Cin, K, K] (or [Cin, Cout, K, K]), so that outputs stay of order 1 as in a network.
    private static Tensor W(Backend b, int seed, params int[] shape) =>
        TestData.NormalTensor(b, seed, shape, 1f / MathF.Sqrt(shape[1] * shape[2] * shape[3]));

    // E's style input [mu; sigma] (sigma without eps) of one block: [N, 2C].
    private static Tensor StyleStatistics(Tensor x)
    {
        var (mean, std) = InstanceNormOp.Statistics(x);
        return ShapeOp.Concat([mean, std], 1);
    }

    /// <summary>
    /// A representative subset for the (slow) simulator: broadcasting, the nonlinearities of D and E, reductions, GEMM, layout,
    /// and E's convolution, resampling and instance-norm ops.
    /// </summary>
    public static readonly string[] SimulatorSubset =
        ["add per channel", "multiply both broadcast", "divide", "rsqrt", "softplus", "leaky-relu", "sum axes keepDims", "mean axes",
         "matmul transA", "linear", "concat", "slice", "expand", "conv2d stride 2 odd", "conv transpose2d stride 2 + bias",
         "blur", "average pool 2x2", "instance statistics (style)", "instance norm eps 1e-5 (E)"];
}
