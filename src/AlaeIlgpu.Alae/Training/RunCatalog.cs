using System.Text.Json;
using System.Text.Json.Serialization;
using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Alae.Training;

/// <summary>
/// The one place that knows every model kind and opens a run of any kind: a run's kind is recorded in its run.json
/// (<c>{"model": "mlp"}</c>); runs made before run.json existed are MLP runs. Adding a model family is one entry in
/// <see cref="Kinds"/>.
/// </summary>
public static class RunCatalog
{
    /// <summary>The kind of runs without a run.json, and the default of <c>alae train</c>.</summary>
    public const string DefaultModel = "mlp";

    /// <summary>Every registered model kind.</summary>
    public static IReadOnlyList<IModelKind> Kinds { get; } = [new MlpModelKind(), new StyleModelKind()];

    /// <summary>The kind named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No kind has that name (the message lists the known ones).</exception>
    public static IModelKind Find(string name) =>
        Kinds.FirstOrDefault(k => k.Name == name)
        ?? throw new ArgumentException($"unknown model '{name}'; known models: {string.Join(", ", Kinds.Select(k => k.Name))}.");

    /// <summary>The kind whose built-in configs include <paramref name="configName"/>, or null (a file path, or none given).</summary>
    public static IModelKind? KindOfConfigName(string? configName) =>
        configName is null || File.Exists(configName) ? null : Kinds.FirstOrDefault(k => k.ConfigNames.Contains(configName));

    /// <summary>The kind of the run in <paramref name="run"/>, from its run.json (mlp without one).</summary>
    /// <exception cref="InvalidDataException">run.json is damaged or names an unknown model (the message names the file).</exception>
    public static IModelKind KindOf(RunDirectory run)
    {
        if (!File.Exists(run.RunInfoPath)) return Find(DefaultModel);
        RunInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(run.RunInfoPath));
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{run.RunInfoPath}: not valid run information: {error.Message}", error);
        }
        if (info?.Model is not { } model) throw new InvalidDataException($"{run.RunInfoPath}: no \"model\" key.");
        try
        {
            return Find(model);
        }
        catch (ArgumentException error)
        {
            throw new InvalidDataException($"{run.RunInfoPath}: {error.Message}", error);
        }
    }

    /// <summary>
    /// Starts a run of <paramref name="config"/> in <paramref name="run"/>: builds the trainer first (so bad data
    /// leaves no files), then writes run.json and config.json.
    /// </summary>
    public static TrainingRun StartTraining(RunConfig config, RunDirectory run, Backend backend)
    {
        var trainer = config.Kind.CreateTrainer(config, backend);
        WriteRunFiles(run, config.Kind, config.Json);
        return new TrainingRun(config.Kind, trainer, run, config.Schedule);
    }

    /// <summary>Writes the run information (model kind <paramref name="kind"/>) and the config copy <paramref name="configJson"/> of <paramref name="run"/>.</summary>
    public static void WriteRunFiles(RunDirectory run, IModelKind kind, string configJson)
    {
        AtomicFile.WriteAllText(run.RunInfoPath, JsonSerializer.Serialize(new RunInfo(kind.Name)) + "\n");
        AtomicFile.WriteAllText(run.ConfigPath, configJson);
    }

    /// <summary>
    /// Continues the run in <paramref name="run"/> from its checkpoint, with <paramref name="overrides"/> of the
    /// kind's resumable keys applied and saved to its config.json.
    /// </summary>
    public static TrainingRun ResumeTraining(RunDirectory run, Backend backend, IReadOnlyList<string> overrides)
    {
        var kind = KindOf(run);
        var config = kind.LoadRunConfig(run, overrides);
        var trainer = kind.CreateTrainer(config, backend);
        trainer.LoadCheckpoint(run.CheckpointPath);
        if (overrides.Count > 0) AtomicFile.WriteAllText(run.ConfigPath, config.Json);
        return new TrainingRun(kind, trainer, run, config.Schedule);
    }

    /// <summary>The run's EMA autoencoder, from its checkpoint alone.</summary>
    public static IAutoencoder OpenAutoencoder(RunDirectory run, Backend backend) => KindOf(run).OpenAutoencoder(run, backend);

    private sealed record RunInfo([property: JsonPropertyName("model")] string? Model);
}
