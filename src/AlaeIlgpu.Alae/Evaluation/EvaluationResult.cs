using System.Text.Json.Serialization;

namespace AlaeIlgpu.Alae.Evaluation;

/// <summary>Which representation of an image a classifier was trained on.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeatureKind>))]
public enum FeatureKind
{
    /// <summary>The encoder's output w (50 values for the MLP ALAE).</summary>
    [JsonStringEnumMemberName("short")] Short,

    /// <summary>The encoder's last hidden activation (1024 values for the MLP ALAE).</summary>
    [JsonStringEnumMemberName("long")] Long,

    /// <summary>The raw pixels (784 values), a reference row.</summary>
    [JsonStringEnumMemberName("pixels")] Pixels,
}

/// <summary>Which classifier produced an accuracy.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClassifierKind>))]
public enum ClassifierKind
{
    /// <summary>1-nearest-neighbour, Euclidean distance (<see cref="NearestNeighbor"/>).</summary>
    [JsonStringEnumMemberName("1nn")] OneNearestNeighbor,

    /// <summary>One-vs-rest linear SVM with squared hinge loss (<see cref="LinearSvm"/>).</summary>
    [JsonStringEnumMemberName("linear-svm")] LinearSvm,
}

/// <summary>One cell of the classification table: a classifier's test accuracy on one kind of feature.</summary>
/// <param name="Features">The representation classified.</param>
/// <param name="Classifier">The classifier.</param>
/// <param name="Accuracy">Fraction of test images classified correctly, in [0, 1].</param>
/// <param name="TrainCount">Images the classifier was fitted on.</param>
/// <param name="TestCount">Images the accuracy was measured on.</param>
public sealed record EvaluationResult(
    [property: JsonPropertyName("features")] FeatureKind Features,
    [property: JsonPropertyName("classifier")] ClassifierKind Classifier,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("train_count")] int TrainCount,
    [property: JsonPropertyName("test_count")] int TestCount)
{
    /// <summary>Scores <paramref name="predicted"/> against <paramref name="truth"/>.</summary>
    public static EvaluationResult Score(FeatureKind features, ClassifierKind classifier, int trainCount,
        ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth) =>
        new(features, classifier, NearestNeighbor.Accuracy(predicted, truth), trainCount, truth.Length);
}
