using System.Buffers.Binary;
using System.Text;

namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// Writes a protocol-2 pickle with the few opcodes a PyTorch checkpoint of dictionaries and float tensors needs (no
/// memo: every object is written once). Each method appends one opcode and its argument.
/// </summary>
internal sealed class TorchPickleWriter
{
    private readonly MemoryStream _bytes = new();

    /// <summary>Starts the pickle with PROTO 2.</summary>
    public TorchPickleWriter() => Op(0x80).Op(2);

    /// <summary>The pickle so far followed by STOP.</summary>
    public byte[] Finish() => [.. _bytes.ToArray(), (byte)'.'];

    /// <summary>MARK.</summary>
    public TorchPickleWriter Mark() => Op((byte)'(');

    /// <summary>EMPTY_DICT.</summary>
    public TorchPickleWriter EmptyDict() => Op((byte)'}');

    /// <summary>SETITEMS: the key/value pairs since the last MARK go into the dictionary below it.</summary>
    public TorchPickleWriter SetItems() => Op((byte)'u');

    /// <summary>EMPTY_TUPLE.</summary>
    public TorchPickleWriter EmptyTuple() => Op((byte)')');

    /// <summary>TUPLE: the items since the last MARK.</summary>
    public TorchPickleWriter Tuple() => Op((byte)'t');

    /// <summary>REDUCE: calls the callable below the argument tuple on top.</summary>
    public TorchPickleWriter Reduce() => Op((byte)'R');

    /// <summary>BINPERSID: the tuple on top is a persistent id.</summary>
    public TorchPickleWriter PersistentId() => Op((byte)'Q');

    /// <summary>NEWFALSE.</summary>
    public TorchPickleWriter False() => Op(0x89);

    /// <summary>GLOBAL module name.</summary>
    public TorchPickleWriter Global(string module, string name)
    {
        Op((byte)'c');
        _bytes.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        return this;
    }

    /// <summary>BINUNICODE.</summary>
    public TorchPickleWriter Text(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        Op((byte)'X').UInt32((uint)utf8.Length);
        _bytes.Write(utf8);
        return this;
    }

    /// <summary>A non-negative integer: BININT1, BININT2, BININT or (beyond int32) LONG1 of 8 bytes.</summary>
    public TorchPickleWriter Int(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value <= byte.MaxValue) return Op((byte)'K').Op((byte)value);
        if (value <= ushort.MaxValue)
        {
            Op((byte)'M');
            Span<byte> two = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)value);
            _bytes.Write(two);
            return this;
        }
        if (value <= int.MaxValue) return Op((byte)'J').UInt32((uint)value);
        Op(0x8a).Op(8);
        Span<byte> eight = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(eight, value);
        _bytes.Write(eight);
        return this;
    }

    /// <summary>
    /// A tensor as <c>torch.save</c> pickles one: <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False,
    /// OrderedDict())</c> with the persistent id <c>('storage', torch.STORAGECLASS, KEY, 'cpu', count)</c>.
    /// </summary>
    public TorchPickleWriter RebuildTensor(string storageClass, string key, long count, long offset, IEnumerable<long> size, IEnumerable<long> stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Text("storage").Global("torch", storageClass).Text(key).Text("cpu").Int(count).Tuple().PersistentId();
        Int(offset).IntTuple(size).IntTuple(stride);
        return False().Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce();
    }

    /// <summary>A tuple of non-negative integers (MARK ... TUPLE).</summary>
    public TorchPickleWriter IntTuple(IEnumerable<long> values)
    {
        Mark();
        foreach (long v in values) Int(v);
        return Tuple();
    }

    private TorchPickleWriter UInt32(uint value)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(four, value);
        _bytes.Write(four);
        return this;
    }

    /// <summary>Any one opcode byte, for the opcodes without a method here (hand-made pickles in tests).</summary>
    public TorchPickleWriter Op(byte opcode)
    {
        _bytes.WriteByte(opcode);
        return this;
    }
}
