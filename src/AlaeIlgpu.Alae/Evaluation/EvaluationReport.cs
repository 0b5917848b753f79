using System.Globalization;
using System.Text;
using System.Text.Json;
using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Alae.Evaluation;

/// <summary>
/// Writes evaluation results as <c>eval.json</c> (a JSON array of <see cref="EvaluationResult"/> objects) and as a
/// markdown table shaped like Table 1 of the ALAE paper: one row per feature kind, one column per classifier.
/// </summary>
public static class EvaluationReport
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>The results as indented JSON.</summary>
    public static string ToJson(IReadOnlyList<EvaluationResult> results) => JsonSerializer.Serialize(results, Options);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteJson(string path, IReadOnlyList<EvaluationResult> results) =>
        AtomicFile.WriteAllText(path, ToJson(results) + "\n");

    /// <summary>Reads a file written by <see cref="WriteJson"/>.</summary>
    public static IReadOnlyList<EvaluationResult> ReadJson(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<EvaluationResult[]>(File.ReadAllText(path), Options)
                ?? throw new InvalidDataException($"{path}: expected a JSON array of results but found null.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path}: not a valid evaluation file: {error.Message}", error);
        }
    }

    /// <summary>
    /// A markdown table of accuracies in percent (two decimals): rows short, long, pixels (those present), columns
    /// 1-NN and linear SVM; a missing pair shows a dash. A line under the table gives the train/test counts.
    /// </summary>
    public static string ToMarkdown(IReadOnlyList<EvaluationResult> results)
    {
        var table = new StringBuilder();
        table.AppendLine("| features | 1-NN | linear SVM |");
        table.AppendLine("|---|---:|---:|");
        foreach (FeatureKind features in Enum.GetValues<FeatureKind>().Where(f => results.Any(r => r.Features == f)))
        {
            table.Append(CultureInfo.InvariantCulture, $"| {Describe(features)} |");
            foreach (ClassifierKind classifier in Enum.GetValues<ClassifierKind>())
            {
                EvaluationResult? cell = results.LastOrDefault(r => r.Features == features && r.Classifier == classifier);
                table.Append(cell is null ? " – |" : string.Create(CultureInfo.InvariantCulture, $" {cell.Accuracy * 100:F2}% |"));
            }
            table.AppendLine();
        }
        IEnumerable<string> counts = results.Select(r => $"{r.TrainCount} train / {r.TestCount} test").Distinct();
        table.AppendLine();
        table.AppendLine($"Accuracy on held-out images; classifiers fitted on {string.Join(", ", counts)}.");
        return table.ToString();
    }

    private static string Describe(FeatureKind features) => features switch
    {
        FeatureKind.Short => "short (encoder output w)",
        FeatureKind.Long => "long (encoder hidden layer)",
        _ => "pixels",
    };
}
