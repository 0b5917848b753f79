using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// Writes a zip of stored (uncompressed) members the way <c>torch.save</c>'s writer (PyTorchStreamWriter on miniz) lays
/// them out: every member's data starts at a multiple of <see cref="Alignment"/> bytes, the local header padding up to
/// it with an extra field <c>FB</c> of <c>Z</c> bytes; the CRC-32 and sizes follow the data in a data descriptor (flag
/// bits 3 and 11, as PyTorch sets them); the central directory and its end record close the file. A file of 4 GiB or
/// more would need zip64, which this writer refuses.
/// </summary>
public sealed class AlignedZipWriter
{
    /// <summary>The alignment of every member's data in the file, PyTorch's (so that its loader can map storages).</summary>
    public const int Alignment = 64;

    private const uint LocalSignature = 0x04034b50, DescriptorSignature = 0x08074b50;
    private const uint CentralSignature = 0x02014b50, EndSignature = 0x06054b50;
    private const ushort Flags = 0x0808;   // data descriptor follows the data; UTF-8 names
    private const int LocalHeaderSize = 30, CentralHeaderSize = 46, EndSize = 22, DescriptorSize = 16, ExtraHeaderSize = 4;
    private readonly Stream _stream;
    private readonly string _path;
    private readonly List<(byte[] Name, uint Crc, uint Size, uint Offset)> _members = [];
    private long _position;

    /// <summary>Starts a zip at the beginning of <paramref name="stream"/>; <paramref name="path"/> names it in errors.</summary>
    public AlignedZipWriter(Stream stream, string path) => (_stream, _path) = (stream, path);

    /// <summary>Appends the member <paramref name="name"/> holding <paramref name="data"/>.</summary>
    /// <exception cref="IOException">The file would reach 4 GiB (names the file and the member).</exception>
    public void Add(string name, ReadOnlySpan<byte> data)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name);
        long offset = _position;
        int padding = Padding(offset + LocalHeaderSize + utf8.Length + ExtraHeaderSize);
        if (offset + LocalHeaderSize + utf8.Length + ExtraHeaderSize + padding + data.Length + DescriptorSize >= uint.MaxValue)
            throw new IOException($"{_path}: '{name}' would take the file past 4 GiB, which needs zip64; it is not written.");
        uint crc = Crc32.HashToUInt32(data);
        var header = new byte[LocalHeaderSize + utf8.Length + ExtraHeaderSize + padding];
        Put32(header, 0, LocalSignature);
        Put16(header, 6, Flags);
        Put16(header, 26, (ushort)utf8.Length);
        Put16(header, 28, (ushort)(ExtraHeaderSize + padding));
        utf8.CopyTo(header, LocalHeaderSize);
        int extra = LocalHeaderSize + utf8.Length;
        header[extra] = (byte)'F';
        header[extra + 1] = (byte)'B';
        Put16(header, extra + 2, (ushort)padding);
        header.AsSpan(extra + ExtraHeaderSize).Fill((byte)'Z');
        var descriptor = new byte[DescriptorSize];
        Put32(descriptor, 0, DescriptorSignature);
        Put32(descriptor, 4, crc);
        Put32(descriptor, 8, (uint)data.Length);
        Put32(descriptor, 12, (uint)data.Length);
        Write(header);
        Write(data);
        Write(descriptor);
        _members.Add((utf8, crc, (uint)data.Length, (uint)offset));
    }

    /// <summary>Writes the central directory and its end record; the zip is then complete.</summary>
    /// <exception cref="IOException">More members than a zip without zip64 holds.</exception>
    public void Finish()
    {
        if (_members.Count > ushort.MaxValue)
            throw new IOException($"{_path}: {_members.Count} members need zip64; it is not written.");
        long start = _position;
        foreach (var (name, crc, size, offset) in _members)
        {
            var header = new byte[CentralHeaderSize + name.Length];
            Put32(header, 0, CentralSignature);
            Put16(header, 8, Flags);
            Put32(header, 16, crc);
            Put32(header, 20, size);
            Put32(header, 24, size);
            Put16(header, 28, (ushort)name.Length);
            Put32(header, 42, offset);
            name.CopyTo(header, CentralHeaderSize);
            Write(header);
        }
        var end = new byte[EndSize];
        Put32(end, 0, EndSignature);
        Put16(end, 8, (ushort)_members.Count);
        Put16(end, 10, (ushort)_members.Count);
        Put32(end, 12, (uint)(_position - start));
        Put32(end, 16, (uint)start);
        Write(end);
    }

    // Bytes of padding that bring a data start to the next multiple of the alignment.
    private static int Padding(long dataStart) => (int)((Alignment - dataStart % Alignment) % Alignment);

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _position += bytes.Length;
    }

    private static void Put16(byte[] buffer, int at, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(at), value);

    private static void Put32(byte[] buffer, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at), value);
}
