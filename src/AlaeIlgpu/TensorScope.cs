namespace AlaeIlgpu;

/// <summary>
/// Owns every tensor created on this thread while it is the innermost open scope, and disposes them when it is
/// disposed: wrap a training step in one so its temporaries (activations, tape, gradients) go back to the pool.
/// Tensors that must outlive the scope (parameters, optimizer state, results) are kept with <see cref="Tensor.Persist"/>.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    private readonly TensorScope? _parent;
    private readonly List<Tensor> _owned = new();
    private bool _disposed;

    /// <summary>Opens a scope nested in the current one.</summary>
    public TensorScope()
    {
        _parent = _current;
        _current = this;
    }

    /// <summary>The innermost open scope on this thread, or null.</summary>
    internal static TensorScope? Current => _current;

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int OwnedCount => _owned.Count(t => ReferenceEquals(t.Owner, this));

    internal void Add(Tensor tensor) => _owned.Add(tensor);

    /// <summary>Disposes every tensor still owned and makes the parent scope current again.</summary>
    /// <exception cref="InvalidOperationException">A scope opened inside this one is still open.</exception>
    public void Dispose()
    {
        if (_disposed) return;
        // Checked before anything changes, so a misordered dispose leaves both scopes intact and usable.
        if (!ReferenceEquals(_current, this))
            throw new InvalidOperationException("Tensor scopes must be disposed innermost first.");
        _disposed = true;
        foreach (var t in _owned)
            if (ReferenceEquals(t.Owner, this)) t.Dispose();
        _owned.Clear();
        _current = _parent;
    }
}
