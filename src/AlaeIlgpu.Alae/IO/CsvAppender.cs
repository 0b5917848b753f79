using System.Globalization;

namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// Appends rows of numbers to a CSV file (for example the per-step losses of a training run), flushing every line
/// so that a crash loses at most the row being written. The header is written when the file is new or empty; an
/// existing file must have the same header, so a resumed run keeps appending to the same table.
/// </summary>
public sealed class CsvAppender : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly int _columnCount;

    /// <summary>Opens (or creates) <paramref name="path"/> for appending rows under <paramref name="columns"/>.</summary>
    /// <exception cref="InvalidDataException">The file exists with a different header.</exception>
    public CsvAppender(string path, IReadOnlyList<string> columns)
    {
        if (columns.Count == 0) throw new ArgumentException("A CSV file needs at least one column.", nameof(columns));
        foreach (string column in columns)
        {
            if (column.IndexOfAny([',', '"', '\n', '\r']) >= 0)
                throw new ArgumentException($"CSV column name '{column}' must not contain commas, quotes or line breaks.", nameof(columns));
        }
        string header = string.Join(',', columns);
        bool hasContent = File.Exists(path) && new FileInfo(path).Length > 0;
        if (hasContent) CheckHeader(path, header);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read));
        _columnCount = columns.Count;
        if (!hasContent) WriteLine(header);
    }

    /// <summary>Appends one row; values are written with invariant culture and round-trip precision.</summary>
    public void Append(params ReadOnlySpan<double> values)
    {
        if (values.Length != _columnCount)
            throw new ArgumentException($"The CSV file has {_columnCount} columns but {values.Length} values were given.", nameof(values));
        var cells = new string[values.Length];
        for (int i = 0; i < values.Length; i++) cells[i] = values[i].ToString("R", CultureInfo.InvariantCulture);
        WriteLine(string.Join(',', cells));
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _writer.Dispose();

    private void WriteLine(string line)
    {
        _writer.Write(line);
        _writer.Write('\n');
        _writer.Flush();
    }

    private static void CheckHeader(string path, string header)
    {
        string? existing = File.ReadLines(path).FirstOrDefault();
        if (existing != header)
            throw new InvalidDataException($"{path}: existing header '{existing}' differs from '{header}'.");
    }
}
