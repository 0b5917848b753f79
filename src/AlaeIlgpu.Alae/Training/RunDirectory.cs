using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Alae.Training;

/// <summary>
/// The files of one training run under <c>runs/NAME/</c>: the run information (model kind), the config copy, the
/// per-iteration loss CSV and plot, sample and reconstruction grids, the checkpoint and the evaluation results.
/// </summary>
public sealed class RunDirectory
{
    private static readonly string[] OutputPatterns = ["losses.csv", "losses.png", "samples-*.png", "reconstructions-*.png"];

    private RunDirectory(string path) => Path = System.IO.Path.GetFullPath(path);

    /// <summary>The run's folder.</summary>
    public string Path { get; }

    /// <summary>The run's name (its folder name).</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>The run information: <c>{"model": "mlp"}</c> (runs without it are MLP runs).</summary>
    public string RunInfoPath => File("run.json");

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

    /// <summary>True when the folder holds a checkpoint (something to resume or evaluate).</summary>
    public bool HasCheckpoint => System.IO.File.Exists(CheckpointPath);

    /// <summary>A file inside the run folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A sample grid for an iteration, e.g. samples-006000.png.</summary>
    public string SamplesPath(int iteration) => File($"samples-{iteration:D6}.png");

    /// <summary>A reconstruction grid for an iteration.</summary>
    public string ReconstructionsPath(int iteration) => File($"reconstructions-{iteration:D6}.png");

    /// <summary>
    /// Checks a run name: one folder name, not empty, not "." or "..", without path separators or characters the
    /// file system refuses.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not usable (the message says why).</exception>
    public static string ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("--name must not be empty.");
        if (name.Trim() != name) throw new ArgumentException($"--name '{name}' starts or ends with white space.");
        if (name is "." or "..") throw new ArgumentException($"--name '{name}' is not a folder name.");
        char[] bad = [.. System.IO.Path.GetInvalidFileNameChars(), '/', '\\'];
        if (name.IndexOfAny(bad) >= 0)
            throw new ArgumentException($"--name '{name}' must be a single folder name (no '/', '\\' or control characters); --runs sets the parent folder.");
        return name;
    }

    /// <summary>
    /// Prepares a folder for a new run. A folder that already holds a checkpoint is refused; one that holds only the
    /// leftovers of a run that stopped before its first checkpoint (nothing to resume) is cleared and reused.
    /// </summary>
    /// <exception cref="IOException">The folder already holds a run with a checkpoint.</exception>
    public static RunDirectory Create(string path)
    {
        var run = RequireNew(path);
        Directory.CreateDirectory(run.Path);
        run.ClearLeftovers();
        return run;
    }

    /// <summary>Checks, before any work, that <see cref="Create"/> will accept <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The folder already holds a run with a checkpoint.</exception>
    public static RunDirectory RequireNew(string path)
    {
        var run = new RunDirectory(path);
        if (run.HasCheckpoint)
            throw new IOException($"{run.Path} already holds a run; continue it with 'alae train --resume {run.Path}' or choose another --name.");
        return run;
    }

    /// <summary>Opens an existing run; <paramref name="forTraining"/> also removes temporary files of killed writers.</summary>
    /// <exception cref="IOException">The folder does not exist or is not a run (no config.json / checkpoint.bin).</exception>
    public static RunDirectory Open(string path, bool forTraining = false)
    {
        var run = new RunDirectory(path);
        if (!Directory.Exists(run.Path)) throw new IOException($"Run directory {run.Path} does not exist.");
        if (!System.IO.File.Exists(run.ConfigPath)) throw new IOException($"{run.Path} is not a run: it has no config.json.");
        if (!run.HasCheckpoint)
            throw new IOException($"{run.Path} has no checkpoint.bin: the run stopped before its first checkpoint, so there is nothing to resume or use. " +
                $"Start it again with 'alae train --name {run.Name}' (the folder is reused).");
        if (forTraining) AtomicFile.RemoveStaleTemporaries(run.Path);
        return run;
    }

    /// <summary>
    /// The files of the run folder at <paramref name="path"/>, unchecked: for readers that list runs which may still
    /// be starting (no checkpoint yet) and check each file they read.
    /// </summary>
    public static RunDirectory At(string path) => new(path);

    // Files of an earlier start of this run that never reached a checkpoint, and writers' temporary files.
    private void ClearLeftovers()
    {
        AtomicFile.RemoveStaleTemporaries(Path);
        foreach (string file in new[] { RunInfoPath, ConfigPath }.Where(System.IO.File.Exists)) System.IO.File.Delete(file);
        foreach (string pattern in OutputPatterns)
            foreach (string file in Directory.EnumerateFiles(Path, pattern)) System.IO.File.Delete(file);
    }
}
