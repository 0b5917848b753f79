using System.Buffers.Binary;
using System.Collections;
using System.IO.Compression;
using System.IO.Hashing;
using System.Numerics;

namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// A PyTorch checkpoint (<c>torch.save</c>) opened for reading, in either format: the zip archive of PyTorch 1.6 and
/// later (<c>PREFIX/data.pkl</c> and one member <c>PREFIX/data/KEY</c> per storage) or the legacy stream (magic number,
/// protocol and system pickles, the object pickle, the storage key list, then each storage's bytes). Opening unpickles
/// the object graph (<see cref="Root"/>: dictionaries, lists, tuples as arrays, primitives, <see cref="TorchTensor"/>,
/// <see cref="PickledObject"/>) but reads no tensor data; <see cref="Read(TorchTensor, string)"/> reads one tensor's values, so a large file
/// is imported with memory near the size of the tensors kept, not of the file.
/// </summary>
public sealed class TorchCheckpoint : IDisposable
{
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture); // 0x1950a86a20f9469cfc6c
    private const int LegacyProtocol = 1001;
    private const byte PickleProto = 0x80;

    private readonly ITorchStorageFile _storages;
    private byte[] _buffer = [];   // the storage bytes of the tensor being read, reused

    private TorchCheckpoint(string path, object? root, ITorchStorageFile storages) => (Path, Root, _storages) = (path, root, storages);

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The unpickled object (for the official ALAE checkpoints a dictionary of "models" and "auxiliary").</summary>
    public object? Root { get; }

    /// <summary>Opens <paramref name="path"/> and unpickles its object graph.</summary>
    /// <exception cref="InvalidDataException">The file is not a PyTorch checkpoint, is truncated or damaged (the message names it and what is wrong).</exception>
    public static TorchCheckpoint Open(string path)
    {
        var file = File.OpenRead(path);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            int read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            file.Position = 0;
            if (read == 4 && magic.SequenceEqual("PK\x03\x04"u8)) return OpenZip(file, path);
            if (read > 0 && magic[0] == PickleProto) return OpenLegacy(file, path);
            throw NotACheckpoint(path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The values of <paramref name="tensor"/> as float32 in C order; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">
    /// The tensor is not of a float type (float32, float64, float16, bfloat16), reaches outside its storage, or its
    /// storage is missing or damaged.
    /// </exception>
    public NumpyArray Read(TorchTensor tensor, string name)
    {
        var view = Check(tensor, name);
        var data = new float[view.Count];
        Read(tensor, name, data);
        return new NumpyArray(view.Shape, data);
    }

    /// <summary>
    /// Reads the values of <paramref name="tensor"/> (float32, C order) into <paramref name="destination"/>, which holds
    /// exactly its element count, through one storage buffer the checkpoint reuses (sized to the largest storage read).
    /// </summary>
    /// <exception cref="InvalidDataException">As for <see cref="Read(TorchTensor, string)"/>, or <paramref name="destination"/> has another length.</exception>
    public void Read(TorchTensor tensor, string name, Span<float> destination)
    {
        var view = Check(tensor, name);
        if (destination.Length != view.Count)
            throw new InvalidDataException($"{Path}: tensor '{name}' has {view.Count} elements, read into {destination.Length}.");
        var storage = tensor.Storage;
        long length = storage.Count * storage.Type.ElementSize;
        if (length > Array.MaxLength)
            throw new InvalidDataException($"{Path}: storage '{storage.Key}' of tensor '{name}' holds {length} bytes, more than an array can; the file is damaged.");
        if (_buffer.Length < length) _buffer = new byte[length];
        var bytes = _buffer.AsSpan(0, (int)length);
        _storages.Read(storage, name, bytes);
        for (int i = 0; i < destination.Length; i++) destination[i] = Element(bytes, view.StorageIndex(i), storage.Type.Element);
    }

    /// <summary>
    /// Checks, without reading its values, that <paramref name="tensor"/> can be read: a float type and a view inside
    /// its storage (as <see cref="Read(TorchTensor, string)"/> would find).
    /// </summary>
    /// <exception cref="InvalidDataException">The tensor is not of a float type or reaches outside its storage (names the file and <paramref name="name"/>).</exception>
    public void Validate(TorchTensor tensor, string name) => Check(tensor, name);

    /// <inheritdoc />
    public void Dispose() => _storages.Dispose();

    private TensorView Check(TorchTensor tensor, string name)
    {
        var type = tensor.Storage.Type;
        if (type.Element == TorchElement.NotFloat)
            throw new InvalidDataException($"{Path}: tensor '{name}' is stored as {type.Name}; only float32, float64, float16 and bfloat16 tensors can be read.");
        return TensorView.Of(tensor, name, Path);
    }

    private static float Element(ReadOnlySpan<byte> bytes, long index, TorchElement element) => element switch
    {
        TorchElement.Float32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(int)(index * 4)..]),
        TorchElement.Float64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(int)(index * 8)..]),
        TorchElement.Float16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(int)(index * 2)..]),
        _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(int)(index * 2)..]) << 16),
    };

    private static TorchCheckpoint OpenZip(FileStream file, string path)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(file, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: a zip archive that does not open ({e.Message}); the file is truncated or damaged.", e);
        }
        try
        {
            var pickle = archive.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToArray();
            if (pickle.Length != 1)
                throw new InvalidDataException($"{path}: a zip archive with {pickle.Length} 'PREFIX/data.pkl' members, not a PyTorch checkpoint (which has one).");
            string prefix = pickle[0].FullName[..^"data.pkl".Length];
            CheckByteOrder(archive.GetEntry(prefix + "byteorder"), path);
            var scan = ReadMember(pickle[0], path);
            var (root, _) = TorchUnpickler.Load(scan, $"{path}:{pickle[0].FullName}");
            return new TorchCheckpoint(path, root, new TorchZipStorages(archive, prefix, path));
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    private static PickleScan ReadMember(ZipArchiveEntry entry, string path)
    {
        PickleScan scan;
        using (var stream = entry.Open()) scan = PickleScan.Read(stream, $"{path}:{entry.FullName}");
        if (scan.Bytes.Length != entry.Length || Crc32.HashToUInt32(scan.Bytes) != entry.Crc32)
            throw new InvalidDataException($"{path}: '{entry.FullName}' does not match its length or CRC-32; the file is damaged.");
        return scan;
    }

    private static void CheckByteOrder(ZipArchiveEntry? entry, string path)
    {
        if (entry is null) return;   // written before PyTorch recorded it: little-endian
        using var reader = new StreamReader(entry.Open());
        string order = reader.ReadToEnd().Trim();
        if (order != "little")
            throw new InvalidDataException($"{path}: the tensors are stored {order}-endian; only little-endian checkpoints can be read.");
    }

    private static TorchCheckpoint OpenLegacy(FileStream file, string path)
    {
        if (Small(file, path) is not BigInteger magic || magic != LegacyMagic) throw NotACheckpoint(path);
        if (Small(file, path) is not LegacyProtocol)
            throw new InvalidDataException($"{path}: a legacy PyTorch checkpoint of a protocol other than {LegacyProtocol}.");
        if (Small(file, path) is not Hashtable info || info["little_endian"] is not true)
            throw new InvalidDataException($"{path}: a legacy PyTorch checkpoint that is not little-endian.");
        var (root, storages) = TorchUnpickler.Load(PickleScan.Read(file, path), path);
        if (Small(file, path) is not ArrayList keys || keys.Cast<object>().Any(k => k is not string))
            throw new InvalidDataException($"{path}: the legacy storage key list is not a list of strings; the file is damaged.");
        return new TorchCheckpoint(path, root, new TorchLegacyStorages(file, path, keys.Cast<string>().ToArray(), storages));
    }

    private static InvalidDataException NotACheckpoint(string path) =>
        new($"{path}: not a PyTorch checkpoint (neither a zip archive nor the legacy format's magic number).");

    // One of the legacy format's small pickles (no tensors).
    private static object? Small(FileStream file, string path) => TorchUnpickler.Load(PickleScan.Read(file, path), path).Root;

    /// <summary>A tensor's shape and where each of its elements (in C order) lies in its storage.</summary>
    private sealed record TensorView(int[] Shape, long[] Stride, long Offset, bool Contiguous)
    {
        public long Count => Shape.Aggregate(1L, (p, d) => p * d);

        public static TensorView Of(TorchTensor tensor, string name, string path)
        {
            if (tensor.Shape.Any(d => d < 0 || d > Array.MaxLength) || tensor.Stride.Any(s => s < 0) || tensor.Offset < 0)
                throw new InvalidDataException($"{path}: tensor '{name}' has size ({string.Join(", ", tensor.Shape)}), stride ({string.Join(", ", tensor.Stride)}), offset {tensor.Offset}; the file is damaged.");
            var shape = tensor.Shape.Select(d => (int)d).ToArray();
            long count = shape.Aggregate(1L, (p, d) => p * d);
            long last = tensor.Offset + tensor.Shape.Zip(tensor.Stride, (d, s) => (d - 1) * s).Sum();
            if (count > Array.MaxLength || (count > 0 && last >= tensor.Storage.Count))
                throw new InvalidDataException($"{path}: tensor '{name}' reaches element {last} of its storage '{tensor.Storage.Key}' of {tensor.Storage.Count}; the file is damaged.");
            return new TensorView(shape, tensor.Stride, tensor.Offset, tensor.Stride.SequenceEqual(TorchStrides.Contiguous(shape)));
        }

        // The storage element of the tensor's element i in C order (non-contiguous views gather by their strides).
        public long StorageIndex(long i)
        {
            if (Contiguous) return Offset + i;
            long index = Offset;
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                index += i % Shape[d] * Stride[d];
                i /= Shape[d];
            }
            return index;
        }
    }
}
