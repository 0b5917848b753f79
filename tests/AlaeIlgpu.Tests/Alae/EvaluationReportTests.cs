using System.Text.Json;
using AlaeIlgpu.Alae.Evaluation;

namespace AlaeIlgpu.Tests.Alae;

public sealed class EvaluationReportTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly EvaluationResult[] Results =
    [
        new(FeatureKind.Short, ClassifierKind.OneNearestNeighbor, 0.9715, 8000, 2000),
        new(FeatureKind.Short, ClassifierKind.LinearSvm, 0.95, 8000, 2000),
        new(FeatureKind.Long, ClassifierKind.LinearSvm, 0.981, 8000, 2000),
        new(FeatureKind.Pixels, ClassifierKind.OneNearestNeighbor, 0.94, 8000, 2000),
    ];

    [Fact]
    public void EvalJsonHasTheExactSnakeCaseKeysAndValues()
    {
        string path = _dir.File("eval.json");
        EvaluationReport.WriteJson(path, Results);

        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement first = document.RootElement[0];

        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        Assert.Equal(["features", "classifier", "accuracy", "train_count", "test_count"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("short", first.GetProperty("features").GetString());
        Assert.Equal("1nn", first.GetProperty("classifier").GetString());
        Assert.Equal("linear-svm", document.RootElement[1].GetProperty("classifier").GetString());
        Assert.Equal("pixels", document.RootElement[3].GetProperty("features").GetString());
        Assert.Equal(0.9715, first.GetProperty("accuracy").GetDouble());
        Assert.Equal(8000, first.GetProperty("train_count").GetInt32());
        Assert.Equal(2000, first.GetProperty("test_count").GetInt32());
    }

    [Fact]
    public void EvalJsonRoundTrips()
    {
        string path = _dir.File("eval.json");
        EvaluationReport.WriteJson(path, Results);

        Assert.Equal(Results, EvaluationReport.ReadJson(path));
    }

    [Fact]
    public void MarkdownTableHasOneRowPerFeatureKindAndDashesForMissingCells()
    {
        string[] lines = EvaluationReport.ToMarkdown(Results).Split('\n');

        Assert.Equal("| features | 1-NN | linear SVM |", lines[0]);
        Assert.Equal("| short (encoder output w) | 97.15% | 95.00% |", lines[2]);
        Assert.Equal("| long (encoder hidden layer) | – | 98.10% |", lines[3]);
        Assert.Equal("| pixels | 94.00% | – |", lines[4]);
        Assert.Contains("8000 train / 2000 test", lines[6]);
    }

    [Fact]
    public void ScoreComputesAccuracyAndCounts()
    {
        EvaluationResult result = EvaluationResult.Score(FeatureKind.Long, ClassifierKind.LinearSvm, 10, [1, 2, 3, 3], [1, 2, 3, 4]);

        Assert.Equal(new EvaluationResult(FeatureKind.Long, ClassifierKind.LinearSvm, 0.75, 10, 4), result);
    }
}
