using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace AlaeIlgpu.Serialization;

/// <summary>
/// A simple binary file of named float32 tensors plus a metadata string (JSON by convention): the checkpoint format.
/// Layout: magic "ALAETNSR", version, metadata, count, then per entry name, rank, extents, little-endian floats and
/// (from version 2) an 8-byte checksum of those floats, verified on read. Version 1 files (no checksums) still read.
/// </summary>
public static class TensorArchive
{
    private const string Magic = "ALAETNSR";
    private const int Version = 2;
    private const int FirstVersionWithChecksums = 2;
    private const int MaxRank = 8;

    /// <summary>Writes the entries and metadata to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, string metadata, IEnumerable<(string Name, Tensor Value)> entries) =>
        Write(stream, metadata, entries.Select(e => TensorArchiveEntry.Of(e.Name, e.Value)).ToList());

    /// <summary>
    /// Writes the entries and metadata to <paramref name="stream"/>, each entry's values produced as it is written
    /// (through one buffer of the largest entry's size), so no entry needs to be in memory beforehand.
    /// </summary>
    public static void Write(Stream stream, string metadata, IReadOnlyList<TensorArchiveEntry> entries)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Encoding.ASCII.GetBytes(Magic));
        w.Write(Version);
        w.Write(metadata);
        w.Write(entries.Count);
        var host = new float[entries.Count == 0 ? 0 : entries.Max(e => e.Shape.Count)];   // one buffer for every entry's values
        foreach (var entry in entries)
        {
            w.Write(entry.Name);
            w.Write(entry.Shape.Rank);
            foreach (int d in entry.Shape.Dims) w.Write(d);
            var values = host.AsSpan(0, entry.Shape.Count);
            entry.Fill(values);
            var bytes = MemoryMarshal.AsBytes(values);
            w.Write(bytes);
            w.Write(Checksum(bytes));
        }
    }

    /// <summary>
    /// Reads an archive: the metadata and each entry's shape and data, verifying each entry's checksum. Entries for
    /// which <paramref name="include"/> returns false are skipped without being read into memory.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The stream is not an archive of a known version, is truncated or damaged, or an entry fails its checksum (the
    /// message names <paramref name="sourceName"/> and the entry).
    /// </exception>
    public static (string Metadata, Dictionary<string, (int[] Shape, float[] Data)> Entries) Read(Stream stream, string sourceName, Func<string, bool>? include = null)
    {
        try
        {
            using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            string magic = Encoding.ASCII.GetString(r.ReadBytes(Magic.Length));
            if (magic != Magic) throw new InvalidDataException($"{sourceName}: not a tensor archive (magic '{magic}').");
            int version = r.ReadInt32();
            if (version is < 1 or > Version) throw new InvalidDataException($"{sourceName}: archive version {version}, expected 1 to {Version}.");
            string metadata = r.ReadString();
            int count = r.ReadInt32();
            if (count < 0) throw new InvalidDataException($"{sourceName}: the archive is damaged (entry count {count}).");
            var entries = new Dictionary<string, (int[], float[])>();
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                var shape = ReadShape(r, name, sourceName);
                bool checksummed = version >= FirstVersionWithChecksums;
                if (include is null || include(name)) entries[name] = (shape, ReadData(r, shape, checksummed, name, sourceName));
                else Skip(r, 4L * new TensorShape(shape).Count + (checksummed ? sizeof(ulong) : 0));
            }
            return (metadata, entries);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{sourceName}: the archive is truncated.");
        }
        catch (FormatException error)   // a damaged string length prefix
        {
            throw new InvalidDataException($"{sourceName}: the archive is damaged: {error.Message}", error);
        }
    }

    private static float[] ReadData(BinaryReader r, int[] shape, bool checksummed, string name, string sourceName)
    {
        var data = new float[new TensorShape(shape).Count];
        var bytes = MemoryMarshal.AsBytes(data.AsSpan());
        r.BaseStream.ReadExactly(bytes);
        if (!checksummed) return data;
        ulong stored = r.ReadUInt64(), actual = Checksum(bytes);
        if (stored != actual)
            throw new InvalidDataException($"{sourceName}: entry '{name}' fails its checksum (stored {stored:x16}, computed {actual:x16}); the file was edited or damaged.");
        return data;
    }

    private static void Skip(BinaryReader r, long bytes)
    {
        if (r.BaseStream.CanSeek)
        {
            if (r.BaseStream.Position + bytes > r.BaseStream.Length) throw new EndOfStreamException();
            r.BaseStream.Seek(bytes, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[81920];
        for (long left = bytes; left > 0; left -= buffer.Length)
            r.BaseStream.ReadExactly(buffer, 0, (int)Math.Min(left, buffer.Length));
    }

    // The first 8 bytes of SHA-256 (in the framework, hardware-accelerated): enough to catch damage and hand edits.
    private static ulong Checksum(ReadOnlySpan<byte> bytes) => BitConverter.ToUInt64(SHA256.HashData(bytes), 0);

    // Rank and extents are checked against the bytes left, so a damaged header gives a message, not a huge allocation.
    private static int[] ReadShape(BinaryReader r, string name, string sourceName)
    {
        int rank = r.ReadInt32();
        if (rank is < 0 or > MaxRank)
            throw new InvalidDataException($"{sourceName}: entry '{name}' has rank {rank}; the archive is damaged.");
        var shape = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            shape[d] = r.ReadInt32();
            if (shape[d] < 0)
                throw new InvalidDataException($"{sourceName}: entry '{name}' has extent {shape[d]} in dimension {d}; the archive is damaged.");
            count *= shape[d];
            if (count > int.MaxValue)
                throw new InvalidDataException($"{sourceName}: entry '{name}' has extents [{string.Join(", ", shape[..(d + 1)])}] of more than {int.MaxValue} elements; the archive is damaged.");
        }
        long left = r.BaseStream.CanSeek ? r.BaseStream.Length - r.BaseStream.Position : long.MaxValue;
        if (4 * count > left)
            throw new InvalidDataException($"{sourceName}: entry '{name}' has extents [{string.Join(", ", shape)}] needing {4 * count} bytes, but only {left} are left; the archive is truncated or damaged.");
        return shape;
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
