using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Alae.Training;

/// <summary>
/// The config handling every model kind shares (a typed JSON config, <c>--set</c> overrides, the resumable-key rule);
/// a kind supplies its names, schedule, trainer, autoencoder, held-out images and evaluation.
/// </summary>
/// <typeparam name="TConfig">The kind's config record (snake_case JSON sections, validated).</typeparam>
public abstract class ModelKind<TConfig> : IModelKind where TConfig : class, IValidatedConfig, new()
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract string Description { get; }

    /// <inheritdoc />
    public abstract string RunNamePrefix { get; }

    /// <inheritdoc />
    public virtual string DataDirectoryKey => "data.dir";

    /// <inheritdoc />
    public abstract IReadOnlyCollection<string> ResumableKeys { get; }

    /// <inheritdoc />
    public virtual IReadOnlyCollection<string> ConfigNames => [];

    /// <inheritdoc />
    public RunConfig LoadConfig(string? configPath, IReadOnlyList<string> overrides)
    {
        return Wrap(JsonConfig.ApplyOverrides(BaseConfig(configPath), overrides));
    }

    /// <inheritdoc />
    public RunConfig LoadRunConfig(RunDirectory run, IReadOnlyList<string> overrides)
    {
        foreach (string assignment in overrides)
        {
            string key = JsonConfig.OverrideKey<TConfig>(assignment);
            if (!ResumableKeys.Contains(key))
                throw new ConfigException($"--set {key}: a resumed run keeps its config (its checkpoint was trained with it); " +
                    $"only {string.Join(", ", ResumableKeys)} can change. Start a new run to change {key}.");
        }
        return Wrap(JsonConfig.ApplyOverrides(SavedConfig(run), overrides));
    }

    /// <summary>The config a run was started with (its config.json).</summary>
    public TConfig SavedConfig(RunDirectory run) => JsonConfig.Load<TConfig>(run.ConfigPath);

    /// <inheritdoc />
    public IAlaeTrainer CreateTrainer(RunConfig config, Backend backend) => CreateTrainer(Unwrap(config), backend);

    /// <inheritdoc />
    public abstract IAutoencoder OpenAutoencoder(RunDirectory run, Backend backend);

    /// <inheritdoc />
    public abstract IHeldOutImages OpenHeldOut(RunDirectory run);

    /// <inheritdoc />
    public abstract void Evaluate(RunDirectory run, Backend backend, Action<string> log);

    /// <inheritdoc />
    public abstract string NextCommand(string runPath);

    /// <inheritdoc />
    public abstract string TrainLongerHint(RunDirectory run);

    /// <summary>The config a run starts from before overrides: the built-in one, or the file at <paramref name="configPath"/>.</summary>
    /// <exception cref="ConfigException">The file is missing or bad.</exception>
    protected virtual TConfig BaseConfig(string? configPath) => configPath is null ? new TConfig() : JsonConfig.Load<TConfig>(configPath);

    /// <summary>Run length and intervals of <paramref name="config"/>.</summary>
    protected abstract TrainingSchedule Schedule(TConfig config);

    /// <summary>A fresh trainer for <paramref name="config"/>.</summary>
    protected abstract IAlaeTrainer CreateTrainer(TConfig config, Backend backend);

    private RunConfig Wrap(TConfig config) => new(this, config, Schedule(config), JsonConfig.ToJson(config) + "\n");

    private TConfig Unwrap(RunConfig config) =>
        config.Value as TConfig ?? throw new ArgumentException($"A {config.Kind.Name} config was given to the {Name} model.", nameof(config));
}
