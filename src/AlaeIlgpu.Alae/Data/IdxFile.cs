using System.Buffers.Binary;
using System.IO.Compression;

namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// An unsigned-byte IDX array (the MNIST file format): a shape and its elements in row-major order.
/// </summary>
/// <param name="Dimensions">The sizes of the dimensions, outermost first, for example <c>[count, 28, 28]</c>.</param>
/// <param name="Data">The elements, as many as the product of <paramref name="Dimensions"/>.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data)
{
    /// <summary>The size of the first dimension (the item count in MNIST files).</summary>
    public int Count => Dimensions[0];
}

/// <summary>
/// Reads and writes IDX files of unsigned bytes (MNIST's <c>*-idx3-ubyte</c> images and <c>*-idx1-ubyte</c>
/// labels), plain or gzip-compressed. Compression is recognised by the gzip signature, not the file name.
/// Every malformed input throws <see cref="InvalidDataException"/> with a message that starts with the file name.
/// </summary>
/// <remarks>
/// Layout: a big-endian magic number <c>0x0000TTDD</c> (TT = element type, 0x08 for unsigned bytes; DD = number of
/// dimensions), DD big-endian 32-bit sizes, then the elements.
/// </remarks>
public static class IdxFile
{
    /// <summary>The magic number of a 3-dimensional unsigned-byte file: MNIST images <c>[count, rows, columns]</c>.</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The magic number of a 1-dimensional unsigned-byte file: MNIST labels <c>[count]</c>.</summary>
    public const int LabelsMagic = 0x00000801;

    private const int UnsignedByteType = 0x08;
    private const int MaxDimensions = 8;

    /// <summary>Reads an IDX file of any dimension count.</summary>
    /// <param name="path">The file, plain or gzip-compressed.</param>
    /// <param name="expectedMagic">The magic number the file must have, or null to accept any unsigned-byte IDX file.</param>
    public static IdxArray Read(string path, int? expectedMagic = null)
    {
        using FileStream file = File.OpenRead(path);
        return Read(file, path, expectedMagic);
    }

    /// <summary>
    /// Reads an IDX array from a seekable stream (plain or gzip-compressed), naming it <paramref name="name"/> in
    /// errors. The stream is left open.
    /// </summary>
    public static IdxArray Read(Stream stream, string name, int? expectedMagic = null)
    {
        if (!stream.CanSeek) throw new ArgumentException("IDX streams must be seekable.", nameof(stream));
        using GZipStream? decompressed = StartsWithGzipSignature(stream)
            ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true)
            : null;
        Stream content = decompressed ?? stream;
        try
        {
            int magic = ReadHeaderInt(content, name, "the magic number");
            CheckMagic(name, magic, expectedMagic);
            int[] dimensions = ReadDimensions(content, name, magic & 0xFF);
            long length = ElementCount(name, dimensions);
            return new IdxArray(dimensions, ReadElements(content, name, dimensions, length));
        }
        catch (InvalidDataException error) when (!error.Message.StartsWith(name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: corrupt gzip data: {error.Message}", error);
        }
    }

    /// <summary>Reads MNIST images: a 3-dimensional file with magic <see cref="ImagesMagic"/>.</summary>
    public static IdxArray ReadImages(string path) => Read(path, ImagesMagic);

    /// <summary>Reads MNIST labels: a 1-dimensional file with magic <see cref="LabelsMagic"/>.</summary>
    public static IdxArray ReadLabels(string path) => Read(path, LabelsMagic);

    /// <summary>Writes an unsigned-byte IDX file, gzip-compressed when <paramref name="path"/> ends in <c>.gz</c>.</summary>
    public static void Write(string path, IdxArray array)
    {
        using FileStream file = File.Create(path);
        Write(file, array, path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Writes an unsigned-byte IDX array to a stream, optionally gzip-compressed.</summary>
    public static void Write(Stream stream, IdxArray array, bool gzip)
    {
        ValidateForWrite(array);
        using Stream target = gzip ? new GZipStream(stream, CompressionLevel.SmallestSize, leaveOpen: true) : stream;
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, (UnsignedByteType << 8) | array.Dimensions.Length);
        target.Write(word);
        foreach (int size in array.Dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, size);
            target.Write(word);
        }
        target.Write(array.Data);
    }

    private static void ValidateForWrite(IdxArray array)
    {
        if (array.Dimensions.Length is < 1 or > MaxDimensions)
            throw new ArgumentException($"An IDX array needs 1 to {MaxDimensions} dimensions, not {array.Dimensions.Length}.");
        long product = 1;
        foreach (int size in array.Dimensions)
        {
            if (size < 0) throw new ArgumentException($"IDX dimension sizes must be non-negative, not {size}.");
            product *= size;
        }
        if (product != array.Data.Length)
            throw new ArgumentException($"The IDX dimensions [{string.Join(", ", array.Dimensions)}] hold {product} elements but the data has {array.Data.Length}.");
    }

    private static bool StartsWithGzipSignature(Stream stream)
    {
        long start = stream.Position;
        Span<byte> signature = stackalloc byte[2];
        int read = stream.ReadAtLeast(signature, 2, throwOnEndOfStream: false);
        stream.Position = start;
        return read == 2 && signature[0] == 0x1F && signature[1] == 0x8B;
    }

    private static void CheckMagic(string name, int magic, int? expectedMagic)
    {
        if (expectedMagic is int expected && magic != expected)
            throw new InvalidDataException($"{name}: expected magic 0x{expected:X8} ({Describe(expected)}) but found 0x{magic:X8}.");
        int type = (magic >> 8) & 0xFF;
        if ((magic >>> 16) != 0 || type != UnsignedByteType)
            throw new InvalidDataException($"{name}: magic 0x{magic:X8} is not an unsigned-byte IDX file (expected 0x000008DD).");
        int dimensions = magic & 0xFF;
        if (dimensions is < 1 or > MaxDimensions)
            throw new InvalidDataException($"{name}: magic 0x{magic:X8} declares {dimensions} dimensions; 1 to {MaxDimensions} are supported.");
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "IDX3 images",
        LabelsMagic => "IDX1 labels",
        _ => $"IDX{magic & 0xFF}",
    };

    private static int[] ReadDimensions(Stream content, string name, int count)
    {
        var dimensions = new int[count];
        for (int i = 0; i < count; i++)
        {
            dimensions[i] = ReadHeaderInt(content, name, $"dimension {i}");
            if (dimensions[i] < 0)
                throw new InvalidDataException($"{name}: dimension {i} has size {(uint)dimensions[i]}, more than IDX readers here support.");
        }
        return dimensions;
    }

    private static long ElementCount(string name, int[] dimensions)
    {
        long product = 1;
        foreach (int size in dimensions)
        {
            product *= size;
            if (product > Array.MaxLength)
                throw new InvalidDataException($"{name}: dimensions [{string.Join(", ", dimensions)}] declare more than {Array.MaxLength} bytes.");
        }
        return product;
    }

    private static byte[] ReadElements(Stream content, string name, int[] dimensions, long length)
    {
        var data = new byte[length];
        int read = content.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        string shape = string.Join(" x ", dimensions);
        if (read < data.Length)
            throw new InvalidDataException($"{name}: truncated: the header declares {shape} = {length} bytes of data but only {read} follow.");
        Span<byte> probe = stackalloc byte[1];
        if (content.Read(probe) != 0)
            throw new InvalidDataException($"{name}: the header declares {shape} = {length} bytes of data but more bytes follow.");
        return data;
    }

    private static int ReadHeaderInt(Stream content, string name, string what)
    {
        Span<byte> word = stackalloc byte[4];
        if (content.ReadAtLeast(word, 4, throwOnEndOfStream: false) < 4)
            throw new InvalidDataException($"{name}: truncated header: the file ends before {what}.");
        return BinaryPrimitives.ReadInt32BigEndian(word);
    }
}
