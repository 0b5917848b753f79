using System.Buffers;

namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// A loaded batch [B, C, R, R] of floats in [-1, 1] from <see cref="BatchLoader"/>. Its buffer is pooled: dispose the
/// batch once its pixels have been copied (to the device) so the loader can reuse it; do not keep <see cref="Pixels"/>.
/// </summary>
public sealed class ImageBatch : IDisposable
{
    private float[]? _buffer;
    private readonly int _length;

    internal ImageBatch(BatchRequest request, int channels, int length)
    {
        (Request, Channels, _length) = (request, channels, length);
        _buffer = ArrayPool<float>.Shared.Rent(length);
    }

    /// <summary>What was loaded.</summary>
    public BatchRequest Request { get; }

    /// <summary>Colour channels C.</summary>
    public int Channels { get; }

    /// <summary>The pixels, [B, C, R, R].</summary>
    public Span<float> Pixels => (_buffer ?? throw new ObjectDisposedException(nameof(ImageBatch))).AsSpan(0, _length);

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        if (_buffer is null) return;
        ArrayPool<float>.Shared.Return(_buffer);
        _buffer = null;
    }
}
