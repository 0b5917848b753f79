namespace AlaeIlgpu.Alae.Training;

/// <summary>
/// The files of one training run under <c>runs/NAME/</c>: the config copy, the per-iteration loss CSV and plot, sample
/// and reconstruction grids, the checkpoint and the evaluation results.
/// </summary>
public sealed class RunDirectory
{
    private RunDirectory(string path) => Path = System.IO.Path.GetFullPath(path);

    /// <summary>The run's folder.</summary>
    public string Path { get; }

    /// <summary>The run's name (its folder name).</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>The copy of the config the run was started with (with overrides applied).</summary>
    public string ConfigPath => File("config.json");

    /// <summary>The latest checkpoint, written atomically.</summary>
    public string CheckpointPath => File("checkpoint.bin");

    /// <summary>One row of losses per iteration.</summary>
    public string LossesPath => File("losses.csv");

    /// <summary>The loss plot.</summary>
    public string LossPlotPath => File("losses.png");

    /// <summary>Classification results as JSON.</summary>
    public string EvalJsonPath => File("eval.json");

    /// <summary>Classification results as a markdown table.</summary>
    public string EvalMarkdownPath => File("eval.md");

    /// <summary>A file inside the run folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A sample grid for an iteration, e.g. samples-006000.png.</summary>
    public string SamplesPath(int iteration) => File($"samples-{iteration:D6}.png");

    /// <summary>A reconstruction grid for an iteration.</summary>
    public string ReconstructionsPath(int iteration) => File($"reconstructions-{iteration:D6}.png");

    /// <summary>Creates a new run folder; refuses to reuse one that already holds a run.</summary>
    /// <exception cref="IOException">The folder already holds a run.</exception>
    public static RunDirectory Create(string path)
    {
        var run = new RunDirectory(path);
        if (System.IO.File.Exists(run.ConfigPath))
            throw new IOException($"{run.Path} already holds a run; continue it with 'alae train --resume {path}' or choose another --name.");
        Directory.CreateDirectory(run.Path);
        return run;
    }

    /// <summary>Opens an existing run.</summary>
    /// <exception cref="IOException">The folder does not exist or is not a run (no config.json / checkpoint.bin).</exception>
    public static RunDirectory Open(string path, bool requireCheckpoint = true)
    {
        var run = new RunDirectory(path);
        if (!Directory.Exists(run.Path)) throw new IOException($"Run directory {run.Path} does not exist.");
        if (!System.IO.File.Exists(run.ConfigPath)) throw new IOException($"{run.Path} is not a run: it has no config.json.");
        if (requireCheckpoint && !System.IO.File.Exists(run.CheckpointPath))
            throw new IOException($"{run.Path} has no checkpoint.bin yet (the run was stopped before its first checkpoint).");
        return run;
    }
}
