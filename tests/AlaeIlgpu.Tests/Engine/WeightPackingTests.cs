using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// The <c>cpu</c> backend packs a weight's GEMM panels once per layout and keeps them until the weight is next written:
/// every product between two writes reuses them, and every kind of write makes the next product see the new values.
/// </summary>
public class WeightPackingTests
{
    private const float Slope = 0.2f;

    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    [Fact]
    public void EachLayoutIsPackedOnceBetweenOptimizerSteps()
    {
        using var scope = new TensorScope();
        var layer = new EqualizedLinear(Cpu, new RandomGenerator(1), 40, 33);
        var weight = layer.Weight.Value.Storage;
        var x = TestData.NormalTensor(Cpu, 2, [9, 40]);
        x.RequiresGrad = true;
        int before = CpuBackend.WeightPacks(weight);

        var outputs = new[] { layer.Forward(x, Slope), layer.Forward(x, Slope), layer.Forward(x, Slope) };
        Assert.Equal(before + 1, CpuBackend.WeightPacks(weight));   // x w^T: w as stored, transposed
        foreach (var y in outputs) Autograd.Grad([ReduceOp.Sum(y)], [x]);
        Assert.Equal(before + 2, CpuBackend.WeightPacks(weight));   // g w: w untransposed, once for three backward passes

        Autograd.Backward(ReduceOp.Sum(layer.Forward(x, Slope)), [layer.Weight.Value]);
        new LreqAdam([layer.Weight], 0.01f).Step();
        layer.Forward(x, Slope);
        Assert.Equal(before + 3, CpuBackend.WeightPacks(weight));
    }

    /// <summary>Every backend write a parameter's storage can receive: optimizer, average, load, initialisation.</summary>
    public static TheoryData<string> Writes() => new() { "adam step", "average update", "copy", "upload", "fill", "random" };

    [Theory]
    [MemberData(nameof(Writes))]
    public void AfterAnyWriteTheProductSeesTheNewWeight(string write)
    {
        using var scope = new TensorScope();
        var layer = new EqualizedLinear(Cpu, new RandomGenerator(3), 40, 33);
        var x = TestData.NormalTensor(Cpu, 4, [9, 40]);
        var stale = layer.Forward(x, Slope).ToArray();   // packs the panels of the weight as it is now

        Rewrite(layer, write);

        var weight = layer.Weight.Value;
        var fresh = Tensor.FromArray(Cpu, weight.ToArray(), weight.Shape.ToArray());   // same values, never packed before
        float[] expected = MatMulOp.Linear(x, fresh, layer.Bias!.Value, Slope).ToArray();
        Assert.NotEqual(stale, expected);
        Assert.Equal(expected, layer.Forward(x, Slope).ToArray());
    }

    private static void Rewrite(EqualizedLinear layer, string write)
    {
        var weight = layer.Weight.Value;
        switch (write)
        {
            case "adam step":
                Autograd.Backward(ReduceOp.Sum(layer.Forward(TestData.NormalTensor(Cpu, 5, [9, 40]), Slope)), [weight]);
                new LreqAdam([layer.Weight], 0.01f).Step();
                break;
            case "average update":
                var other = new EqualizedLinear(Cpu, new RandomGenerator(6), 40, 33);
                ParameterAverage.Lerp([layer.Weight], [other.Weight], 0.5f);
                break;
            case "copy":
                weight.CopyFrom(TestData.NormalTensor(Cpu, 7, [33, 40]));
                break;
            case "upload":
                Cpu.Upload(TestData.Normal(8, 33 * 40), weight.Storage);
                break;
            case "fill":
                Cpu.Fill(weight.Storage, 0.125f);
                break;
            case "random":
                Cpu.Random(weight.Storage, 9, 0, normal: true);
                break;
            default:
                throw new ArgumentException($"No write named {write}.", nameof(write));
        }
    }
}
