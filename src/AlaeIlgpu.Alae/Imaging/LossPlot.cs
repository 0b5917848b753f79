using System.Globalization;
using AlaeIlgpu.Alae.IO;
using ScottPlot;

namespace AlaeIlgpu.Alae.Imaging;

/// <summary>One named curve of a loss plot: a value per training step.</summary>
/// <param name="Name">Legend text, for example <c>loss_d</c>.</param>
/// <param name="Steps">The x coordinates (training steps), ascending.</param>
/// <param name="Values">The loss at each step.</param>
public sealed record LossSeries(string Name, double[] Steps, double[] Values)
{
    /// <summary>
    /// Reads a CSV file as written by <see cref="CsvAppender"/>: the first column is the step, every other column
    /// becomes a series named by its header. Empty or non-numeric cells are skipped.
    /// </summary>
    public static IReadOnlyList<LossSeries> FromCsv(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty CSV file.");
        string[] header = lines[0].Split(',');
        var steps = new List<double>[header.Length];
        var values = new List<double>[header.Length];
        for (int c = 1; c < header.Length; c++) (steps[c], values[c]) = ([], []);
        foreach (string line in lines.Skip(1))
        {
            string[] cells = line.Split(',');
            if (cells.Length != header.Length || !TryParse(cells[0], out double step)) continue;
            for (int c = 1; c < header.Length; c++)
            {
                if (!TryParse(cells[c], out double value)) continue;
                steps[c].Add(step);
                values[c].Add(value);
            }
        }
        return [.. Enumerable.Range(1, header.Length - 1).Select(c => new LossSeries(header[c], [.. steps[c]], [.. values[c]]))];
    }

    private static bool TryParse(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}

/// <summary>
/// Draws loss curves against training step as a PNG (ScottPlot): one colour per series, a legend, axis labels.
/// With smoothing the raw curve is drawn faintly under an exponential moving average of it.
/// </summary>
public static class LossPlot
{
    /// <summary>Writes the plot to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="series">The curves.</param>
    /// <param name="smoothing">EMA weight in [0, 1): 0 draws raw curves only; 0.9 is a common choice.</param>
    /// <param name="title">Title above the plot.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void SavePng(string path, IReadOnlyList<LossSeries> series, double smoothing = 0, string title = "Training losses",
        int width = 1000, int height = 600)
    {
        byte[] png = Render(series, smoothing, title, width, height);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>
    /// A y range that shows where the losses settle: the early transient (ALAE's L_ED starts near 50 from the R1 term
    /// and is near 1.4 a few hundred steps later) would otherwise flatten every curve. Covers every value after the first
    /// 5% of steps, with a margin; null when there are too few points to tell.
    /// </summary>
    public static (double Low, double High)? SettledRange(IReadOnlyList<LossSeries> series)
    {
        var settled = series.SelectMany(s => s.Values.Skip(s.Values.Length / 20)).Where(double.IsFinite).ToList();
        if (settled.Count < 2) return null;
        double low = settled.Min(), high = settled.Max(), margin = 0.05 * (high - low);
        return (low - margin, high + margin);
    }

    /// <summary>The plot as PNG bytes (see <see cref="SavePng"/>).</summary>
    public static byte[] Render(IReadOnlyList<LossSeries> series, double smoothing, string title, int width, int height)
    {
        if (!(smoothing >= 0 && smoothing < 1)) throw new ArgumentOutOfRangeException(nameof(smoothing), $"Smoothing must be in [0, 1), not {smoothing}.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int s = 0; s < series.Count; s++) AddSeries(plot, series[s], palette.GetColor(s), smoothing);
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss");
        if (SettledRange(series) is var (low, high) && high > low) plot.Axes.SetLimitsY(low, high);
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>The exponential moving average s_t = w·s_(t−1) + (1 − w)·v_t, started at the first value.</summary>
    public static double[] Smooth(IReadOnlyList<double> values, double weight)
    {
        double[] smoothed = new double[values.Count];
        double state = values.Count > 0 ? values[0] : 0;
        for (int i = 0; i < values.Count; i++)
        {
            state = weight * state + (1 - weight) * values[i];
            smoothed[i] = state;
        }
        return smoothed;
    }

    private static void AddSeries(Plot plot, LossSeries series, Color color, double smoothing)
    {
        if (series.Steps.Length != series.Values.Length)
            throw new ArgumentException($"Series '{series.Name}' has {series.Steps.Length} steps but {series.Values.Length} values.", nameof(series));
        var raw = plot.Add.ScatterLine(series.Steps, series.Values, smoothing > 0 ? color.WithOpacity(0.25) : color);
        raw.LineWidth = 1;
        if (smoothing == 0)
        {
            raw.LegendText = series.Name;
            return;
        }
        var smooth = plot.Add.ScatterLine(series.Steps, Smooth(series.Values, smoothing), color);
        smooth.LineWidth = 2;
        smooth.LegendText = series.Name;
    }
}
