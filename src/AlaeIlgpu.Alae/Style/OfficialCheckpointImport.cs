using System.Collections;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Serialization;
using static AlaeIlgpu.Alae.Style.OfficialCheckpointLayout;

namespace AlaeIlgpu.Alae.Style;

/// <summary>What <see cref="OfficialCheckpointImport.Import"/> wrote.</summary>
/// <param name="Run">The new run.</param>
/// <param name="Shape">The architecture read from the tensors.</param>
/// <param name="BaseConfig">The built-in config the run's config.json starts from (its model keys replaced by <paramref name="Shape"/>).</param>
/// <param name="Config">The run's config.</param>
public sealed record ImportedRun(RunDirectory Run, StyleAlaeShape Shape, string BaseConfig, StyleAlaeConfig Config);

/// <summary>
/// Turns an official ALAE checkpoint (<c>.pth</c> of podgorskiy/ALAE: <c>{"models": {...}, "auxiliary": {...}}</c>) into a
/// StyleALAE run: <c>models.generator/discriminator/mapping_tl/mapping_fl</c> become the trained G/E/D/F, their
/// <c>_s</c> copies the EMA, <c>models.dlatent_avg</c> both style averages. The architecture is read from the tensors,
/// the config is the closest built-in one with those sizes, and the checkpoint stands at the top level of detail,
/// blend 1, its schedule done. Every tensor's name, shape, type and extent is checked from the pickle before any folder
/// is made; the values are then streamed, one tensor at a time, into the run's checkpoint in a staging folder that
/// becomes the run only when complete (a damaged storage found on the way leaves nothing).
/// </summary>
public static class OfficialCheckpointImport
{
    /// <summary>
    /// Imports <paramref name="checkpointPath"/> into a new run folder <paramref name="runPath"/>; <paramref name="dataPath"/>
    /// (if given) becomes the config's <c>data.path</c> (the images <c>alae reconstruct</c> and <c>interpolate</c> read).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a readable official checkpoint, or its networks are
    /// missing, extra, misshaped or inconsistent (the message names the file and the tensor or key).</exception>
    /// <exception cref="IOException">The run folder already holds a run.</exception>
    public static ImportedRun Import(string checkpointPath, string runPath, string? dataPath = null)
    {
        RunDirectory.RequireNew(runPath);   // before reading what may be a large file
        using var checkpoint = TorchCheckpoint.Open(checkpointPath);
        var models = Models(checkpoint);
        var trained = Arrays(checkpoint, models, "");
        var config = ConfigFor(OfficialWeights.InferShape(trained, checkpoint.Path), dataPath);
        var shape = StyleModelKind.ShapeOf(config.Config);
        var layout = StyleAlae.Layout(shape);
        var entries = Entries(StyleAlaeTrainer.ModelEntryPrefix, layout, OfficialWeights.Match(layout, shape, trained, $"{checkpoint.Path} ({ModelsKey})"))
            .Concat(Entries(StyleAlaeTrainer.EmaEntryPrefix, layout,
                OfficialWeights.Match(layout, shape, Arrays(checkpoint, models, EmaSuffix), $"{checkpoint.Path} ({ModelsKey}, EMA copies *{EmaSuffix})")))
            .ToList();
        var run = FinishedStyleRun.Write(runPath, config.Config, entries);   // reads each tensor as it is written
        return new ImportedRun(run, shape, config.Name, config.Config);
    }

    // The checkpoint entries of one model: each tensor under its name in the run's checkpoint, read when written.
    private static IEnumerable<TensorArchiveEntry> Entries(string prefix, IReadOnlyList<(string Name, TensorShape Shape)> layout, IReadOnlyList<OfficialTensor> tensors) =>
        layout.Zip(tensors, (row, tensor) => new TensorArchiveEntry(prefix + row.Name, row.Shape, tensor.Read));

    /// <summary>
    /// The built-in config (by name) whose model keys agree most with <paramref name="shape"/> (the first on a tie),
    /// with its model keys set to <paramref name="shape"/> and the official AdaIN generator, and its <c>data.path</c>
    /// replaced by <paramref name="dataPath"/> if given.
    /// </summary>
    public static (string Name, StyleAlaeConfig Config) ConfigFor(StyleAlaeShape shape, string? dataPath)
    {
        var (name, closest) = StyleAlaeConfigs.Names.Select(n => (Name: n, Config: StyleAlaeConfigs.Load(n)))
            .MaxBy(c => Agreement(StyleModelKind.ShapeOf(c.Config), shape));
        var config = closest with
        {
            Model = closest.Model with
            {
                LayerCount = shape.LayerCount, StartChannels = shape.StartChannels, MaxChannels = shape.MaxChannels,
                LatentSize = shape.LatentSize, MappingLayers = shape.MappingLayers, Channels = shape.Channels,
                Generator = StyleAlaeConfig.Generators[0],
            },
            Data = closest.Data with { Path = dataPath ?? closest.Data.Path },
        };
        config.Validate();
        return (name, config);
    }

    private static int Agreement(StyleAlaeShape a, StyleAlaeShape b) =>
        new[]
        {
            a.LayerCount == b.LayerCount, a.StartChannels == b.StartChannels, a.MaxChannels == b.MaxChannels,
            a.LatentSize == b.LatentSize, a.MappingLayers == b.MappingLayers, a.Channels == b.Channels,
        }.Count(x => x);

    // models: exactly the four networks, their EMA copies and the style average.
    private static Hashtable Models(TorchCheckpoint checkpoint)
    {
        if (checkpoint.Root is not Hashtable root || root[ModelsKey] is not Hashtable models)
            throw new InvalidDataException($"{checkpoint.Path}: no '{ModelsKey}' dictionary at the top; not an official ALAE checkpoint.");
        var expected = OfficialCheckpointLayout.Modules().ToHashSet(StringComparer.Ordinal);
        var present = models.Keys.Cast<object>().Select(k => k.ToString() ?? "").ToHashSet(StringComparer.Ordinal);
        var missing = expected.Except(present).Order().ToArray();
        var extra = present.Except(expected).Order().ToArray();
        if (missing.Length > 0 || extra.Length > 0)
            throw new InvalidDataException($"{checkpoint.Path}: '{ModelsKey}' " +
                string.Join("; ", new[] { Listed("lacks", missing), Listed("has unexpected", extra) }.Where(s => s.Length > 0)) +
                $" (an official StyleALAE checkpoint has {string.Join(", ", expected.Order())}).");
        return models;
    }

    private static string Listed(string verb, string[] keys) => keys.Length == 0 ? "" : $"{verb} {string.Join(", ", keys.Select(k => $"'{k}'"))}";

    // The tensors of the four networks (with suffix "" or "_s") and the style average, by official state-dict name, each
    // checked to be readable (type, extent) but read from the file only when written.
    private static Dictionary<string, OfficialTensor> Arrays(TorchCheckpoint checkpoint, Hashtable models, string suffix)
    {
        var arrays = new Dictionary<string, OfficialTensor>(StringComparer.Ordinal);
        foreach (string prefix in OfficialCheckpointLayout.NetworkPrefixes) AddModule(checkpoint, models, OfficialCheckpointLayout.Module(prefix) + suffix, prefix, arrays);
        AddModule(checkpoint, models, AverageModule, AverageModule + ".", arrays);
        return arrays;
    }

    private static void AddModule(TorchCheckpoint checkpoint, Hashtable models, string module, string prefix, Dictionary<string, OfficialTensor> arrays)
    {
        if (models[module] is not Hashtable stateDict)
            throw new InvalidDataException($"{checkpoint.Path}: '{ModelsKey}.{module}' is not a state dict.");
        foreach (DictionaryEntry entry in stateDict)
        {
            string where = $"{ModelsKey}.{module}.{entry.Key}";
            if (entry.Value is not TorchTensor tensor)
                throw new InvalidDataException($"{checkpoint.Path}: '{where}' is not a tensor.");
            checkpoint.Validate(tensor, where);   // also bounds every extent (a damaged file's is refused by name)
            var shape = tensor.Shape.Select(d => (int)d).ToArray();
            arrays[prefix + entry.Key] = new OfficialTensor(shape, values => checkpoint.Read(tensor, where, values));
        }
    }
}
