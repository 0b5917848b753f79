namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// Replaces a file all at once: readers see either the old content or the complete new content, never a torn
/// write, and a writer that throws leaves the old file untouched.
/// </summary>
public static class AtomicFile
{
    private const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Writes to a temporary file in the target's directory, flushes it to disk (<c>fsync</c>), then renames it
    /// over <paramref name="path"/>. The temporary file is deleted if <paramref name="write"/> throws.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}{TemporarySuffix}");
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

    /// <summary>
    /// Deletes the temporary files that writers killed mid-write (power loss, SIGKILL) left in
    /// <paramref name="directory"/>; call it only where no writer is active. Returns how many were removed.
    /// </summary>
    public static int RemoveStaleTemporaries(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(directory, $".*{TemporarySuffix}"))
        {
            if (!IsTemporaryName(Path.GetFileName(file))) continue;
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    // ".{target}.{32 hex digits}.tmp", as Write names them.
    private static bool IsTemporaryName(string name)
    {
        string[] parts = name.Split('.');
        return parts.Length >= 4 && parts[0].Length == 0 && parts[^1] == "tmp"
            && parts[^2].Length == 32 && parts[^2].All(Uri.IsHexDigit);
    }

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="text"/> in UTF-8 (no byte-order mark).</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });
}
