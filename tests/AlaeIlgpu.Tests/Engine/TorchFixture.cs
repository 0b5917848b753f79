using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// A PyTorch fixture: one op family's (<c>Fixtures/torch-ops/&lt;family&gt;.npz</c>, written by
/// benchmarks/peers/op_fixtures_torch.py: float32 arrays named <c>&lt;case&gt;__&lt;what&gt;</c>) or any other .npz of
/// float32 arrays (the MLP lockstep's, read by name). A minimal NumPy reader
/// for the test project: uncompressed or deflated zip entries of <c>.npy</c> version 1 to 3, little-endian float32,
/// C order only.
/// </summary>
public sealed partial class TorchFixture
{
    private readonly Dictionary<string, (int[] Shape, float[] Data)> _arrays;

    private TorchFixture(string path, Dictionary<string, (int[] Shape, float[] Data)> arrays)
    {
        Path = path;
        _arrays = arrays;
    }

    /// <summary>The folder the fixtures are copied to next to the test assembly.</summary>
    public static string Folder => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch-ops");

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The case names, in file order (the part of each array name before <c>__</c>).</summary>
    public IReadOnlyList<string> Cases => _arrays.Keys.Select(k => k[..k.IndexOf("__", StringComparison.Ordinal)]).Distinct().ToList();

    /// <summary>How many inputs <paramref name="caseName"/> has (arrays <c>in0</c>, <c>in1</c>, ...).</summary>
    public int InputCount(string caseName)
    {
        int count = 0;
        while (_arrays.ContainsKey($"{caseName}__in{count}")) count++;
        return count;
    }

    /// <summary>Every array name, in file order.</summary>
    public IReadOnlyCollection<string> Names => _arrays.Keys;

    /// <summary>The array <c>&lt;caseName&gt;__&lt;what&gt;</c>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such array (the message names the file).</exception>
    public (int[] Shape, float[] Data) Get(string caseName, string what) => Get($"{caseName}__{what}");

    /// <summary>The array called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such array (the message names the file).</exception>
    public (int[] Shape, float[] Data) Get(string name) =>
        _arrays.TryGetValue(name, out var array) ? array : throw new KeyNotFoundException($"{Path}: no array '{name}'.");

    /// <summary>Reads <c>&lt;family&gt;.npz</c> from <see cref="Folder"/>.</summary>
    /// <exception cref="InvalidDataException">An entry is not a little-endian float32 C-order .npy (the message names
    /// the file and entry).</exception>
    public static TorchFixture Load(string family) => Read(System.IO.Path.Combine(Folder, family + ".npz"));

    /// <summary>Reads any <c>.npz</c> of float32 arrays.</summary>
    /// <exception cref="InvalidDataException">An entry is not a little-endian float32 C-order .npy (the message names
    /// the file and entry).</exception>
    public static TorchFixture Read(string path)
    {
        var arrays = new Dictionary<string, (int[], float[])>();
        using var zip = ZipFile.OpenRead(path);
        foreach (var entry in zip.Entries)
        {
            if (!entry.Name.EndsWith(".npy", StringComparison.Ordinal)) continue;
            using var stream = entry.Open();
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            arrays[entry.Name[..^4]] = ReadNpy(memory.ToArray(), $"{path}: {entry.FullName}");
        }
        return new TorchFixture(path, arrays);
    }

    private static (int[] Shape, float[] Data) ReadNpy(byte[] bytes, string where)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{where}: not a .npy array (bad magic).");
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : (int)BitConverter.ToUInt32(bytes, 8);
        int headerStart = major == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        var match = HeaderPattern().Match(header);
        if (!match.Success || match.Groups["descr"].Value != "<f4" || match.Groups["fortran"].Value != "False")
            throw new InvalidDataException($"{where}: only little-endian float32 in C order is read; the header is {header.Trim()}.");
        int[] shape = match.Groups["shape"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToArray();
        int count = shape.Aggregate(1, (a, b) => a * b);
        int dataStart = headerStart + headerLength;
        if (bytes.Length - dataStart != 4 * count)
            throw new InvalidDataException($"{where}: shape ({string.Join(", ", shape)}) needs {4 * count} bytes of data, found {bytes.Length - dataStart}.");
        var data = new float[count];
        Buffer.BlockCopy(bytes, dataStart, data, 0, 4 * count);
        return (shape, data);
    }

    [GeneratedRegex(@"'descr':\s*'(?<descr>[^']*)'.*'fortran_order':\s*(?<fortran>\w+).*'shape':\s*\((?<shape>[^)]*)\)", RegexOptions.Singleline)]
    private static partial Regex HeaderPattern();
}
