namespace AlaeIlgpu.Backends;

/// <summary>
/// Free buffers keyed by exact length. A training step allocates the same shapes every iteration, so after the
/// first step every allocation is served from here and nothing is asked of the driver or the GC.
/// </summary>
/// <typeparam name="T">The backend's buffer type.</typeparam>
internal sealed class BufferPool<T> where T : class
{
    private readonly Dictionary<int, Stack<T>> _free = new();
    private readonly object _gate = new();

    /// <summary>Bytes of every buffer ever created and not destroyed.</summary>
    public long TotalBytes { get; private set; }

    public T Rent(int length, Func<int, T> create)
    {
        lock (_gate)
        {
            if (_free.TryGetValue(length, out var stack) && stack.Count > 0) return stack.Pop();
            TotalBytes += 4L * length;
        }
        return create(length);
    }

    public void Return(int length, T buffer)
    {
        lock (_gate)
        {
            if (!_free.TryGetValue(length, out var stack)) _free[length] = stack = new Stack<T>();
            stack.Push(buffer);
        }
    }

    /// <summary>Removes and returns every free buffer, for disposal; buffers still in use stay counted.</summary>
    public List<T> Drain()
    {
        lock (_gate)
        {
            var all = _free.Values.SelectMany(s => s).ToList();
            TotalBytes -= _free.Sum(entry => 4L * entry.Key * entry.Value.Count);
            _free.Clear();
            return all;
        }
    }
}
