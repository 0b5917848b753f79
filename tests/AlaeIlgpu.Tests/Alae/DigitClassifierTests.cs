using AlaeIlgpu.Alae.Evaluation;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Tests.Engine;

namespace AlaeIlgpu.Tests.Alae;

public class DigitClassifierTests
{
    // Cross-entropy of 3 samples from float32 exp/log/sum: a few ulps of values near 1.
    private const double LossTolerance = 1e-5;

    [Fact]
    public void CrossEntropyMatchesReference()
    {
        using var scope = new TensorScope();
        float[] logits = [1f, 2f, 3f, -1f, 0f, 5f, 100f, 99f, 0f];
        int[] labels = [2, 0, 1];
        double expected = 0;
        for (int i = 0; i < 3; i++)
        {
            double max = logits.Skip(3 * i).Take(3).Max();
            double lse = max + Math.Log(logits.Skip(3 * i).Take(3).Sum(l => Math.Exp(l - max)));
            expected += (lse - logits[3 * i + labels[i]]) / 3;
        }
        var loss = DigitClassifier.CrossEntropy(Tensor.FromArray(CpuBackend.Instance, logits, 3, 3), labels);
        Assert.Equal(expected, loss.Item(), LossTolerance);
    }

    [Fact]
    public void CrossEntropyGradientMatchesFiniteDifferences()
    {
        var x = GradCheck.Random(CpuBackend.Instance, 3, 1f, 4, 10);
        GradCheck.Check(p => DigitClassifier.CrossEntropy(p[0], [3, 0, 9, 5]), [x]);
    }

    [Fact]
    public void ForwardGivesFeaturesAndLogits()
    {
        using var scope = new TensorScope();
        var classifier = new DigitClassifier(CpuBackend.Instance, new RandomGenerator(1));
        var (features, logits) = classifier.Forward(Tensor.Zeros(CpuBackend.Instance, 3, 784));
        Assert.Equal(new TensorShape(3, DigitClassifier.FeatureSize), features.Shape);
        Assert.Equal(new TensorShape(3, 10), logits.Shape);
    }
}
