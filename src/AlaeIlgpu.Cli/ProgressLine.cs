using System.Globalization;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Cli;

/// <summary>
/// The live training status: one line rewritten in place on a terminal, or a plain line every
/// <see cref="RedirectedEvery"/> iterations when output goes to a file or CI log. A line never exceeds the terminal's
/// width less one column (<see cref="DefaultWidth"/> when there is no terminal), so it never wraps.
/// </summary>
public sealed class ProgressLine
{
    /// <summary>Line width when output is not a terminal: 80 columns less one.</summary>
    public const int DefaultWidth = 79;

    private const int RedirectedEvery = 100;
    private const int BarWidth = 24;
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private DateTime _lastDraw = DateTime.MinValue;

    /// <summary>Shows one iteration's progress (throttled to 10 redraws a second on a terminal).</summary>
    public void Report(TrainingProgress p)
    {
        bool last = p.Iteration == p.Total;
        if (_interactive)
        {
            if (!last && (DateTime.UtcNow - _lastDraw).TotalMilliseconds < 100) return;
            _lastDraw = DateTime.UtcNow;
            int width = TerminalWidth();
            Console.Write($"\r{Format(p, width).PadRight(width)}");
        }
        else if (p.Iteration % RedirectedEvery == 0 || last)
        {
            Console.WriteLine(Format(p, DefaultWidth));
        }
    }

    /// <summary>Ends the in-place line.</summary>
    public void Finish()
    {
        if (_interactive) Console.WriteLine();
    }

    /// <summary>
    /// The status in at most <paramref name="width"/> characters: with a progress bar and separators when there is
    /// room, else compact, else cut (the most important fields come first).
    /// </summary>
    public static string Format(TrainingProgress p, int width)
    {
        string[] fields =
        [
            $"{p.Iteration}/{p.Total}",
            $"ETA {p.Remaining:hh\\:mm\\:ss}",
            string.Join(' ', p.Scalars.Select(s => $"{Label(s.Name)} {s.Value.ToString("G3", CultureInfo.InvariantCulture)}")),
            p.Status,
            $"{p.ImagesPerSecond:F0} img/s",
        ];
        var shown = fields.Where(f => f.Length > 0).ToArray();
        string wide = string.Join(" | ", shown);
        if (wide.Length + BarWidth + 3 <= width) return $"[{Bar(p)}] {wide}";
        if (wide.Length <= width) return wide;
        string tight = string.Join(' ', shown);
        return tight.Length <= width ? tight : tight[..Math.Max(0, width - 3)] + "...";
    }

    // loss_ed -> L_ED: the loss names every model family logs, shortened for the line.
    private static string Label(string name) =>
        name.StartsWith("loss_", StringComparison.Ordinal) ? "L_" + name["loss_".Length..].ToUpperInvariant() : name;

    private static string Bar(TrainingProgress p)
    {
        int filled = (int)(BarWidth * (double)p.Iteration / p.Total);
        return new string('#', filled) + new string('.', BarWidth - filled);
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 1 ? Console.WindowWidth - 1 : DefaultWidth;
        }
        catch (IOException)
        {
            return DefaultWidth;
        }
    }
}
