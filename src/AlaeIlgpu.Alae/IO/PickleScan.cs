using System.Buffers.Binary;
using System.Text;

namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// One pickle cut out of a stream by walking its opcodes (without building anything): its bytes up to and including
/// STOP, and the classes it names (GLOBAL and INST operands, and the module/name strings STACK_GLOBAL takes), so a
/// reader can give each class it does not know an inert placeholder before unpickling. The opcode lengths follow
/// Python's <c>pickletools</c> (protocols 0 to 5).
/// </summary>
/// <param name="Bytes">The pickle, from its first opcode to STOP.</param>
/// <param name="Classes">Every class named, as "module.name".</param>
public sealed record PickleScan(byte[] Bytes, IReadOnlySet<string> Classes)
{
    private const byte Stop = (byte)'.';

    /// <summary>Copies one pickle from the current position of <paramref name="stream"/>, leaving it just after STOP.</summary>
    /// <exception cref="InvalidDataException">The stream ends inside the pickle, or holds an opcode no protocol defines (names <paramref name="source"/> and the offset).</exception>
    public static PickleScan Read(Stream stream, string source)
    {
        var walker = new Walker(stream, source);
        walker.Run();
        return new PickleScan(walker.Copy.ToArray(), walker.Classes);
    }

    private sealed class Walker(Stream stream, string source)
    {
        private readonly Dictionary<int, string?> _memo = [];
        private string? _previous, _last;   // the two most recent values pushed, when they are strings

        public MemoryStream Copy { get; } = new();

        public HashSet<string> Classes { get; } = new(StringComparer.Ordinal);

        public void Run()
        {
            while (true)
            {
                long at = Copy.Length;
                byte op = Bytes(1)[0];
                if (op == Stop) return;
                Step(op, at);
            }
        }

        private void Step(byte op, long at)
        {
            switch ((char)op)
            {
                case 'c' or 'i': Classes.Add($"{Line()}.{Line()}"); Push(null); break;
                case '\x93': Classes.Add($"{_previous}.{_last}"); Push(null); break;
                case 'X': Push(Text(Length(4))); break;
                case '\x8c': Push(Text(Length(1))); break;
                case '\x8d': Push(Text(Length(8))); break;
                case 'V' or 'S': Push(Line()); break;
                case 'U' or 'C' or '\x8a': Skip(Length(1)); Push(null); break;
                case 'T' or 'B' or '\x8b': Skip(Length(4)); Push(null); break;
                case '\x8e' or '\x96': Skip(Length(8)); Push(null); break;
                case 'h': Get(Bytes(1)[0]); break;
                case 'j': Get(BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;
                case 'g': Get(Index(Line())); break;
                case 'q': Put(Bytes(1)[0]); break;
                case 'r': Put(BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;
                case 'p': Put(Index(Line())); break;
                case '\x94': Put(_memo.Count); break;
                case 'F' or 'I' or 'L' or 'P': Line(); Push(null); break;
                case 'K' or '\x82': Skip(1); Push(null); break;
                case '\x80': Skip(1); break;
                case 'M' or '\x83': Skip(2); Push(null); break;
                case 'J' or '\x84': Skip(4); Push(null); break;
                case 'G': Skip(8); Push(null); break;
                case '\x95': Skip(8); break;
                case '(' or '0' or '1' or '2' or 'N' or 'Q' or 'R' or 'a' or 'b' or 'd' or '}' or 'e' or 'l' or ']' or 'o'
                    or 's' or 't' or ')' or 'u' or '\x81' or '\x85' or '\x86' or '\x87' or '\x88' or '\x89' or '\x8f'
                    or '\x90' or '\x91' or '\x92' or '\x97' or '\x98':
                    Push(null);
                    break;
                default:
                    throw new InvalidDataException($"{source}: unknown pickle opcode 0x{op:x2} at byte {at} of the pickle; the file is damaged or not a PyTorch checkpoint.");
            }
        }

        private void Push(string? value) => (_previous, _last) = (_last, value);

        private void Get(int index) => Push(_memo.GetValueOrDefault(index));

        private void Put(int index) => _memo[index] = _last;

        private int Index(string line) =>
            int.TryParse(line, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
                ? index
                : throw new InvalidDataException($"{source}: the memo index '{line}' inside the pickle is not a number; the file is damaged.");

        private long Length(int bytes)
        {
            var span = Bytes(bytes);
            long length = bytes switch
            {
                1 => span[0],
                4 => BinaryPrimitives.ReadUInt32LittleEndian(span),
                _ => BinaryPrimitives.ReadInt64LittleEndian(span),
            };
            return length >= 0 ? length : throw new InvalidDataException($"{source}: a negative length inside the pickle; the file is damaged.");
        }

        private string Text(long length) => Encoding.UTF8.GetString(Bytes(checked((int)length)));

        private void Skip(long length)
        {
            var buffer = new byte[Math.Min(length, 1 << 16)];
            for (long left = length; left > 0; left -= buffer.Length)
            {
                int n = (int)Math.Min(left, buffer.Length);
                Fill(buffer.AsSpan(0, n));
            }
        }

        private string Line()
        {
            var line = new List<byte>();
            for (byte b; (b = Bytes(1)[0]) != (byte)'\n';) line.Add(b);
            return Encoding.UTF8.GetString([.. line]);
        }

        private byte[] Bytes(int count)
        {
            var buffer = new byte[count];
            Fill(buffer);
            return buffer;
        }

        private void Fill(Span<byte> buffer)
        {
            int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (read < buffer.Length)
                throw new InvalidDataException($"{source}: the file ends inside a pickle (at byte {Copy.Length + read} of it); it is truncated.");
            Copy.Write(buffer);
        }
    }
}
