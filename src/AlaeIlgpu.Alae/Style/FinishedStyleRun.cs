using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Serialization;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// A StyleALAE run made from networks that were not trained here (an imported checkpoint, a fresh initialisation):
/// standing at the end of its config's schedule (top level of detail, blend 1), so every command that reads a run accepts
/// it. It holds no optimizer moments (a checkpoint near the networks' size); a training run resumed from it starts them
/// at zero.
/// </summary>
public static class FinishedStyleRun
{
    private const string StagingSuffix = ".staging";

    /// <summary>
    /// Writes run.json, config.json and a checkpoint of <paramref name="model"/> and <paramref name="ema"/> into the new run
    /// folder <paramref name="runPath"/> (see the overload for entries).
    /// </summary>
    /// <exception cref="IOException">The folder already holds a run.</exception>
    public static RunDirectory Write(string runPath, StyleAlaeConfig config, StyleAlae model, StyleAlae ema) =>
        Write(runPath, config, StyleAlaeTrainer.Contents(model, ema).Entries.Select(e => TensorArchiveEntry.Of(e.Name, e.Value)).ToList());

    /// <summary>
    /// Writes run.json, config.json and a checkpoint of <paramref name="entries"/> (the entries of
    /// <see cref="StyleAlaeTrainer.Contents"/>, their values produced as each is written) into a staging folder beside
    /// <paramref name="runPath"/>, which becomes the run only when all is written: an error (a damaged value found while
    /// writing) leaves no run and no staging folder.
    /// </summary>
    /// <exception cref="IOException">The folder already holds a run.</exception>
    public static RunDirectory Write(string runPath, StyleAlaeConfig config, IReadOnlyList<TensorArchiveEntry> entries)
    {
        var target = RunDirectory.RequireNew(runPath);
        string parent = Path.GetDirectoryName(target.Path)!;
        RemoveStaleStaging(parent, target.Name);
        var staging = RunDirectory.At(Path.Combine(parent, $".{target.Name}.{Guid.NewGuid():N}{StagingSuffix}"));
        Directory.CreateDirectory(staging.Path);
        try
        {
            var schedule = new LodSchedule(config);
            int top = config.Model.LayerCount - 1;
            var state = new StyleCheckpointState(schedule.TotalImages, 0, 0, 0, 0, 0, top, 1.0, schedule.BatchSize(top));
            Checkpoint.Save(staging.CheckpointPath, StyleModelKind.ModelName, schedule.Steps().Count(), state, entries);
            RunCatalog.WriteRunFiles(staging, RunCatalog.Find(StyleModelKind.ModelName), JsonConfig.ToJson(config) + "\n");
            return Publish(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging.Path)) Directory.Delete(staging.Path, recursive: true);
        }
    }

    // Staging folders that writes of this run killed mid-way (SIGKILL, power loss) left: ".{name}.{32 hex digits}.staging".
    private static void RemoveStaleStaging(string parent, string name)
    {
        if (!Directory.Exists(parent)) return;
        string prefix = $".{name}.";
        foreach (string folder in Directory.EnumerateDirectories(parent, prefix + "*" + StagingSuffix))
        {
            string id = Path.GetFileName(folder)[prefix.Length..^StagingSuffix.Length];
            if (id.Length == 32 && id.All(Uri.IsHexDigit)) Directory.Delete(folder, recursive: true);
        }
    }

    // The staged run becomes the target: renamed as a whole, or, where the target folder exists (the leftovers of a run
    // that never reached a checkpoint), its files moved in with the checkpoint last, the file that makes it a run.
    private static RunDirectory Publish(RunDirectory staging, RunDirectory target)
    {
        if (!Directory.Exists(target.Path))
        {
            Directory.Move(staging.Path, target.Path);
            return target;
        }
        var run = RunDirectory.Create(target.Path);
        foreach (var file in new Func<RunDirectory, string>[] { r => r.RunInfoPath, r => r.ConfigPath, r => r.CheckpointPath })
            File.Move(file(staging), file(run), overwrite: true);
        return run;
    }
}
