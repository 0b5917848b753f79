using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Alae.Training;

/// <summary>
/// A run's losses.csv fed with <see cref="PendingScalars"/>: holds up to a logging interval of iterations on the device
/// (<see cref="PendingScalarLog"/>), then reads them in one copy, stops on a NaN or infinite scalar (naming the
/// iteration and the scalar) and appends the rows before it (header from the names).
/// </summary>
/// <param name="lossesPath">The CSV file (appended to).</param>
/// <param name="checkpointPath">The run's checkpoint, named in the message when training diverges.</param>
/// <param name="interval">Iterations read back together.</param>
internal sealed class TrainingLog(string lossesPath, string checkpointPath, int interval) : IDisposable
{
    private readonly PendingScalarLog _pending = new(interval);
    private CsvAppender? _csv;

    /// <summary>The scalars of the last iteration logged (none before the first read).</summary>
    public IReadOnlyList<TrainingScalar> Latest { get; private set; } = [];

    /// <summary>Holds the iteration's scalars; logs the interval when it is complete.</summary>
    /// <exception cref="TrainingDivergedException">A scalar read is NaN or infinite.</exception>
    public void Add(int iteration, PendingScalars scalars)
    {
        _pending.Add(iteration, scalars);
        if (_pending.IsFull) Flush();
    }

    /// <summary>
    /// Reads and logs every held iteration: call it before anything is written from the weights (figures, a
    /// checkpoint), so that nothing is written from weights that produced a NaN, and every row up to a checkpoint is on disk.
    /// </summary>
    /// <exception cref="TrainingDivergedException">A scalar is NaN or infinite; the rows before it are logged.</exception>
    public void Flush()
    {
        foreach (var (iteration, scalars) in _pending.Read())
        {
            TrainingDivergedException.ThrowIfNotFinite(scalars, $"iteration {iteration}",
                "stopped, " + (File.Exists(checkpointPath) ? "the last checkpoint is kept." : "before the first checkpoint (none was written)."));
            _csv ??= new CsvAppender(lossesPath, ["iteration", .. scalars.Select(s => s.Name)]);
            _csv.Append([iteration, .. scalars.Select(s => s.Value)]);
            Latest = scalars;
        }
    }

    /// <summary>Closes the file and releases the device buffer (iterations still held are not logged).</summary>
    public void Dispose()
    {
        _pending.Dispose();
        _csv?.Dispose();
    }
}
