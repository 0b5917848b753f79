using System.Text;

namespace AlaeIlgpu.Serialization;

/// <summary>
/// A simple binary file of named float32 tensors plus a metadata string (JSON by convention): the checkpoint format.
/// Layout: magic "ALAETNSR", version, metadata, count, then per entry name, rank, extents, little-endian floats.
/// </summary>
public static class TensorArchive
{
    private const string Magic = "ALAETNSR";
    private const int Version = 1;

    /// <summary>Writes the entries and metadata to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, string metadata, IEnumerable<(string Name, Tensor Value)> entries)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Encoding.ASCII.GetBytes(Magic));
        w.Write(Version);
        w.Write(metadata);
        var list = entries.ToList();
        w.Write(list.Count);
        foreach (var (name, value) in list)
        {
            w.Write(name);
            w.Write(value.Shape.Rank);
            foreach (int d in value.Shape.Dims) w.Write(d);
            var data = value.ToArray();
            w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        }
    }

    /// <summary>Reads an archive: the metadata and each entry's shape and data.</summary>
    /// <exception cref="InvalidDataException">The stream is not an archive of this version or is truncated.</exception>
    public static (string Metadata, Dictionary<string, (int[] Shape, float[] Data)> Entries) Read(Stream stream, string sourceName)
    {
        try
        {
            using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            string magic = Encoding.ASCII.GetString(r.ReadBytes(Magic.Length));
            if (magic != Magic) throw new InvalidDataException($"{sourceName}: not a tensor archive (magic '{magic}').");
            int version = r.ReadInt32();
            if (version != Version) throw new InvalidDataException($"{sourceName}: archive version {version}, expected {Version}.");
            string metadata = r.ReadString();
            int count = r.ReadInt32();
            var entries = new Dictionary<string, (int[], float[])>(count);
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                var shape = new int[r.ReadInt32()];
                for (int d = 0; d < shape.Length; d++) shape[d] = r.ReadInt32();
                var data = new float[new TensorShape(shape).Count];
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan());
                r.BaseStream.ReadExactly(bytes);
                entries[name] = (shape, data);
            }
            return (metadata, entries);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{sourceName}: the archive is truncated.");
        }
    }

    /// <summary>Copies an archive entry into an existing tensor after checking its shape.</summary>
    /// <exception cref="InvalidDataException">The entry is missing or has another shape.</exception>
    public static void Load(Dictionary<string, (int[] Shape, float[] Data)> entries, string name, Tensor target, string sourceName)
    {
        if (!entries.TryGetValue(name, out var entry))
            throw new InvalidDataException($"{sourceName}: entry '{name}' is missing.");
        var shape = new TensorShape(entry.Shape);
        if (!shape.Equals(target.Shape))
            throw new InvalidDataException($"{sourceName}: entry '{name}' has shape {shape}, the model expects {target.Shape}.");
        target.Backend.Upload(entry.Data, target.Storage);
    }
}
