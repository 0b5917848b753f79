using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AlaeIlgpu.Alae.Data;

/// <summary>One level of a packed image file: its side, where its bytes lie and their SHA-256.</summary>
/// <param name="Resolution">Side of every image of the level.</param>
/// <param name="Offset">First byte of the level in the file.</param>
/// <param name="Length">Bytes of the level: count x channels x side x side.</param>
/// <param name="Sha256">SHA-256 of those bytes (32 bytes).</param>
public sealed record PackedLevel(int Resolution, long Offset, long Length, byte[] Sha256);

/// <summary>
/// The header of a packed image file (see <c>docs/datasets.md</c>): everything little-endian,
/// <code>
///  0   8  magic "ALAEPACK"
///  8   4  format version (1)
/// 12   4  channels (1 or 3)
/// 16   4  top resolution R (a power of two, 4 ... 8192)
/// 20   4  level count L = log2(R) - 1
/// 24   8  image count N (1 ... 2^31 - 1)
/// 32  56L level table, smallest level first: side u32, reserved u32 (0), offset u64, length u64, SHA-256 (32 bytes)
/// ..  32  SHA-256 of the header bytes before it
/// </code>
/// then zeros up to <see cref="DataStart"/>, then the levels, largest first, each N images [C, side, side] back to back.
/// </summary>
public sealed record PackedImageLayout
{
    /// <summary>The eight bytes that open every packed file.</summary>
    public static ReadOnlySpan<byte> Magic => "ALAEPACK"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const uint FormatVersion = 1;

    /// <summary>Levels start at a multiple of this many bytes.</summary>
    public const int Alignment = 4096;

    private const int FixedFieldsSize = 32;
    private const int LevelEntrySize = 56;
    private const int HashSize = 32;

    /// <summary>Images in the set.</summary>
    public required int Count { get; init; }

    /// <summary>Colour channels.</summary>
    public required int Channels { get; init; }

    /// <summary>Side of the top level.</summary>
    public required int Resolution { get; init; }

    /// <summary>The levels, smallest first.</summary>
    public required IReadOnlyList<PackedLevel> Levels { get; init; }

    /// <summary>Bytes of the header proper (fixed fields, level table and header hash) for a top side.</summary>
    public static int HeaderSize(int resolution) =>
        FixedFieldsSize + LevelPyramid.Resolutions(resolution).Length * LevelEntrySize + HashSize;

    /// <summary>Offset of the first level (the header rounded up to <see cref="Alignment"/>).</summary>
    public static long DataStart(int resolution) => (HeaderSize(resolution) + Alignment - 1) / Alignment * Alignment;

    /// <summary>Bytes of one image of side <paramref name="resolution"/>.</summary>
    public static long ImageBytes(int channels, int resolution) => (long)channels * resolution * resolution;

    /// <summary>
    /// Where each level lies for <paramref name="count"/> images: levels stored largest first from
    /// <see cref="DataStart"/>, returned smallest first as (side, offset, length).
    /// </summary>
    public static (int Resolution, long Offset, long Length)[] Placement(int count, int channels, int resolution)
    {
        int[] sides = LevelPyramid.Resolutions(resolution);
        var placement = new (int, long, long)[sides.Length];
        long offset = DataStart(resolution);
        for (int i = sides.Length - 1; i >= 0; i--)
        {
            long length = checked(count * ImageBytes(channels, sides[i]));
            placement[i] = (sides[i], offset, length);
            offset = checked(offset + length);
        }
        return placement;
    }

    /// <summary>The byte after the last level: the exact length of a complete file.</summary>
    public long FileLength => Levels.Max(level => level.Offset + level.Length);

    /// <summary>The header bytes (<see cref="HeaderSize"/> of them).</summary>
    public byte[] Encode()
    {
        byte[] header = new byte[HeaderSize(Resolution)];
        Span<byte> span = header;
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)Resolution);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)Levels.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], (ulong)Count);
        for (int i = 0; i < Levels.Count; i++)
        {
            Span<byte> entry = span.Slice(FixedFieldsSize + i * LevelEntrySize, LevelEntrySize);
            BinaryPrimitives.WriteUInt32LittleEndian(entry, (uint)Levels[i].Resolution);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], (ulong)Levels[i].Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[16..], (ulong)Levels[i].Length);
            Levels[i].Sha256.CopyTo(entry[24..]);
        }
        SHA256.HashData(span[..^HashSize], span[^HashSize..]);
        return header;
    }

    /// <summary>
    /// Reads and checks the header at the start of <paramref name="handle"/>: magic, version, sizes, the header hash,
    /// that the levels lie where <see cref="Placement"/> puts them, and that the file holds exactly their bytes.
    /// </summary>
    /// <exception cref="InvalidDataException">Anything is wrong; the message names <paramref name="path"/> and what.</exception>
    public static PackedImageLayout Decode(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path)
    {
        long fileLength = RandomAccess.GetLength(handle);
        byte[] fixedFields = ReadHeaderBytes(handle, path, FixedFieldsSize, fileLength);
        if (!fixedFields.AsSpan(0, 8).SequenceEqual(Magic))
            throw Bad(path, "not a packed image file (bad magic; expected \"ALAEPACK\")");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(fixedFields.AsSpan(8));
        if (version != FormatVersion)
            throw Bad(path, $"format version {version} is not supported (this build reads version {FormatVersion})");
        uint channels = BinaryPrimitives.ReadUInt32LittleEndian(fixedFields.AsSpan(12));
        uint resolution = BinaryPrimitives.ReadUInt32LittleEndian(fixedFields.AsSpan(16));
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(fixedFields.AsSpan(24));
        if (channels is not (1 or 3)) throw Bad(path, $"header says {channels} channels; expected 1 or 3");
        if (resolution > LevelPyramid.LargestSide || !LevelPyramid.IsValidResolution((int)resolution))
            throw Bad(path, $"header says resolution {resolution}; expected a power of two in [{LevelPyramid.SmallestSide}, {LevelPyramid.LargestSide}]");
        if (count is 0 or > int.MaxValue) throw Bad(path, $"header says {count} images; expected 1 to {int.MaxValue}");
        byte[] header = ReadHeaderBytes(handle, path, HeaderSize((int)resolution), fileLength);
        if (!SHA256.HashData(header.AsSpan(0, header.Length - HashSize)).AsSpan().SequenceEqual(header.AsSpan(header.Length - HashSize)))
            throw Bad(path, "the header's checksum does not match (the header is damaged)");
        var layout = new PackedImageLayout
        {
            Count = (int)count, Channels = (int)channels, Resolution = (int)resolution,
            Levels = DecodeLevels(header, path, (int)count, (int)channels, (int)resolution),
        };
        if (fileLength < layout.FileLength)
        {
            PackedLevel cut = layout.Levels.First(level => level.Offset + level.Length > fileLength);
            throw Bad(path, $"truncated: level {cut.Resolution}x{cut.Resolution} needs bytes up to {cut.Offset + cut.Length} but the file has {fileLength}");
        }
        if (fileLength > layout.FileLength)
            throw Bad(path, $"{fileLength - layout.FileLength} unexpected bytes after the last level");
        return layout;
    }

    /// <summary>An <see cref="InvalidDataException"/> that names the file and the problem.</summary>
    public static InvalidDataException Bad(string path, string problem) => new($"{path}: {problem}.");

    private static PackedLevel[] DecodeLevels(byte[] header, string path, int count, int channels, int resolution)
    {
        uint levelCount = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(20));
        var placement = Placement(count, channels, resolution);
        if (levelCount != placement.Length)
            throw Bad(path, $"header lists {levelCount} levels; a {resolution}x{resolution} set has {placement.Length}");
        var levels = new PackedLevel[placement.Length];
        for (int i = 0; i < levels.Length; i++)
        {
            ReadOnlySpan<byte> entry = header.AsSpan(FixedFieldsSize + i * LevelEntrySize, LevelEntrySize);
            var level = new PackedLevel((int)BinaryPrimitives.ReadUInt32LittleEndian(entry),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]),
                entry[24..].ToArray());
            if ((level.Resolution, level.Offset, level.Length) != placement[i])
                throw Bad(path, $"level table entry {i} says side {level.Resolution}, offset {level.Offset}, length {level.Length}; expected {placement[i]}");
            levels[i] = level;
        }
        return levels;
    }

    private static byte[] ReadHeaderBytes(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, int size, long fileLength)
    {
        if (fileLength < size) throw Bad(path, $"truncated: {fileLength} bytes is shorter than the {size}-byte header");
        byte[] bytes = new byte[size];
        FileBytes.ReadExactly(handle, bytes, 0, path);
        return bytes;
    }
}
