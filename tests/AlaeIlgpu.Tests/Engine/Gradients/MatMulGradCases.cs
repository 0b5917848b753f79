using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="MatMulOp"/>: every transpose combination and the linear layer, plain and with its fused leaky ReLU.</summary>
[GradCases(typeof(MatMulOp))]
public static class MatMulGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["matmul"] = new(b => [N(b, 1, 3, 4), N(b, 2, 4, 5)], x => MatMulOp.MatMul(x[0], x[1])),
        ["matmul transA"] = new(b => [N(b, 1, 4, 3), N(b, 2, 4, 5)], x => MatMulOp.MatMul(x[0], x[1], transA: true)),
        ["matmul transB"] = new(b => [N(b, 1, 3, 4), N(b, 2, 5, 4)], x => MatMulOp.MatMul(x[0], x[1], transB: true)),
        ["matmul transA transB"] = new(b => [N(b, 1, 4, 3), N(b, 2, 5, 4)], x => MatMulOp.MatMul(x[0], x[1], true, true)),
        ["linear"] = new(b => [N(b, 1, 4, 5), N(b, 2, 3, 5), N(b, 3, 3)], x => MatMulOp.Linear(x[0], x[1], x[2])),
        ["linear leaky-relu"] = new(b => AwayFromKink(b, withBias: true), x => MatMulOp.Linear(x[0], x[1], x[2], 0.2f)),
        ["linear leaky-relu without bias"] = new(b => AwayFromKink(b, withBias: false), x => MatMulOp.Linear(x[0], x[1], null, 0.01f)),
    };

    /// <summary>
    /// Least distance of a pre-activation from the leaky ReLU's kink: a finite-difference step (0.01) moves one by at
    /// most 0.01 times an entry of the other operand (below 4 here), so a margin of 0.1 keeps every probe on one side.
    /// </summary>
    private const double KinkMargin = 0.1;

    private const int Batch = 4, In = 5, Out = 3;

    /// <summary>x [4, 5], w [3, 5] and (with <paramref name="withBias"/>) b [3] of the first seed whose x w^T + b stays
    /// <see cref="KinkMargin"/> away from 0 everywhere.</summary>
    private static Tensor[] AwayFromKink(Backend b, bool withBias)
    {
        for (int seed = 1; ; seed += 3)
        {
            Tensor[] inputs = withBias
                ? [N(b, seed, Batch, In), N(b, seed + 1, Out, In), N(b, seed + 2, Out)]
                : [N(b, seed, Batch, In), N(b, seed + 1, Out, In)];
            if (MinimumPreActivation(inputs) > KinkMargin) return inputs;
        }
    }

    private static double MinimumPreActivation(Tensor[] inputs)
    {
        float[] x = inputs[0].ToArray(), w = inputs[1].ToArray(), bias = inputs.Length > 2 ? inputs[2].ToArray() : new float[Out];
        double least = double.MaxValue;
        for (int i = 0; i < Batch; i++)
        for (int j = 0; j < Out; j++)
        {
            double sum = bias[j];
            for (int p = 0; p < In; p++) sum += (double)x[i * In + p] * w[j * In + p];
            least = Math.Min(least, Math.Abs(sum));
        }
        return least;
    }
}
