using System.Text.Json.Nodes;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Serve;

/// <summary>What a run's files say, without its model: the runs list, losses, the latest figure grids, the files themselves.</summary>
internal static class RunEndpoints
{
    private static readonly string[] FigurePrefixes = ["samples-", "reconstructions-"];

    /// <summary>Maps <c>/api/runs</c>, <c>/api/runs/{run}</c>, <c>/losses</c>, <c>/figures</c> and <c>/files/{name}</c>.</summary>
    public static void Map(WebApplication app, RunLibrary library)
    {
        app.MapGet("/api/runs", () => Results.Json(library.List().Select(Summary)));
        app.MapGet("/api/runs/{run}", (string run) => Results.Json(Summary(library.Find(run))));
        app.MapGet("/api/runs/{run}/losses", (string run, HttpRequest request) =>
            Results.Json(LossLog.Read(library.Find(run).LossesPath, Query.Int(request, "after", 0, 0, int.MaxValue))));
        app.MapGet("/api/runs/{run}/figures", (string run) => Results.Json(LatestFigures(library.Find(run))));
        app.MapGet("/api/runs/{run}/files/{name}", (string run, string name) => Figure(library.Find(run), name));
    }

    /// <summary>One line of the runs list: kind, checkpoint iteration, last losses, evaluation results.</summary>
    private static object Summary(RunDirectory run)
    {
        string model, description;
        try
        {
            var kind = RunCatalog.KindOf(run);
            (model, description) = (kind.Name, kind.Description);
        }
        catch (InvalidDataException error)
        {
            (model, description) = ("unknown", error.Message);
        }
        var (iteration, problem) = CheckpointIteration(run);
        var losses = LossLog.Read(run.LossesPath, 0);
        return new
        {
            name = run.Name,
            model,
            description,
            iteration,
            checkpoint = problem,
            lossRows = losses.Total,
            lastLosses = losses.Last(),
            eval = ReadJson(run.EvalJsonPath),
            sampleQuality = ReadJson(run.File("sample-quality.json")),
        };
    }

    // The checkpoint's iteration, or why there is none to show.
    private static (int? Iteration, string? Problem) CheckpointIteration(RunDirectory run)
    {
        if (!run.HasCheckpoint) return (null, "no checkpoint yet");
        try
        {
            return (Checkpoint.ReadHeader(run.CheckpointPath).Iteration, null);
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return (null, $"checkpoint unreadable now: {error.Message}");
        }
    }

    private static JsonNode? ReadJson(string path)
    {
        try
        {
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
        }
        catch (Exception error) when (error is IOException or System.Text.Json.JsonException)
        {
            return JsonValue.Create($"{Path.GetFileName(path)} unreadable: {error.Message}");
        }
    }

    private static object LatestFigures(RunDirectory run)
    {
        string? Latest(string prefix) => Directory.EnumerateFiles(run.Path, prefix + "*.png")
            .Select(Path.GetFileName).Order(StringComparer.Ordinal).LastOrDefault();
        return new { samples = Latest(FigurePrefixes[0]), reconstructions = Latest(FigurePrefixes[1]), lossPlot = File.Exists(run.LossPlotPath) ? "losses.png" : null };
    }

    // Only the run's PNG figures are served, by plain name.
    private static IResult Figure(RunDirectory run, string name)
    {
        RunLibrary.CheckFileName(name, "file name");
        bool figure = name == "losses.png" || (name.EndsWith(".png", StringComparison.Ordinal) && FigurePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)));
        string path = run.File(name);
        if (!figure || !File.Exists(path))
            throw ServeException.NotFound($"run '{run.Name}' has no figure '{name}' (figures: losses.png, samples-NNNNNN.png, reconstructions-NNNNNN.png).");
        return Results.Bytes(File.ReadAllBytes(path), "image/png");
    }
}
