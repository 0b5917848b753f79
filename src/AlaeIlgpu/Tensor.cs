using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu;

/// <summary>
/// A dense float32 tensor in row-major (NCHW) order on one backend, optionally part of the autodiff tape.
/// Created inside a <see cref="TensorScope"/>, it is disposed with the scope unless <see cref="Persist"/>ed.
/// </summary>
public sealed class Tensor : IDisposable
{
    private bool _requiresGrad;
    private bool _disposed;

    internal Tensor(Storage storage, TensorShape shape)
    {
        if (storage.Length < shape.Count)
            throw new ArgumentException($"Storage of {storage.Length} elements cannot hold shape {shape}.");
        Storage = storage;
        Shape = shape;
        Owner = TensorScope.Current;
        Owner?.Add(this);
    }

    /// <summary>The extents.</summary>
    public TensorShape Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Count => Shape.Count;

    /// <summary>The backend the data lives on.</summary>
    public Backend Backend => Storage.Backend;

    /// <summary>The buffer (shared with reshaped and detached views).</summary>
    public Storage Storage { get; }

    /// <summary>An optional name (parameters carry theirs into checkpoints and error messages).</summary>
    public string? Name { get; set; }

    /// <summary>Whether gradients flow to this tensor. Settable on leaves only.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn is not null && !value)
                throw new InvalidOperationException("RequiresGrad can only be cleared on leaf tensors; use Detach() instead.");
            _requiresGrad = value;
        }
    }

    /// <summary>Accumulated gradient of a leaf after <see cref="Autograd.Backward"/>; persists beyond scopes.</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>The tape node that produced this tensor, or null for leaves and untracked results.</summary>
    internal GradNode? GradFn { get; set; }

    /// <summary>True when this tensor was not produced by a recorded op.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>The scope that will dispose this tensor, or null when it is persistent.</summary>
    internal TensorScope? Owner { get; private set; }

    // ---------------------------------------------------------------- creation

    /// <summary>Allocates an uninitialised tensor; ops use this for their results.</summary>
    public static Tensor Empty(Backend backend, TensorShape shape) => new(backend.Allocate(shape.Count), shape);

    /// <summary>A tensor holding a copy of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static Tensor FromArray(Backend backend, float[] data, params int[] shape)
    {
        var t = EmptyFor(backend, data.Length, shape, nameof(FromArray));
        backend.Upload(data, t.Storage);
        return t;
    }

    /// <summary>
    /// A tensor holding a copy of a batch of data that a loop uploads again and again (training images): as
    /// <see cref="FromArray"/>, but through <see cref="Backend.UploadBatch"/>, which an ILGPU device queues through
    /// page-locked staging without waiting for it.
    /// </summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public static Tensor FromBatch(Backend backend, ReadOnlySpan<float> data, params int[] shape)
    {
        var t = EmptyFor(backend, data.Length, shape, nameof(FromBatch));
        backend.UploadBatch(data, t.Storage);
        return t;
    }

    private static Tensor EmptyFor(Backend backend, int length, int[] shape, string caller)
    {
        var s = new TensorShape(shape);
        if (length != s.Count)
            throw new ArgumentException($"{caller}: {length} values cannot fill shape {s} ({s.Count} elements).");
        return Empty(backend, s);
    }

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(Backend backend, float value, params int[] shape)
    {
        var t = Empty(backend, shape);
        backend.Fill(t.Storage, value);
        return t;
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Backend backend, params int[] shape) => Full(backend, 0f, shape);

    /// <summary>A one-element tensor of shape [1].</summary>
    public static Tensor Scalar(Backend backend, float value) => Full(backend, value, 1);

    /// <summary>N(0, 1) samples from the generator's next stream (same numbers on every backend).</summary>
    public static Tensor RandomNormal(Backend backend, RandomGenerator generator, params int[] shape) => Random(backend, generator, shape, true);

    /// <summary>U(0, 1] samples from the generator's next stream (same numbers on every backend).</summary>
    public static Tensor RandomUniform(Backend backend, RandomGenerator generator, params int[] shape) => Random(backend, generator, shape, false);

    private static Tensor Random(Backend backend, RandomGenerator generator, int[] shape, bool normal)
    {
        var t = Empty(backend, shape);
        backend.Random(t.Storage, generator.Seed, generator.NextStream(), normal);
        return t;
    }

    // ---------------------------------------------------------------- data access

    /// <summary>Copies the data to a new host array.</summary>
    public float[] ToArray()
    {
        var host = new float[Count];
        Backend.Download(Storage, host);
        return host;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public float Item() => Count == 1 ? ToArray()[0]
        : throw new InvalidOperationException($"Item() needs a one-element tensor, not shape {Shape}.");

    /// <summary>A copy on another backend (through host memory); not tracked by autodiff.</summary>
    public Tensor ToDevice(Backend backend) => ReferenceEquals(backend, Backend) ? Clone() : FromArray(backend, ToArray(), Shape.ToArray());

    /// <summary>A copy with its own storage, not tracked by autodiff.</summary>
    public Tensor Clone()
    {
        var t = Empty(Backend, Shape);
        Backend.Copy(Storage, t.Storage);
        return t;
    }

    /// <summary>The same data cut off from the tape (a stop-gradient); shares storage.</summary>
    public Tensor Detach() => View(Shape);

    /// <summary>The same storage under another shape of equal element count; no autodiff (see ShapeOp.Reshape).</summary>
    internal Tensor View(TensorShape shape)
    {
        Storage.AddReference();
        return new Tensor(Storage, shape);
    }

    /// <summary>Removes the tensor from its scope so it outlives it (parameters, state, results); returns itself.</summary>
    public Tensor Persist()
    {
        Owner = null;
        return this;
    }

    /// <summary>Hands this tensor to <paramref name="scope"/> (null: nobody), which then disposes it instead of its current scope.</summary>
    internal void MoveTo(TensorScope? scope)
    {
        Owner = scope;
        scope?.Add(this);
    }

    /// <summary>Overwrites this tensor's data with another tensor's (same element count, same backend).</summary>
    /// <exception cref="ArgumentException">Counts or backends differ.</exception>
    public void CopyFrom(Tensor source)
    {
        if (source.Count != Count || !ReferenceEquals(source.Backend, Backend))
            throw new ArgumentException($"CopyFrom: source {source.Shape} on '{source.Backend}' does not fit {Shape} on '{Backend}'.");
        Backend.Copy(source.Storage, Storage);
    }

    /// <summary>Returns the storage to the pool (once all views are disposed), and the accumulated gradient with it.</summary>
    public void Dispose()
    {
        Owner = null;
        if (_disposed) return;
        _disposed = true;
        Storage.Release();
        // Grad is persistent so that it outlives the backward pass; it belongs to this tensor, so a leaf made inside a
        // step (an input that needed a gradient, as for R1) must not leave it behind in the pool every step.
        Grad?.Dispose();
        Grad = null;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Tensor{Shape} on {Backend}{(RequiresGrad ? ", requires grad" : "")}";

    // ---------------------------------------------------------------- operators

    /// <summary>Broadcasting addition.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => ElementwiseOp.Add(a, b);
    /// <summary>Broadcasting subtraction.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => ElementwiseOp.Subtract(a, b);
    /// <summary>Broadcasting multiplication.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => ElementwiseOp.Multiply(a, b);
    /// <summary>Broadcasting division.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => ElementwiseOp.Divide(a, b);
    /// <summary>Scaling by a constant.</summary>
    public static Tensor operator *(Tensor a, float c) => ElementwiseOp.Scale(a, c);
    /// <summary>Scaling by a constant.</summary>
    public static Tensor operator *(float c, Tensor a) => ElementwiseOp.Scale(a, c);
    /// <summary>Adding a constant.</summary>
    public static Tensor operator +(Tensor a, float c) => ElementwiseOp.AddScalar(a, c);
    /// <summary>Subtracting a constant.</summary>
    public static Tensor operator -(Tensor a, float c) => ElementwiseOp.AddScalar(a, -c);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => ElementwiseOp.Scale(a, -1f);
}
