using System.Collections;
using System.Numerics;
using Razorvine.Pickle;

namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// Unpickles PyTorch checkpoint pickles with Razorvine.Pickle: tensors become <see cref="TorchTensor"/> views of
/// <see cref="TorchStorage"/>s named by persistent id, state dicts <see cref="PickledOrderedDict"/>s, and every other
/// class the pickle names gets an inert <see cref="PickledObject"/>. Razorvine's constructor table is process-wide,
/// so registering and unpickling happen under one lock.
/// </summary>
internal sealed class TorchUnpickler : Unpickler
{
    private static readonly Lock Registry = new();
    private static bool _registered;

    private readonly Dictionary<string, TorchStorage> _storages = new(StringComparer.Ordinal);

    /// <summary>Unpickles <paramref name="scan"/>; the storages it refers to are returned by key.</summary>
    /// <exception cref="InvalidDataException">The pickle does not unpickle (names <paramref name="source"/> and the cause).</exception>
    public static (object? Root, IReadOnlyDictionary<string, TorchStorage> Storages) Load(PickleScan scan, string source)
    {
        var unpickler = new TorchUnpickler();
        lock (Registry)
        {
            RegisterTorch();
            foreach (string name in scan.Classes.Where(n => !objectConstructors.ContainsKey(n)))
                objectConstructors[name] = new PlaceholderConstructor(name);
            try
            {
                return (unpickler.loads(scan.Bytes), unpickler._storages);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{source}: {e.Message}", e);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException($"{source}: the pickle does not read ({e.GetType().Name}: {e.Message}); the file is damaged or not a PyTorch checkpoint.", e);
            }
        }
    }

    /// <summary>Turns the persistent id ('storage', class, key, location, count[, view]) into a storage, one per key.</summary>
    protected override object persistentLoad(object pid)
    {
        if (pid is not object[] { Length: >= 5 } id || id[0] is not "storage" || id[2] is not string key)
            throw new InvalidDataException($"a persistent id that is not a PyTorch storage: {Describe(pid)}.");
        var type = id[1] switch
        {
            StorageClass known => known.Type,
            PlaceholderConstructor other => new TorchStorageType(other.ClassName, 0, TorchElement.NotFloat),
            var other => throw new InvalidDataException($"storage '{key}' has no storage class ({Describe(other)})."),
        };
        long count = Integer(id[4], $"the size of storage '{key}'");
        if (_storages.TryGetValue(key, out var seen)) return seen;
        return _storages[key] = new TorchStorage(key, type, count);
    }

    private static void RegisterTorch()
    {
        if (_registered) return;
        foreach (var type in TorchStorageType.Known) objectConstructors[type.Name] = new StorageClass(type);
        objectConstructors["collections.OrderedDict"] = new OrderedDictConstructor();
        var tensor = new TensorConstructor();
        foreach (string name in new[] { "_rebuild_tensor_v2", "_rebuild_tensor" }) objectConstructors["torch._utils." + name] = tensor;
        objectConstructors["torch._utils._rebuild_parameter"] = new ParameterConstructor();
        _registered = true;
    }

    private static long Integer(object? value, string what) => value switch
    {
        int i => i,
        long l => l,
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        _ => throw new InvalidDataException($"{what} is not an integer ({Describe(value)})."),
    };

    private static long[] Integers(object? value, string what) =>
        value is object[] items ? items.Select(v => Integer(v, what)).ToArray() : throw new InvalidDataException($"{what} is not a tuple ({Describe(value)}).");

    private static string Describe(object? value) => value switch
    {
        null => "None",
        object[] items => "(" + string.Join(", ", items.Select(Describe)) + ")",
        string s => $"'{s}'",
        _ => value.ToString() ?? value.GetType().Name,
    };

    /// <summary>torch.FloatStorage and its kin: only ever pushed as a class inside a persistent id, never called.</summary>
    private sealed class StorageClass(TorchStorageType type) : IObjectConstructor
    {
        public TorchStorageType Type { get; } = type;

        public object construct(object[] args) => Type;
    }

    // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]) and the older
    // _rebuild_tensor(storage, offset, size, stride).
    private sealed class TensorConstructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 4 || args[0] is not TorchStorage storage)
                throw new InvalidDataException($"a tensor rebuilt from {Describe(args)}, not from a storage, offset, size and stride.");
            var shape = Integers(args[2], "a tensor's size");
            var stride = Integers(args[3], "a tensor's stride");
            if (shape.Length != stride.Length)
                throw new InvalidDataException($"a tensor of storage '{storage.Key}' has size {Describe(args[2])} but stride {Describe(args[3])}.");
            return new TorchTensor(storage, Integer(args[1], "a tensor's storage offset"), shape, stride);
        }
    }

    // _rebuild_parameter(data, requires_grad, backward_hooks): the tensor itself.
    private sealed class ParameterConstructor : IObjectConstructor
    {
        public object construct(object[] args) =>
            args is [TorchTensor tensor, ..] ? tensor : throw new InvalidDataException($"a parameter rebuilt from {Describe(args)}, not from a tensor.");
    }

    private sealed class OrderedDictConstructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            var dictionary = new PickledOrderedDict();
            if (args is [IEnumerable pairs, ..])
                foreach (var pair in pairs)
                    if (pair is object[] { Length: 2 } kv) dictionary[kv[0]] = kv[1];
            return dictionary;
        }
    }

    private sealed class PlaceholderConstructor(string className) : IObjectConstructor
    {
        public string ClassName { get; } = className;

        public object construct(object[] args) => new PickledObject(ClassName, args);
    }
}
