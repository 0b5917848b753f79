namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// Replaces a file all at once: readers see either the old content or the complete new content, never a torn
/// write, and a writer that throws leaves the old file untouched.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes to a temporary file in the target's directory, flushes it to disk (<c>fsync</c>), then renames it
    /// over <paramref name="path"/>. The temporary file is deleted if <paramref name="write"/> throws.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="text"/> in UTF-8 (no byte-order mark).</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });
}
