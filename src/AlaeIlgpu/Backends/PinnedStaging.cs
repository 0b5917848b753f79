using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Backends;

/// <summary>
/// Page-locked (pinned) host buffers through which an ILGPU backend copies host data to the device without waiting for
/// it: the host writes a staging buffer and the device copies from it asynchronously, queued on the default stream
/// behind the work that came before. A staging buffer is written again only after the host has waited for the device
/// since its copy was queued (<see cref="DeviceCaughtUp"/>); until then new ones are allocated, up to
/// <see cref="MaxBytes"/> in all. Buffers are kept by length: a training run uploads the same few batch shapes.
/// </summary>
/// <typeparam name="T">The element type (float data, int row indices).</typeparam>
internal sealed class PinnedStaging<T>(Accelerator accelerator) : IDisposable where T : unmanaged
{
    /// <summary>
    /// Page-locked memory the buffers may take in all: 256 MiB, so that a logging interval of batches (row indices, or
    /// StyleALAE image batches up to 32 x 3 x 256 x 256) goes without a wait while pinned memory, which the operating
    /// system cannot page out, stays a small share of the host's.
    /// </summary>
    public const long MaxBytes = 256L << 20;

    private static readonly int ElementBytes = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    private readonly Dictionary<int, Stack<PageLockedArray1D<T>>> _free = new();
    private readonly List<PageLockedArray1D<T>> _inFlight = new();
    private long _bytes;

    /// <summary>
    /// Queues a copy of <paramref name="source"/> into <paramref name="target"/> (of the same length) through a staging
    /// buffer, without waiting; false when no buffer is free and a new one would pass <see cref="MaxBytes"/> (the
    /// caller then waits for the device, calls <see cref="DeviceCaughtUp"/> and tries again, or copies directly).
    /// </summary>
    public bool TryCopy(ReadOnlySpan<T> source, ArrayView1D<T, Stride1D.Dense> target)
    {
        var buffer = Take(source.Length);
        if (buffer is null) return false;
        source.CopyTo(buffer.Span);
        target.CopyFromPageLockedAsync(accelerator.DefaultStream, buffer);
        _inFlight.Add(buffer);
        return true;
    }

    /// <summary>The host has waited for every queued operation: the buffers of the copies queued so far may be written again.</summary>
    public void DeviceCaughtUp()
    {
        foreach (var buffer in _inFlight) Free(buffer.Span.Length).Push(buffer);
        _inFlight.Clear();
    }

    /// <summary>Releases every buffer; the caller has waited for the device.</summary>
    public void Dispose()
    {
        DeviceCaughtUp();
        foreach (var buffer in _free.Values.SelectMany(stack => stack)) buffer.Dispose();
        _free.Clear();
    }

    private PageLockedArray1D<T>? Take(int length)
    {
        if (Free(length).TryPop(out var buffer)) return buffer;
        long bytes = (long)length * ElementBytes;
        ReleaseFreeBuffersUntil(MaxBytes - bytes);
        if (_bytes + bytes > MaxBytes) return null;
        _bytes += bytes;
        return accelerator.AllocatePageLocked1D<T>(length, uninitialized: true);
    }

    // Frees buffers of other lengths (none of them in flight) until at most `limit` bytes are held.
    private void ReleaseFreeBuffersUntil(long limit)
    {
        foreach (var stack in _free.Values)
            while (_bytes > limit && stack.TryPop(out var buffer))
            {
                _bytes -= (long)buffer.Span.Length * ElementBytes;
                buffer.Dispose();
            }
    }

    private Stack<PageLockedArray1D<T>> Free(int length)
    {
        if (!_free.TryGetValue(length, out var stack)) _free[length] = stack = new();
        return stack;
    }
}
