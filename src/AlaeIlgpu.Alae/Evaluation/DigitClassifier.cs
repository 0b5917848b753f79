using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Optim;
using AlaeIlgpu.Serialization;
using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Alae.Evaluation;

/// <summary>
/// A LeNet-style digit classifier built on this engine, the feature extractor of the sample-quality metric (a
/// stand-in for FID's Inception network, which cannot be downloaded here):
/// conv 5x5 (1 -> 6) + leaky ReLU, 2x2 average pool, conv 5x5 (6 -> 16) + leaky ReLU, 2x2 average pool,
/// linear 784 -> 120 + leaky ReLU, linear 120 -> 84 + leaky ReLU (the penultimate features), linear 84 -> 10.
/// </summary>
public sealed class DigitClassifier : Module
{
    /// <summary>Width of the penultimate features used for the Fréchet distance.</summary>
    public const int FeatureSize = 84;
    private const float Slope = 0.2f;
    private const int Side = 28;
    private readonly EqualizedConv2d _conv1, _conv2;
    private readonly EqualizedLinear _fc1, _fc2, _fc3;

    /// <summary>Builds an untrained classifier.</summary>
    public DigitClassifier(Backend backend, RandomGenerator random)
    {
        _conv1 = AddModule("conv1", new EqualizedConv2d(backend, random, 1, 6, 5));
        _conv2 = AddModule("conv2", new EqualizedConv2d(backend, random, 6, 16, 5));
        _fc1 = AddModule("fc1", new EqualizedLinear(backend, random, 16 * 7 * 7, 120));
        _fc2 = AddModule("fc2", new EqualizedLinear(backend, random, 120, FeatureSize));
        _fc3 = AddModule("fc3", new EqualizedLinear(backend, random, FeatureSize, 10, gain: 1f));
    }

    /// <summary>images [B, 784] in [0, 1] -> (features [B, 84], logits [B, 10]).</summary>
    public (Tensor Features, Tensor Logits) Forward(Tensor images)
    {
        var x = ShapeOp.Reshape(images, -1, 1, Side, Side);
        x = ResampleOp.AveragePool2x2(ElementwiseOp.LeakyRelu(_conv1.Forward(x), Slope));   // [B, 6, 14, 14]
        x = ResampleOp.AveragePool2x2(ElementwiseOp.LeakyRelu(_conv2.Forward(x), Slope));   // [B, 16, 7, 7]
        var h = ElementwiseOp.LeakyRelu(_fc1.Forward(ShapeOp.Reshape(x, x.Shape[0], -1)), Slope);
        var features = ElementwiseOp.LeakyRelu(_fc2.Forward(h), Slope);
        return (features, _fc3.Forward(features));
    }

    /// <summary>Mean softmax cross-entropy of logits [B, 10] against labels.</summary>
    public static Tensor CrossEntropy(Tensor logits, ReadOnlySpan<int> labels)
    {
        int batch = logits.Shape[0], classes = logits.Shape[1];
        var host = logits.ToArray();
        var shift = new float[batch];
        var oneHot = new float[batch * classes];
        for (int i = 0; i < batch; i++)
        {
            shift[i] = host.AsSpan(i * classes, classes).ToArray().Max();   // a constant shift keeps exp in range
            oneHot[i * classes + labels[i]] = 1f;
        }
        var m = Tensor.FromArray(logits.Backend, shift, batch, 1);
        var logSumExp = ElementwiseOp.Log(ReduceOp.Sum(ElementwiseOp.Exp(logits - m), [1], keepDims: true)) + m;
        var picked = ReduceOp.Sum(logits * Tensor.FromArray(logits.Backend, oneHot, batch, classes), [1], keepDims: true);
        return ReduceOp.Mean(logSumExp - picked);
    }

    /// <summary>
    /// Trains a classifier on images [N, 784] with labels for a few epochs with Adam (seeded, deterministic), or loads
    /// it from <paramref name="cachePath"/> when a previous run already trained it on the same data.
    /// </summary>
    public static DigitClassifier TrainOrLoad(Backend backend, float[] images, int[] labels, string cachePath, Action<string> log)
    {
        var classifier = new DigitClassifier(backend, new RandomGenerator(7));
        if (File.Exists(cachePath))
        {
            using var stream = File.OpenRead(cachePath);
            var (_, entries) = TensorArchive.Read(stream, cachePath);
            foreach (var (name, p) in classifier.NamedParameters()) TensorArchive.Load(entries, name, p.Value, cachePath);
            log($"digit classifier loaded from {cachePath}");
            return classifier;
        }
        classifier.Fit(backend, images, labels, log);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(cachePath))!);
        AtomicFile.Write(cachePath, s => TensorArchive.Write(s, "{\"format\":\"digit-classifier/1\"}",
            classifier.NamedParameters().Select(p => (p.Name, p.Parameter.Value))));
        return classifier;
    }

    private void Fit(Backend backend, float[] images, int[] labels, Action<string> log)
    {
        // Equalized layers scale each step by their He constant, so the base rate is larger than a plain Adam's.
        const int Epochs = 4, Batch = 64;
        const float LearningRate = 1e-2f;
        var adam = new LreqAdam(Parameters(), LearningRate, beta1: 0.9f, beta2: 0.999f);
        int n = labels.Length, pixels = images.Length / n;
        using var data = Tensor.FromArray(backend, images, n, pixels).Persist();
        var random = new RandomGenerator(11);
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            int[] order = random.Permutation(n);
            double total = 0;
            for (int start = 0; start + Batch <= n; start += Batch)
            {
                using var scope = new TensorScope();
                var rows = order.AsSpan(start, Batch);
                var batchLabels = rows.ToArray().Select(r => labels[r]).ToArray();
                var loss = CrossEntropy(Forward(ShapeOp.GatherRows(data, rows)).Logits, batchLabels);
                adam.ClearGrad();
                Autograd.Backward(loss, Parameters().Select(p => p.Value));
                adam.Step();
                total += loss.Item();
            }
            log($"digit classifier epoch {epoch + 1}/{Epochs}: mean loss {total / (n / Batch):F4}");
        }
    }

    /// <summary>Penultimate features [N, 84] and softmax probabilities [N, 10] of images [N, 784], in batches.</summary>
    public (float[] Features, float[] Probabilities) Evaluate(Backend backend, float[] images, int count)
    {
        const int Batch = 500;
        int pixels = images.Length / count;
        var features = new float[count * FeatureSize];
        var probabilities = new float[count * 10];
        using var noGrad = Autograd.NoGrad();
        for (int start = 0; start < count; start += Batch)
        {
            int b = Math.Min(Batch, count - start);
            using var scope = new TensorScope();
            var x = Tensor.FromArray(backend, images.AsSpan(start * pixels, b * pixels).ToArray(), b, pixels);
            var (f, logits) = Forward(x);
            f.ToArray().CopyTo(features, start * FeatureSize);
            Softmax(logits.ToArray(), 10).CopyTo(probabilities, start * 10);
        }
        return (features, probabilities);
    }

    private static float[] Softmax(float[] logits, int classes)
    {
        var p = new float[logits.Length];
        for (int i = 0; i < logits.Length; i += classes)
        {
            float max = logits.AsSpan(i, classes).ToArray().Max();
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(logits[i + c] - max);
            for (int c = 0; c < classes; c++) p[i + c] = (float)(Math.Exp(logits[i + c] - max) / sum);
        }
        return p;
    }
}
