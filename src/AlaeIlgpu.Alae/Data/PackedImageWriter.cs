using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// Writes a packed image file (<see cref="PackedImageLayout"/>) without holding the set in memory: top-level images are
/// appended as they come, then <see cref="Complete"/> pools each lower level from the one above, read back from the
/// file, writes the header and moves the finished file into place. Until then the data lives in
/// <c>&lt;path&gt;.partial</c>, which <see cref="Dispose"/> deletes if the file was not completed.
/// </summary>
public sealed class PackedImageWriter : IDisposable
{
    /// <summary>Source bytes pooled per pass while building a lower level.</summary>
    private const long PoolChunkBytes = 64L << 20;

    private readonly string _path;
    private readonly string _partialPath;
    private readonly SafeFileHandle _handle;
    private readonly LevelStream _top;
    private bool _completed;

    /// <summary>Starts a file of <paramref name="channels"/>-channel images of side <paramref name="resolution"/>.</summary>
    /// <exception cref="ArgumentException">The resolution is not a power of two from 4 or channels is not 1 or 3.</exception>
    public PackedImageWriter(string path, int resolution, int channels)
    {
        _ = LevelPyramid.Resolutions(resolution);
        if (channels is not (1 or 3)) throw new ArgumentException($"Channels must be 1 or 3, not {channels}.", nameof(channels));
        (_path, Resolution, Channels) = (path, resolution, channels);
        _partialPath = path + ".partial";
        _handle = File.OpenHandle(_partialPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        _top = new LevelStream(_handle, PackedImageLayout.DataStart(resolution));
    }

    /// <summary>Side of the top level.</summary>
    public int Resolution { get; }

    /// <summary>Colour channels.</summary>
    public int Channels { get; }

    /// <summary>Images appended so far.</summary>
    public int Count { get; private set; }

    /// <summary>Appends one top-level image [Channels, Resolution, Resolution].</summary>
    public void Append(ReadOnlySpan<byte> image)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (image.Length != PackedImageLayout.ImageBytes(Channels, Resolution))
            throw new ArgumentException($"An image of {Channels}x{Resolution}x{Resolution} has {PackedImageLayout.ImageBytes(Channels, Resolution)} bytes, not {image.Length}.", nameof(image));
        _top.Write(image);
        Count = checked(Count + 1);
    }

    /// <summary>
    /// Builds the lower levels, writes the header and renames the file into place.
    /// <paramref name="progress"/> gets (side of the level just built, levels done, levels to build).
    /// </summary>
    /// <exception cref="InvalidOperationException">No image was appended.</exception>
    public void Complete(Action<int, int, int>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (Count == 0) throw new InvalidOperationException($"{_path}: no images to write.");
        var placement = PackedImageLayout.Placement(Count, Channels, Resolution);
        var levels = new PackedLevel[placement.Length];
        levels[^1] = Finish(placement[^1], _top);
        for (int i = placement.Length - 2; i >= 0; i--)
        {
            levels[i] = Finish(placement[i], PoolLevel(levels[i + 1], placement[i].Offset));
            progress?.Invoke(levels[i].Resolution, placement.Length - 1 - i, placement.Length - 1);
        }
        var layout = new PackedImageLayout { Count = Count, Channels = Channels, Resolution = Resolution, Levels = levels };
        RandomAccess.Write(_handle, layout.Encode(), 0);
        RandomAccess.FlushToDisk(_handle);
        _handle.Dispose();
        File.Move(_partialPath, _path, overwrite: true);
        _completed = true;
    }

    /// <summary>Closes the file; deletes the partial file unless <see cref="Complete"/> succeeded.</summary>
    public void Dispose()
    {
        _handle.Dispose();
        if (!_completed && File.Exists(_partialPath)) File.Delete(_partialPath);
        _completed = true;
    }

    private static PackedLevel Finish((int Resolution, long Offset, long Length) placement, LevelStream stream)
    {
        byte[] hash = stream.Finish();
        if (stream.Written != placement.Length)
            throw new InvalidOperationException($"Level {placement.Resolution} wrote {stream.Written} bytes, expected {placement.Length}.");
        return new PackedLevel(placement.Resolution, placement.Offset, placement.Length, hash);
    }

    private LevelStream PoolLevel(PackedLevel source, long offset)
    {
        var target = new LevelStream(_handle, offset);
        int side = source.Resolution;
        long sourceImageBytes = PackedImageLayout.ImageBytes(Channels, side);
        int imagesPerChunk = (int)Math.Clamp(PoolChunkBytes / sourceImageBytes, 1, Count);
        byte[] input = new byte[imagesPerChunk * sourceImageBytes];
        byte[] output = new byte[input.Length / 4];
        for (int first = 0; first < Count; first += imagesPerChunk)
        {
            int images = Math.Min(imagesPerChunk, Count - first);
            Span<byte> chunk = input.AsSpan(0, (int)(images * sourceImageBytes));
            FileBytes.ReadExactly(_handle, chunk, source.Offset + first * sourceImageBytes, _partialPath);
            LevelPyramid.Halve(chunk, output, images, Channels, side);
            target.Write(output.AsSpan(0, chunk.Length / 4));
        }
        return target;
    }

    /// <summary>Sequential buffered writes of one level at explicit offsets, hashed as they go.</summary>
    private sealed class LevelStream(SafeFileHandle handle, long offset)
    {
        private const int BufferBytes = 1 << 20;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _buffer = new byte[BufferBytes];
        private int _buffered;
        private long _flushed;

        public long Written => _flushed + _buffered;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            _hash.AppendData(bytes);
            if (_buffered + bytes.Length > _buffer.Length) Flush();
            if (bytes.Length >= _buffer.Length)
            {
                RandomAccess.Write(handle, bytes, offset + _flushed);
                _flushed += bytes.Length;
                return;
            }
            bytes.CopyTo(_buffer.AsSpan(_buffered));
            _buffered += bytes.Length;
        }

        public byte[] Finish()
        {
            Flush();
            byte[] hash = _hash.GetHashAndReset();
            _hash.Dispose();
            return hash;
        }

        private void Flush()
        {
            RandomAccess.Write(handle, _buffer.AsSpan(0, _buffered), offset + _flushed);
            _flushed += _buffered;
            _buffered = 0;
        }
    }
}
