using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Cli;

/// <summary>
/// The live training status: one line rewritten in place on a terminal, or a plain line every
/// <see cref="RedirectedEvery"/> iterations when output goes to a file or CI log.
/// </summary>
public sealed class ProgressLine
{
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
            Console.Write($"\r{Format(p)}   ");
        }
        else if (p.Iteration % RedirectedEvery == 0 || last)
        {
            Console.WriteLine(Format(p));
        }
    }

    /// <summary>Ends the in-place line.</summary>
    public void Finish()
    {
        if (_interactive) Console.WriteLine();
    }

    private static string Format(TrainingProgress p)
    {
        int filled = (int)(BarWidth * (double)p.Iteration / p.Total);
        string bar = new string('#', filled) + new string('.', BarWidth - filled);
        var l = p.Losses;
        return $"[{bar}] {p.Iteration}/{p.Total} epoch {p.Epoch:F1} | L_ED {l.EncoderDiscriminator:F3} L_FG {l.Generator:F3} " +
               $"L_EG {l.LatentReconstruction:F4} | {p.ImagesPerSecond:F0} img/s | ETA {p.Remaining:hh\\:mm\\:ss}";
    }
}
