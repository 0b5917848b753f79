using System.Text.Json.Serialization;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Evaluation;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>How good generated digits are, measured with the engine's own LeNet-style classifier.</summary>
/// <param name="FrechetDistance">Fréchet distance between the classifier's penultimate features of held-out real digits and of as many generated digits.</param>
/// <param name="RealReferenceDistance">The same distance between training and held-out real digits: the floor a perfect generator would reach.</param>
/// <param name="MeanConfidence">Mean top-class softmax probability the classifier gives generated digits (legible digits score high).</param>
/// <param name="ClassifierAccuracy">The classifier's accuracy on held-out real digits (a sanity check of the feature extractor).</param>
/// <param name="SampleCount">Generated digits scored.</param>
public sealed record SampleQualityResult(
    [property: JsonPropertyName("frechet_distance")] double FrechetDistance,
    [property: JsonPropertyName("real_reference_distance")] double RealReferenceDistance,
    [property: JsonPropertyName("mean_confidence")] double MeanConfidence,
    [property: JsonPropertyName("classifier_accuracy")] double ClassifierAccuracy,
    [property: JsonPropertyName("sample_count")] int SampleCount);

/// <summary>Scores the EMA generator's samples against held-out digits (FID-style, with <see cref="DigitClassifier"/> features).</summary>
public static class MlpSampleQuality
{
    /// <summary>Trains (or loads from <paramref name="classifierCache"/>) the classifier and scores the samples of <paramref name="ema"/>.</summary>
    public static SampleQualityResult Evaluate(MlpAlae ema, MnistSet train, MnistSet heldOut, string classifierCache, ulong seed, Action<string> log)
    {
        var backend = ema.WAverage.Backend;
        var classifier = DigitClassifier.TrainOrLoad(backend, train.Images, train.Labels, classifierCache, log);
        int n = heldOut.Count, pixels = heldOut.PixelCount;
        var (realFeatures, realProbabilities) = classifier.Evaluate(backend, heldOut.Images, n);
        var samples = AutoencoderFigures.Samples(new MlpAutoencoder(ema, new ImageShape(1, heldOut.Rows, heldOut.Columns)), n, seed);
        for (int i = 0; i < samples.Length; i++) samples[i] = Math.Clamp(samples[i], 0f, 1f);   // as the PNGs show them
        var (fakeFeatures, fakeProbabilities) = classifier.Evaluate(backend, samples, n);
        int reference = Math.Min(n, train.Count);
        var (trainFeatures, _) = classifier.Evaluate(backend, train.Images.AsSpan(0, reference * pixels).ToArray(), reference);
        return new SampleQualityResult(
            FrechetDistance.Compute(realFeatures, fakeFeatures, DigitClassifier.FeatureSize),
            FrechetDistance.Compute(trainFeatures, realFeatures, DigitClassifier.FeatureSize),
            MeanTopProbability(fakeProbabilities),
            Accuracy(realProbabilities, heldOut.Labels),
            n);
    }

    private static double MeanTopProbability(float[] p)
    {
        double sum = 0;
        for (int i = 0; i < p.Length; i += 10) sum += p.AsSpan(i, 10).ToArray().Max();
        return sum / (p.Length / 10);
    }

    private static double Accuracy(float[] p, int[] labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            var row = p.AsSpan(i * 10, 10).ToArray();
            if (Array.IndexOf(row, row.Max()) == labels[i]) correct++;
        }
        return (double)correct / labels.Length;
    }
}
