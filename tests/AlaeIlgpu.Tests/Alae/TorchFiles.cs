using System.IO.Compression;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>
/// Hand-made PyTorch checkpoints for the reader's tests (no Python needed; their pickles are written opcode by opcode
/// with the production <see cref="AlaeIlgpu.Alae.IO.TorchPickleWriter"/>): zip archives in PyTorch's layout, and edits
/// of the fixture's archives with the CRCs made right again.
/// </summary>
internal static class TorchFiles
{
    /// <summary>A zip checkpoint in PyTorch's layout: archive/data.pkl, archive/version and archive/data/KEY per storage.</summary>
    public static void WriteZip(string path, byte[] pickle, IReadOnlyDictionary<string, byte[]> storages)
    {
        var members = new List<(string, byte[])> { ("archive/data.pkl", pickle), ("archive/version", "3\n"u8.ToArray()) };
        members.AddRange(storages.Select(s => ($"archive/data/{s.Key}", s.Value)));
        WriteMembers(path, members);
    }

    /// <summary>Copies the zip <paramref name="source"/> to <paramref name="path"/> with each member's bytes passed through <paramref name="edit"/> (new CRCs).</summary>
    public static void EditZip(string source, string path, Func<string, byte[], byte[]> edit)
    {
        using var archive = ZipFile.OpenRead(source);
        WriteMembers(path, archive.Entries.Select(e =>
        {
            using var stream = e.Open();
            var bytes = new byte[e.Length];
            stream.ReadExactly(bytes);
            return (e.FullName, edit(e.FullName, bytes));
        }).ToList());
    }

    /// <summary>A copy of <paramref name="bytes"/> with match number <paramref name="occurrence"/> (from 0) of <paramref name="from"/> replaced by <paramref name="to"/> (same length).</summary>
    public static byte[] Replace(byte[] bytes, byte[] from, byte[] to, int occurrence = 0)
    {
        Assert.Equal(from.Length, to.Length);
        int at = -1;
        for (int i = 0; i <= occurrence; i++)
        {
            at = bytes.AsSpan(at + 1).IndexOf(from) is var next and >= 0 ? at + 1 + next : throw new InvalidOperationException("pattern not found");
        }
        var copy = bytes.ToArray();
        to.CopyTo(copy, at);
        return copy;
    }

    private static void WriteMembers(string path, IReadOnlyList<(string Name, byte[] Bytes)> members)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in members)
        {
            using var stream = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
            stream.Write(bytes);
        }
    }
}
