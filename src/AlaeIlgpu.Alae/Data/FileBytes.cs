using Microsoft.Win32.SafeHandles;

namespace AlaeIlgpu.Alae.Data;

/// <summary>Positional reads that either fill the whole buffer or say which file ended early.</summary>
internal static class FileBytes
{
    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/> of the file.</summary>
    /// <exception cref="InvalidDataException">The file ends first; the message names <paramref name="path"/>.</exception>
    public static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int read = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (read == 0)
                throw new InvalidDataException($"{path}: truncated: expected {buffer.Length} bytes at offset {offset}, the file ends after {done}.");
            done += read;
        }
    }
}
