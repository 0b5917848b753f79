namespace AlaeIlgpu.Backends;

/// <summary>
/// A dense float32 buffer on one backend, shared by the tensors that view it (reshape and detach share storage)
/// and returned to its backend's pool when the last of them is disposed.
/// </summary>
public abstract class Storage
{
    private int _references = 1;

    /// <summary>Creates storage of <paramref name="length"/> elements owned by <paramref name="backend"/>.</summary>
    protected Storage(Backend backend, int length) => (Backend, Length) = (backend, length);

    /// <summary>The backend that owns the memory.</summary>
    public Backend Backend { get; }

    /// <summary>Number of float elements.</summary>
    public int Length { get; }

    /// <summary>True once the memory went back to the pool; any further use is a bug.</summary>
    public bool IsReleased => _references <= 0;

    /// <summary>
    /// True for a module parameter's storage: read by many products between two writes (the optimizer's), so the
    /// <c>cpu</c> backend keeps the GEMM panels it packs from it until the storage is next written.
    /// </summary>
    internal bool HoldsWeights { get; set; }

    /// <summary>True while exactly one tensor views this storage (so it may be handed over without a copy).</summary>
    internal bool IsExclusive => _references == 1;

    internal void AddReference()
    {
        ThrowIfReleased();
        _references++;
    }

    internal void Release()
    {
        if (_references <= 0) return;
        if (--_references == 0) Backend.Return(this);
    }

    /// <summary>Throws when the storage was already returned to the pool.</summary>
    public void ThrowIfReleased()
    {
        if (_references <= 0)
            throw new ObjectDisposedException(nameof(Storage), $"A tensor's {Length}-element storage on '{Backend.Name}' was used after it was disposed.");
    }
}
