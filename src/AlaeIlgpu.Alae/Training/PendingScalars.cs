namespace AlaeIlgpu.Alae.Training;

/// <summary>
/// The scalars of one iteration as a trainer leaves them: its losses still on the device, to be read with those of
/// other iterations in one copy (<see cref="PendingScalarLog"/>), and values the host already knows.
/// </summary>
/// <param name="Device">[count] values on the device; whoever reads them disposes them.</param>
/// <param name="DeviceNames">Names of the device values, in order (they come first in the log).</param>
/// <param name="Host">Further named values, after the device ones.</param>
public sealed record PendingScalars(Tensor Device, IReadOnlyList<string> DeviceNames, IReadOnlyList<TrainingScalar> Host)
{
    /// <summary>Reads this iteration's scalars alone (one copy from the device) and disposes the device values.</summary>
    public IReadOnlyList<TrainingScalar> Read()
    {
        float[] values = Device.ToArray();
        Device.Dispose();
        return Named(values);
    }

    /// <summary>The scalars with <paramref name="deviceValues"/> (read elsewhere) for the device ones.</summary>
    public IReadOnlyList<TrainingScalar> Named(ReadOnlySpan<float> deviceValues)
    {
        var scalars = new List<TrainingScalar>(DeviceNames.Count + Host.Count);
        for (int i = 0; i < DeviceNames.Count; i++) scalars.Add(new(DeviceNames[i], deviceValues[i]));
        scalars.AddRange(Host);
        return scalars;
    }
}

/// <summary>
/// The scalars of up to <c>capacity</c> iterations, their device values kept on the device in one buffer
/// [capacity, width] (a slot per iteration) and read back in one copy: a training loop that logs every iteration waits
/// for the device once per logging interval instead of once per iteration.
/// </summary>
/// <param name="capacity">Iterations it holds (the logging interval).</param>
public sealed class PendingScalarLog(int capacity) : IDisposable
{
    private readonly List<(int Iteration, PendingScalars Scalars)> _rows = new(capacity);   // device values already in their slots
    private Tensor? _slots;   // [capacity, width] on the device of the first iteration added

    /// <summary>Iterations held.</summary>
    public int Count => _rows.Count;

    /// <summary>Whether it holds <c>capacity</c> iterations (read it before adding more).</summary>
    public bool IsFull => _rows.Count == capacity;

    /// <summary>Copies the device values of <paramref name="iteration"/> into the next slot (a queued device copy) and disposes them.</summary>
    /// <exception cref="InvalidOperationException">The log is full, or the values' count or device differs from the first iteration's.</exception>
    public void Add(int iteration, PendingScalars scalars)
    {
        if (IsFull) throw new InvalidOperationException($"The scalar log holds {capacity} iterations; read it before adding iteration {iteration}.");
        var values = scalars.Device;
        _slots ??= Tensor.Empty(values.Backend, new TensorShape(capacity, values.Count)).Persist();
        int width = _slots.Shape[1];
        if (values.Count != width || !ReferenceEquals(values.Backend, _slots.Backend))
            throw new InvalidOperationException($"Iteration {iteration} has {values.Count} device scalars on '{values.Backend.Name}'; the log holds {width} on '{_slots.Backend.Name}'.");
        _slots.Backend.CopyBlocks(values.Storage, width, 0, _slots.Storage, width, _rows.Count * width, 1, width);
        values.Dispose();
        _rows.Add((iteration, scalars));
    }

    /// <summary>Reads every held iteration's scalars with one copy from the device, in order, and empties the log.</summary>
    public IReadOnlyList<(int Iteration, IReadOnlyList<TrainingScalar> Scalars)> Read()
    {
        if (_rows.Count == 0) return [];
        int width = _slots!.Shape[1];
        var values = new float[_rows.Count * width];   // [count, width]
        _slots.Backend.Download(_slots.Storage, values);
        var read = _rows.Select((row, i) => (row.Iteration, row.Scalars.Named(values.AsSpan(i * width, width)))).ToList();
        _rows.Clear();
        return read;
    }

    /// <summary>Releases the device buffer.</summary>
    public void Dispose() => _slots?.Dispose();
}
