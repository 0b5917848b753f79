using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// NumPy's <c>.npy</c> format (versions 1 to 3): reads little-endian float32 and float64 arrays in C order (float64 is
/// rounded to float32) and writes float32 ones (version 1). Anything else is refused with an error naming the file.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads the array in <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a little-endian float32/float64 C-order <c>.npy</c>; the message names it.</exception>
    public static NumpyArray Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads an array from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The content is not a little-endian float32/float64 C-order <c>.npy</c>.</exception>
    public static NumpyArray Read(Stream stream, string source)
    {
        var header = ReadHeader(stream, source);
        var (shape, elementSize) = ParseHeader(header, source);
        long count = shape.Aggregate(1L, (p, d) => p * d);
        if (count > Array.MaxLength) throw new InvalidDataException($"{source}: the array of shape ({string.Join(", ", shape)}) is too large.");
        var bytes = new byte[count * elementSize];
        stream.ReadExactly(bytes);
        var data = new float[count];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = elementSize == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))
                : (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8));
        }
        return new NumpyArray(shape, data);
    }

    /// <summary>Writes <paramref name="array"/> to <paramref name="path"/> as a little-endian float32 C-order <c>.npy</c> (atomically).</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static void Write(string path, NumpyArray array) => AtomicFile.Write(path, stream => Write(stream, array));

    /// <summary>Writes <paramref name="array"/> to <paramref name="stream"/> as a little-endian float32 C-order <c>.npy</c>.</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static void Write(Stream stream, NumpyArray array)
    {
        long count = array.Shape.Aggregate(1L, (p, d) => p * d);
        if (count != array.Data.Length)
            throw new ArgumentException($"npy: shape ({string.Join(", ", array.Shape)}) holds {count} values, the data has {array.Data.Length}.", nameof(array));
        string shape = array.Shape.Length == 1 ? $"({array.Shape[0]},)" : $"({string.Join(", ", array.Shape)})";
        string dictionary = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        // magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64 and ended by '\n'
        int padded = (10 + dictionary.Length + 1 + 63) / 64 * 64;
        string header = dictionary.PadRight(padded - 10 - 1) + "\n";
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
        var bytes = new byte[array.Data.Length * 4];
        for (int i = 0; i < array.Data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), array.Data[i]);
        stream.Write(bytes);
    }

    // The header dictionary text after the magic, version and length fields.
    private static string ReadHeader(Stream stream, string source)
    {
        var prefix = new byte[8];
        if (stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false) < prefix.Length || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{source}: not a NumPy .npy file (no \\x93NUMPY magic).");
        int major = prefix[6];
        if (major is < 1 or > 3) throw new InvalidDataException($"{source}: unsupported .npy version {major}.{prefix[7]}.");
        var lengthBytes = new byte[major == 1 ? 2 : 4];
        stream.ReadExactly(lengthBytes);
        long length = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (length > 1 << 20) throw new InvalidDataException($"{source}: .npy header of {length} bytes is implausibly long.");
        var header = new byte[length];
        try
        {
            stream.ReadExactly(header);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{source}: the .npy header is cut short.", e);
        }
        return (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(header);
    }

    // Shape and element size (4 or 8) from the header dictionary.
    private static (int[] Shape, int ElementSize) ParseHeader(string header, string source)
    {
        var descr = DescrPattern().Match(header);
        var order = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shape.Success)
            throw new InvalidDataException($"{source}: malformed .npy header {header.Trim()}.");
        int elementSize = descr.Groups[1].Value switch
        {
            "<f4" => 4,
            "<f8" => 8,
            var d => throw new InvalidDataException($"{source}: dtype '{d}' is not supported (little-endian float32 '<f4' or float64 '<f8' only)."),
        };
        if (order.Groups[1].Value != "False") throw new InvalidDataException($"{source}: Fortran-order arrays are not supported.");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v
                : throw new InvalidDataException($"{source}: bad extent '{d}' in the .npy shape."))
            .ToArray();
        return (dims, elementSize);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
