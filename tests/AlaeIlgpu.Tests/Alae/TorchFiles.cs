using System.IO.Compression;
using System.Text;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>
/// Hand-made PyTorch checkpoints for the reader's tests (no Python needed): a protocol-2 pickle written opcode by
/// opcode, zip archives in PyTorch's layout, and edits of the fixture's archives with the CRCs made right again.
/// </summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream _bytes = new();

    public PickleWriter() => Op(0x80).Op(2);   // PROTO 2

    public PickleWriter Op(char opcode)
    {
        _bytes.WriteByte((byte)opcode);
        return this;
    }

    public PickleWriter Op(byte opcode)
    {
        _bytes.WriteByte(opcode);
        return this;
    }

    /// <summary>BINUNICODE.</summary>
    public PickleWriter Text(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        Op('X')._bytes.Write(BitConverter.GetBytes(utf8.Length));
        _bytes.Write(utf8);
        return this;
    }

    /// <summary>BININT1.</summary>
    public PickleWriter Int(byte value) => Op('K').Op(value);

    /// <summary>GLOBAL module name.</summary>
    public PickleWriter Global(string module, string name)
    {
        Op('c')._bytes.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        return this;
    }

    /// <summary>
    /// _rebuild_tensor_v2(storage KEY of CLASS with COUNT elements, offset, size, stride, False, OrderedDict()) as
    /// torch.save writes it.
    /// </summary>
    public PickleWriter Tensor(string storageClass, string key, byte count, byte offset, byte[] size, byte[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Op('(');
        Op('(').Text("storage").Global("torch", storageClass).Text(key).Text("cpu").Int(count).Op('t').Op('Q');
        Int(offset).Op('(');
        foreach (byte d in size) Int(d);
        Op('t').Op('(');
        foreach (byte s in stride) Int(s);
        return Op('t').Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R');
    }

    public byte[] Stop() => [.. _bytes.ToArray(), (byte)'.'];
}

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
