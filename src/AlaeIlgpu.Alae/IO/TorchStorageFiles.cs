using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace AlaeIlgpu.Alae.IO;

/// <summary>Where a checkpoint's storages are: read one storage's bytes when a tensor needs them.</summary>
internal interface ITorchStorageFile : IDisposable
{
    /// <summary>
    /// Reads the bytes of <paramref name="storage"/> into <paramref name="destination"/> (Count x ElementSize bytes), for
    /// tensor <paramref name="tensor"/> (named in errors).
    /// </summary>
    void Read(TorchStorage storage, string tensor, Span<byte> destination);
}

/// <summary>
/// The storages of PyTorch's zip format (1.6 and later): member <c>PREFIX/data/KEY</c> holds storage KEY's bytes,
/// stored uncompressed. Each member read is checked against the zip's CRC-32 (.NET does not check it).
/// </summary>
internal sealed class TorchZipStorages(ZipArchive archive, string prefix, string path) : ITorchStorageFile
{
    /// <inheritdoc />
    public void Read(TorchStorage storage, string tensor, Span<byte> destination)
    {
        string member = $"{prefix}data/{storage.Key}";
        var entry = archive.GetEntry(member)
            ?? throw new InvalidDataException($"{path}: tensor '{tensor}' needs storage '{member}', which the archive does not hold.");
        long expected = storage.Count * storage.Type.ElementSize;
        if (entry.Length != expected)
            throw new InvalidDataException($"{path}: '{member}' holds {entry.Length} bytes; its {storage.Count} elements of {storage.Type.Name} need {expected}.");
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(destination);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: '{member}' does not read ({e.Message}); the file is damaged.", e);
        }
        if (Crc32.HashToUInt32(destination) != entry.Crc32)
            throw new InvalidDataException($"{path}: '{member}' (tensor '{tensor}') does not match its CRC-32; the file is damaged.");
    }

    /// <inheritdoc />
    public void Dispose() => archive.Dispose();
}

/// <summary>
/// The storages of PyTorch's legacy format (before 1.6), after the pickles: for each key of the key list, an int64
/// element count and the raw bytes. The layout is walked once (checking that it fills the file exactly); the bytes are
/// read by seeking when needed. The format has no checksum: damage inside a storage's bytes cannot be detected.
/// </summary>
internal sealed class TorchLegacyStorages : ITorchStorageFile
{
    private readonly FileStream _file;
    private readonly string _path;
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);

    /// <summary>Walks the storage records that start at the current position of <paramref name="file"/> (which this object then owns).</summary>
    /// <exception cref="InvalidDataException">A record does not fit the file or its storage, or bytes are left over (names the file and key).</exception>
    public TorchLegacyStorages(FileStream file, string path, IReadOnlyList<string> keys, IReadOnlyDictionary<string, TorchStorage> storages)
    {
        (_file, _path) = (file, path);
        Span<byte> header = stackalloc byte[sizeof(long)];
        foreach (string key in keys)
        {
            if (!storages.TryGetValue(key, out var storage))
                throw new InvalidDataException($"{path}: the storage list names '{key}', which no tensor uses; the file is damaged.");
            if (storage.Type.ElementSize == 0)
                throw new InvalidDataException($"{path}: storage '{key}' is of class {storage.Type.Name}, whose element size is not known, so the storages after it cannot be found.");
            if (file.Read(header) < header.Length) throw Truncated(key);
            long count = BinaryPrimitives.ReadInt64LittleEndian(header);
            if (count != storage.Count)
                throw new InvalidDataException($"{path}: storage '{key}' records {count} elements, its tensors say {storage.Count}; the file is damaged.");
            _offsets[key] = file.Position;
            long end = file.Position + count * storage.Type.ElementSize;
            if (end > file.Length) throw Truncated(key);
            file.Position = end;
        }
        if (file.Position != file.Length)
            throw new InvalidDataException($"{path}: {file.Length - file.Position} bytes follow the last storage; the file is damaged.");
    }

    /// <inheritdoc />
    public void Read(TorchStorage storage, string tensor, Span<byte> destination)
    {
        if (!_offsets.TryGetValue(storage.Key, out long offset))
            throw new InvalidDataException($"{_path}: tensor '{tensor}' needs storage '{storage.Key}', which the file does not hold.");
        _file.Position = offset;
        _file.ReadExactly(destination);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private InvalidDataException Truncated(string key) => new($"{_path}: the file ends inside storage '{key}'; it is truncated.");
}
