using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Serialization;

namespace AlaeIlgpu.Alae.Training;

/// <summary>What a checkpoint's header says: the model kind, the iteration and the trainer's own counters.</summary>
/// <param name="Model">The model kind (<see cref="IModelKind.Name"/>), for example "mlp".</param>
/// <param name="Iteration">Completed iterations.</param>
/// <param name="State">The trainer's other state (noise offset, optimizer step counts, image shape...) as JSON.</param>
public sealed record CheckpointHeader(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("iteration")] int Iteration,
    [property: JsonPropertyName("state")] JsonNode? State)
{
    /// <summary>The trainer state as <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidDataException">The state is missing or does not fit <typeparamref name="T"/> (names <paramref name="path"/>).</exception>
    public T ReadState<T>(string path) where T : class
    {
        try
        {
            return State?.Deserialize<T>() ?? throw new InvalidDataException($"{path}: the checkpoint's metadata has no trainer state.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path}: the checkpoint's metadata is damaged: {error.Message}", error);
        }
    }
}

/// <summary>
/// Checkpoint files: a <see cref="TensorArchive"/> (per-tensor checksums) whose metadata is a
/// <see cref="CheckpointHeader"/>, written atomically. Loading checks the model kind, each tensor's shape and
/// checksum, and that every value is finite, naming the file and the tensor at fault.
/// </summary>
public static class Checkpoint
{
    // Headers of checkpoints written before the model kind was recorded: their format string names the model.
    private static readonly Dictionary<string, string> LegacyFormats = new() { ["mlp-alae/1"] = "mlp" };

    /// <summary>Writes <paramref name="contents"/> with a header of <paramref name="model"/>, <paramref name="iteration"/> and <paramref name="state"/>.</summary>
    public static void Save<TState>(string path, string model, int iteration, TState state, CheckpointContents contents) =>
        Save(path, model, iteration, state, contents.Entries.Select(e => TensorArchiveEntry.Of(e.Name, e.Value)).ToList());

    /// <summary>
    /// Writes <paramref name="entries"/> (their values produced as each is written) with a header of
    /// <paramref name="model"/>, <paramref name="iteration"/> and <paramref name="state"/>.
    /// </summary>
    public static void Save<TState>(string path, string model, int iteration, TState state, IReadOnlyList<TensorArchiveEntry> entries)
    {
        var header = new CheckpointHeader(model, iteration, JsonSerializer.SerializeToNode(state));
        AtomicFile.Write(path, stream => TensorArchive.Write(stream, JsonSerializer.Serialize(header), entries));
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> into the tensors of <paramref name="contents"/> (only those
    /// entries are read; others in the file, such as optimizer state, are skipped) and returns its header. An optimizer
    /// whose entries the file lacks altogether gets zero moments (<see cref="CheckpointContents.Optimizers"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is damaged, belongs to another model kind, lacks an entry, has another shape, or holds a NaN or
    /// infinity (the message names the file and the tensor).
    /// </exception>
    public static CheckpointHeader Load(string path, string model, CheckpointContents contents)
    {
        var wanted = contents.Entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        (string Metadata, Dictionary<string, (int[] Shape, float[] Data)> Entries) archive;
        using (var stream = File.OpenRead(path)) archive = TensorArchive.Read(stream, path, wanted.Contains);
        var header = ParseHeader(archive.Metadata, path);
        if (header.Model != model)
            throw new InvalidDataException($"{path}: a checkpoint of model '{header.Model}', not '{model}'.");
        var absent = contents.Optimizers.Where(o => o.All(e => !archive.Entries.ContainsKey(e.Name))).SelectMany(o => o).ToArray();
        foreach (var (_, tensor) in absent) tensor.Backend.Fill(tensor.Storage, 0f);
        foreach (var (name, tensor) in contents.Entries.Except(absent))
        {
            if (archive.Entries.TryGetValue(name, out var entry)) CheckFinite(entry.Data, name, path);
            TensorArchive.Load(archive.Entries, name, tensor, path);
        }
        return header;
    }

    /// <summary>The header of the checkpoint at <paramref name="path"/>, without reading its tensors.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint or is damaged.</exception>
    public static CheckpointHeader ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        return ParseHeader(TensorArchive.Read(stream, path, _ => false).Metadata, path);
    }

    private static void CheckFinite(float[] data, string name, string path)
    {
        int bad = Array.FindIndex(data, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new InvalidDataException($"{path}: entry '{name}' holds {data[bad]} at index {bad}; a checkpoint must hold finite values.");
    }

    private static CheckpointHeader ParseHeader(string metadata, string path)
    {
        try
        {
            var node = JsonNode.Parse(metadata) as JsonObject
                ?? throw new InvalidDataException($"{path}: the checkpoint's metadata is not a JSON object.");
            if (node["Format"]?.GetValue<string>() is { } format)
                return LegacyFormats.TryGetValue(format, out string? model)
                    ? new CheckpointHeader(model, node["Iteration"]?.GetValue<int>() ?? 0, node)
                    : throw new InvalidDataException($"{path}: unknown checkpoint format '{format}'.");
            return node.Deserialize<CheckpointHeader>() is { Model: not null } header
                ? header
                : throw new InvalidDataException($"{path}: the checkpoint's metadata names no model.");
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: the checkpoint's metadata is damaged: {error.Message}", error);
        }
    }
}
