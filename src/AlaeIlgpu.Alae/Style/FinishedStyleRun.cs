using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// A StyleALAE run made from networks that were not trained here (an imported checkpoint, a fresh initialisation):
/// standing at the end of its config's schedule (top level of detail, blend 1), so every command that reads a run accepts
/// it. It holds no optimizer moments (a checkpoint near the networks' size); a training run resumed from it starts them
/// at zero.
/// </summary>
public static class FinishedStyleRun
{
    /// <summary>
    /// Writes run.json, config.json and a checkpoint of <paramref name="model"/> and <paramref name="ema"/> into the new run
    /// folder <paramref name="runPath"/>; a folder this call made is removed again if writing fails.
    /// </summary>
    /// <exception cref="IOException">The folder already holds a run.</exception>
    public static RunDirectory Write(string runPath, StyleAlaeConfig config, StyleAlae model, StyleAlae ema)
    {
        bool existed = Directory.Exists(runPath);
        var run = RunDirectory.Create(runPath);
        try
        {
            var schedule = new LodSchedule(config);
            int top = model.Shape.LayerCount - 1;
            var state = new StyleCheckpointState(schedule.TotalImages, 0, 0, 0, 0, 0, top, 1.0, schedule.BatchSize(top));
            Checkpoint.Save(run.CheckpointPath, StyleModelKind.ModelName, schedule.Steps().Count(), state, StyleAlaeTrainer.Contents(model, ema));
            RunCatalog.WriteRunFiles(run, RunCatalog.Find(StyleModelKind.ModelName), JsonConfig.ToJson(config) + "\n");
            return run;
        }
        catch
        {
            if (!existed) Directory.Delete(run.Path, recursive: true);
            throw;
        }
    }
}
