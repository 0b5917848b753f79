using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;

namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// Loads the batches of a request sequence (for a run: one per training step, from the LOD schedule) on a background
/// thread, at most <see cref="Depth"/> batches ahead of the consumer. An exception while loading is rethrown, unchanged,
/// by the consumer's next <see cref="TryNext"/>; <see cref="Dispose"/> stops and joins the thread.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    private readonly BlockingCollection<ImageBatch> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _error;
    private bool _disposed;

    /// <summary>Starts loading <paramref name="requests"/> in order.</summary>
    /// <param name="assembler">Builds each batch (owned by the loader's thread from now on).</param>
    /// <param name="requests">The batches to load; enumerated on the loader's thread.</param>
    /// <param name="depth">Batches loaded ahead of the consumer (1 or 2 is enough to hide disk reads).</param>
    public BatchLoader(BatchAssembler assembler, IEnumerable<BatchRequest> requests, int depth = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        Depth = depth;
        _ready = new BlockingCollection<ImageBatch>(new ConcurrentQueue<ImageBatch>(), depth);
        _thread = new Thread(() => Produce(assembler, requests)) { IsBackground = true, Name = "BatchLoader" };
        _thread.Start();
    }

    /// <summary>Batches loaded ahead at most.</summary>
    public int Depth { get; }

    /// <summary>Whether the loading thread is still running.</summary>
    public bool IsLoading => _thread.IsAlive;

    /// <summary>
    /// Waits for the next batch; false when every request has been delivered. Dispose each batch after use.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The loader was disposed.</exception>
    /// <remarks>An exception thrown while loading (for example <see cref="InvalidDataException"/> from a damaged file) is rethrown here.</remarks>
    public bool TryNext([NotNullWhen(true)] out ImageBatch? batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ready.TryTake(out batch, Timeout.Infinite)) return true;
        _error?.Throw();
        return false;
    }

    /// <summary>Stops the loading thread, waits for it, and returns unconsumed batches to the pool.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _thread.Join();
        while (_ready.TryTake(out ImageBatch? batch)) batch.Dispose();
        _ready.Dispose();
        _stop.Dispose();
    }

    private void Produce(BatchAssembler assembler, IEnumerable<BatchRequest> requests)
    {
        try
        {
            foreach (BatchRequest request in requests)
            {
                var batch = new ImageBatch(request, assembler.Channels, assembler.Length(request));
                try
                {
                    assembler.Fill(request, batch.Pixels);
                    _ready.Add(batch, _stop.Token);
                }
                catch
                {
                    batch.Dispose();
                    throw;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: stop quietly.
        }
        catch (Exception error)
        {
            _error = ExceptionDispatchInfo.Capture(error);
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }
}
