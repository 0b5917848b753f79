using System.Collections;

namespace AlaeIlgpu.Alae.IO;

/// <summary>How a storage's elements become float32: the float types convert, the others are refused when read.</summary>
public enum TorchElement
{
    /// <summary>Not a floating-point type (integers, booleans, complex, quantized, or a storage class not known).</summary>
    NotFloat,

    /// <summary>IEEE float32, copied.</summary>
    Float32,

    /// <summary>IEEE float64, rounded to float32.</summary>
    Float64,

    /// <summary>IEEE float16, widened.</summary>
    Float16,

    /// <summary>bfloat16 (the top half of a float32), widened.</summary>
    BFloat16,
}

/// <summary>A PyTorch storage class (<c>torch.FloatStorage</c>, ...): its element size and type.</summary>
/// <param name="Name">The class, for example "torch.FloatStorage".</param>
/// <param name="ElementSize">Bytes per element; 0 for a storage class this reader does not know.</param>
/// <param name="Element">How elements read as float32.</param>
public sealed record TorchStorageType(string Name, int ElementSize, TorchElement Element)
{
    /// <summary>The storage classes of PyTorch's checkpoints by pickled name.</summary>
    public static readonly IReadOnlyList<TorchStorageType> Known =
    [
        new("torch.FloatStorage", 4, TorchElement.Float32), new("torch.DoubleStorage", 8, TorchElement.Float64),
        new("torch.HalfStorage", 2, TorchElement.Float16), new("torch.BFloat16Storage", 2, TorchElement.BFloat16),
        new("torch.LongStorage", 8, TorchElement.NotFloat), new("torch.IntStorage", 4, TorchElement.NotFloat),
        new("torch.ShortStorage", 2, TorchElement.NotFloat), new("torch.CharStorage", 1, TorchElement.NotFloat),
        new("torch.ByteStorage", 1, TorchElement.NotFloat), new("torch.BoolStorage", 1, TorchElement.NotFloat),
        new("torch.ComplexFloatStorage", 8, TorchElement.NotFloat), new("torch.ComplexDoubleStorage", 16, TorchElement.NotFloat),
        new("torch.QInt8Storage", 1, TorchElement.NotFloat), new("torch.QUInt8Storage", 1, TorchElement.NotFloat),
        new("torch.QInt32Storage", 4, TorchElement.NotFloat),
    ];
}

/// <summary>A storage a checkpoint refers to by key (its persistent id): the bytes live outside the pickle.</summary>
/// <param name="Key">The key: the zip member <c>data/KEY</c>, or the legacy format's storage id.</param>
/// <param name="Type">The storage class.</param>
/// <param name="Count">Elements in the storage.</param>
public sealed record TorchStorage(string Key, TorchStorageType Type, long Count);

/// <summary>A tensor as pickled: a view of a storage (offset and strides in elements). Its values are read on demand.</summary>
/// <param name="Storage">Where the values are.</param>
/// <param name="Offset">First element in the storage.</param>
/// <param name="Shape">Extents, outermost first.</param>
/// <param name="Stride">Elements between neighbours along each dimension.</param>
public sealed record TorchTensor(TorchStorage Storage, long Offset, long[] Shape, long[] Stride);

/// <summary>
/// An object of a class the reader does not interpret (a training tracker, a NumPy scalar...): kept inert with its
/// constructor arguments and state so that the rest of the checkpoint still reads.
/// </summary>
/// <param name="ClassName">The pickled class, "module.name".</param>
/// <param name="Arguments">The arguments it was constructed with.</param>
public sealed class PickledObject(string ClassName, object?[] Arguments)
{
    /// <summary>The pickled class, "module.name".</summary>
    public string ClassName { get; } = ClassName;

    /// <summary>The arguments it was constructed with.</summary>
    public IReadOnlyList<object?> Arguments { get; } = Arguments;

    /// <summary>The state the pickle gave it (BUILD), if any.</summary>
    public object? State { get; private set; }

    /// <summary>Called by the unpickler for BUILD: keeps <paramref name="state"/>.</summary>
    public void __setstate__(object state) => State = state;

    /// <inheritdoc />
    public override string ToString() => $"<{ClassName}>";
}

/// <summary>
/// A <c>collections.OrderedDict</c> (state dicts are): a <see cref="Hashtable"/> as the unpickler needs, with its
/// attributes (PyTorch's <c>_metadata</c>) kept apart from its items.
/// </summary>
public sealed class PickledOrderedDict : Hashtable
{
    /// <summary>The object's attributes, if the pickle gave any.</summary>
    public Hashtable? Attributes { get; private set; }

    /// <summary>Called by the unpickler for BUILD: keeps the attributes.</summary>
    public void __setstate__(Hashtable attributes) => Attributes = attributes;
}

/// <summary>PyTorch's strides (in elements) of a contiguous tensor in C order.</summary>
internal static class TorchStrides
{
    /// <summary>The strides of a contiguous tensor of <paramref name="shape"/>: the last dimension 1, each other the product of the extents after it.</summary>
    public static long[] Contiguous(int[] shape)
    {
        var strides = new long[shape.Length];
        long step = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = step;
            step *= shape[d];
        }
        return strides;
    }
}
