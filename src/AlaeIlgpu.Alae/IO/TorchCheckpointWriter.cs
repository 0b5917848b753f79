using System.Buffers.Binary;

namespace AlaeIlgpu.Alae.IO;

/// <summary>A dictionary to save: a plain <c>dict</c> or a <c>collections.OrderedDict</c> (as state dicts are), items in order.</summary>
/// <param name="Items">Keys and values; a value is a <see cref="TorchDict"/> or a <see cref="TorchSaveTensor"/>.</param>
/// <param name="Ordered">True for an OrderedDict.</param>
public sealed record TorchDict(IReadOnlyList<KeyValuePair<string, object>> Items, bool Ordered = false);

/// <summary>A float32 tensor to save, contiguous in C order; its values are asked for once, when its storage is written.</summary>
/// <param name="Shape">Extents, outermost first.</param>
/// <param name="Values">Produces the values (as many as the shape holds).</param>
public sealed record TorchSaveTensor(int[] Shape, Func<float[]> Values);

/// <summary>
/// Writes a checkpoint as <c>torch.save</c> does (the zip format of PyTorch 1.6 and later): <c>archive/data.pkl</c>, a
/// protocol-2 pickle in which every tensor is <c>torch._utils._rebuild_tensor_v2</c> of a persistent id
/// <c>('storage', torch.FloatStorage, KEY, 'cpu', count)</c>, then <c>archive/byteorder</c>, one stored (uncompressed)
/// member <c>archive/data/KEY</c> per tensor with its little-endian float32 bytes, and <c>archive/version</c>, each
/// member's data 64-byte aligned as PyTorch aligns it (<see cref="AlignedZipWriter"/>). Storages are written one at a
/// time, so memory beyond the caller's tensors is one tensor's bytes.
/// </summary>
public static class TorchCheckpointWriter
{
    private const string Prefix = "archive/";
    private const string FormatVersion = "3\n";

    /// <summary>Writes <paramref name="root"/> to <paramref name="path"/> atomically (a failed write leaves no file).</summary>
    /// <exception cref="ArgumentException">A value is neither a dictionary nor a tensor, or a tensor's values do not fill its shape (names the key).</exception>
    public static void Write(string path, TorchDict root)
    {
        var tensors = new List<(string Key, TorchSaveTensor Tensor)>();
        var pickle = new TorchPickleWriter();
        WriteDict(pickle, root, "", tensors);
        byte[] bytes = pickle.Finish();
        AtomicFile.Write(path, stream =>
        {
            var zip = new AlignedZipWriter(stream, path);
            zip.Add(Prefix + "data.pkl", bytes);
            zip.Add(Prefix + "byteorder", "little"u8);
            for (int i = 0; i < tensors.Count; i++) zip.Add($"{Prefix}data/{i}", StorageBytes(tensors[i].Tensor, tensors[i].Key));
            zip.Add(Prefix + "version", System.Text.Encoding.ASCII.GetBytes(FormatVersion));
            zip.Finish();
        });
    }

    private static void WriteDict(TorchPickleWriter pickle, TorchDict dict, string where, List<(string, TorchSaveTensor)> tensors)
    {
        if (dict.Ordered) pickle.Global("collections", "OrderedDict").EmptyTuple().Reduce();
        else pickle.EmptyDict();
        if (dict.Items.Count == 0) return;
        pickle.Mark();
        foreach (var (key, value) in dict.Items)
        {
            string name = where.Length == 0 ? key : $"{where}.{key}";
            pickle.Text(key);
            switch (value)
            {
                case TorchDict inner: WriteDict(pickle, inner, name, tensors); break;
                case TorchSaveTensor tensor: WriteTensor(pickle, tensor, tensors.Count); tensors.Add((name, tensor)); break;
                default: throw new ArgumentException($"'{name}' is a {value?.GetType().Name ?? "null"}; only dictionaries and float tensors are saved.");
            }
        }
        pickle.SetItems();
    }

    // A contiguous float tensor over the whole of storage KEY.
    private static void WriteTensor(TorchPickleWriter pickle, TorchSaveTensor tensor, int key) =>
        pickle.RebuildTensor("FloatStorage", key.ToString(System.Globalization.CultureInfo.InvariantCulture),
            tensor.Shape.Aggregate(1L, (p, d) => p * d), 0, tensor.Shape.Select(d => (long)d), TorchStrides.Contiguous(tensor.Shape));

    private static byte[] StorageBytes(TorchSaveTensor tensor, string name)
    {
        float[] values = tensor.Values();
        long count = tensor.Shape.Aggregate(1L, (p, d) => p * d);
        if (values.Length != count)
            throw new ArgumentException($"'{name}' has shape ({string.Join(", ", tensor.Shape)}) but {values.Length} values.");
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return bytes;
    }
}
