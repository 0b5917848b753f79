using System.Globalization;

namespace AlaeIlgpu.Serve;

/// <summary>The rows of a run's losses.csv from some row on.</summary>
/// <param name="Columns">The header: "iteration" then each scalar's name.</param>
/// <param name="Rows">Rows from <c>after</c> on, each as many numbers as there are columns.</param>
/// <param name="Total">Rows the file holds (the next request's <c>after</c>).</param>
internal sealed record LossRows(IReadOnlyList<string> Columns, IReadOnlyList<double[]> Rows, int Total)
{
    /// <summary>The last row as column name to value (empty when there are no rows).</summary>
    public Dictionary<string, double> Last() =>
        Rows.Count == 0 ? [] : Columns.Select((name, i) => (name, value: Rows[^1][i])).ToDictionary(p => p.name, p => p.value);
}

/// <summary>
/// Reads losses.csv while a training run may be appending to it (shared read, a line without its newline skipped).
/// </summary>
internal static class LossLog
{
    /// <summary>The rows of the CSV at <paramref name="path"/> after the first <paramref name="after"/>; empty when the file does not exist yet.</summary>
    public static LossRows Read(string path, int after)
    {
        if (!File.Exists(path)) return new LossRows([], [], 0);
        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream)) text = reader.ReadToEnd();
        string[] lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].Length == 0) return new LossRows([], [], 0);
        string[] columns = lines[0].TrimEnd('\r').Split(',');
        var rows = new List<double[]>();
        int total = 0;
        // The last element follows the last newline: empty, or a line still being written.
        foreach (string line in lines.Skip(1).Take(lines.Length - 2))
        {
            if (Parse(line, columns.Length) is not { } row) continue;
            if (total++ >= after) rows.Add(row);
        }
        return new LossRows(columns, rows, total);
    }

    // A complete row, or null for a blank or half-written line.
    private static double[]? Parse(string line, int columns)
    {
        string[] fields = line.TrimEnd('\r').Split(',');
        if (fields.Length != columns) return null;
        var row = new double[columns];
        for (int i = 0; i < columns; i++)
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out row[i])) return null;
        return row;
    }
}
