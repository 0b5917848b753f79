using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Alae.Training;

/// <summary>
/// One model family (the MLP ALAE, StyleALAE...) as every command sees it: its config, its trainer, its EMA
/// autoencoder and held-out images for figures, and its evaluation. <see cref="RunCatalog"/> registers each kind.
/// </summary>
public interface IModelKind
{
    /// <summary>The key stored in run.json and in checkpoint headers, and given to <c>alae train --model</c> (for example "mlp").</summary>
    string Name { get; }

    /// <summary>A human name for titles and help (for example "MLP ALAE").</summary>
    string Description { get; }

    /// <summary>The default run name's prefix (a date and time follow).</summary>
    string RunNamePrefix { get; }

    /// <summary>The config key that <c>--data DIR</c> sets (for example "data.dir").</summary>
    string DataDirectoryKey { get; }

    /// <summary>Names of built-in configs that <c>--config NAME</c> accepts besides file paths (empty if the kind has one default).</summary>
    IReadOnlyCollection<string> ConfigNames { get; }

    /// <summary>Config keys a resumed run may change with <c>--set</c> (run length and intervals); every other key is refused.</summary>
    IReadOnlyCollection<string> ResumableKeys { get; }

    /// <summary>The built-in config, or the file at <paramref name="configPath"/>, with <c>key=value</c> overrides applied and validated.</summary>
    /// <exception cref="Config.ConfigException">A file, key or value is bad (the message names it).</exception>
    RunConfig LoadConfig(string? configPath, IReadOnlyList<string> overrides);

    /// <summary>A run's saved config with overrides of <see cref="ResumableKeys"/> applied.</summary>
    /// <exception cref="Config.ConfigException">An override names a key outside <see cref="ResumableKeys"/>, or a value is bad.</exception>
    RunConfig LoadRunConfig(RunDirectory run, IReadOnlyList<string> overrides);

    /// <summary>A fresh trainer for <paramref name="config"/> on <paramref name="backend"/> (loads the training data).</summary>
    IAlaeTrainer CreateTrainer(RunConfig config, Backend backend);

    /// <summary>The run's EMA autoencoder, read from its checkpoint alone (no optimizer state, no training data).</summary>
    IAutoencoder OpenAutoencoder(RunDirectory run, Backend backend);

    /// <summary>The run's held-out images (on the host).</summary>
    IHeldOutImages OpenHeldOut(RunDirectory run);

    /// <summary>
    /// How to train the run in <paramref name="run"/> past the end of its schedule: a sentence with the command (a resumed
    /// run with a longer run length where the kind allows it, a new run otherwise).
    /// </summary>
    string TrainLongerHint(RunDirectory run);

    /// <summary>The command a finished training run suggests next (its arguments after <c>alae</c>), for the run folder <paramref name="runPath"/>.</summary>
    string NextCommand(string runPath);

    /// <summary>Evaluates the run's checkpoint and writes the results into the run folder; <paramref name="log"/> gets progress and results.</summary>
    void Evaluate(RunDirectory run, Backend backend, Action<string> log);
}

/// <summary>A validated config of some model kind, ready to start a run or to be saved as the run's config.json.</summary>
/// <param name="Kind">The model kind it configures.</param>
/// <param name="Value">The typed config object (the kind's own record).</param>
/// <param name="Schedule">Run length and intervals.</param>
/// <param name="Json">The config as the JSON text config.json holds.</param>
public sealed record RunConfig(IModelKind Kind, object Value, TrainingSchedule Schedule, string Json);
