using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// An <see cref="IImageDataset"/> over a packed image file (<see cref="PackedImageLayout"/>), read from disk row by row
/// so a set larger than memory (70,000 images of 1024 px are 220 GB) can be trained on. Safe to read from several
/// threads at once (positional reads on one handle).
/// </summary>
/// <remarks>
/// The header, the level placement and the file length are checked on open. A level's SHA-256 is checked the first
/// time that level is read, not on open: a run reads one level at a time, growing, and hashing the 220 GB top level of
/// FFHQ before training on 4x4 images would cost minutes for nothing. <see cref="Verify"/> checks every level up front.
/// </remarks>
public sealed class PackedImageFile : IImageDataset
{
    /// <summary>Bytes hashed per read while verifying a level.</summary>
    private const int VerifyChunkBytes = 4 << 20;

    private readonly SafeFileHandle _handle;
    private readonly PackedImageLayout _layout;
    private readonly int[] _resolutions;
    private readonly Lazy<bool>[] _verified;

    private PackedImageFile(SafeFileHandle handle, PackedImageLayout layout, string path)
    {
        (_handle, _layout, Path) = (handle, layout, path);
        _resolutions = layout.Levels.Select(level => level.Resolution).ToArray();
        _verified = layout.Levels.Select(level => new Lazy<bool>(() => VerifyLevel(level))).ToArray();
    }

    /// <summary>Opens <paramref name="path"/> and checks its header (see the remarks for when levels are checked).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">A bad magic, version or header, or a truncated file; the message names it.</exception>
    public static PackedImageFile Open(string path)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            return new PackedImageFile(handle, PackedImageLayout.Decode(handle, path), path);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public int Count => _layout.Count;

    /// <inheritdoc />
    public int Channels => _layout.Channels;

    /// <inheritdoc />
    public int Resolution => _layout.Resolution;

    /// <inheritdoc />
    public IReadOnlyList<int> Resolutions => _resolutions;

    /// <inheritdoc />
    public void Read(ReadOnlySpan<int> rows, int resolution, Span<byte> destination)
    {
        int index = Array.IndexOf(_resolutions, resolution);
        if (index < 0)
            throw new ArgumentException($"{Path}: no level of side {resolution}; stored: {string.Join(", ", _resolutions)}.", nameof(resolution));
        int imageBytes = checked((int)PackedImageLayout.ImageBytes(Channels, resolution));
        ImageRows.Check(rows, Count, destination.Length, imageBytes, Path);
        _ = _verified[index].Value;
        PackedLevel level = _layout.Levels[index];
        for (int i = 0; i < rows.Length; i++)
            FileBytes.ReadExactly(_handle, destination.Slice(i * imageBytes, imageBytes), level.Offset + (long)rows[i] * imageBytes, Path);
    }

    /// <summary>Checks every level's SHA-256 now (reads the whole file).</summary>
    /// <exception cref="InvalidDataException">A level's bytes do not match its checksum.</exception>
    public void Verify()
    {
        foreach (Lazy<bool> level in _verified) _ = level.Value;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private bool VerifyLevel(PackedLevel level)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[(int)Math.Min(VerifyChunkBytes, level.Length)];
        for (long done = 0; done < level.Length; done += buffer.Length)
        {
            Span<byte> chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, level.Length - done));
            FileBytes.ReadExactly(_handle, chunk, level.Offset + done, Path);
            hash.AppendData(chunk);
        }
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(level.Sha256))
            throw PackedImageLayout.Bad(Path, $"level {level.Resolution}x{level.Resolution} does not match its SHA-256 checksum (the data is damaged)");
        return true;
    }
}
