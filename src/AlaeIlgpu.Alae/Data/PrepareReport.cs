using System.Globalization;
using System.Text;

namespace AlaeIlgpu.Alae.Data;

/// <summary>An image file <see cref="DatasetPreparer"/> left out, and why.</summary>
/// <param name="File">Path relative to the images folder.</param>
/// <param name="Reason">What was wrong (unreadable, truncated, too small, too large).</param>
public sealed record SkippedImage(string File, string Reason);

/// <summary>Where <see cref="DatasetPreparer"/> stands: a phase, and how far through it.</summary>
/// <param name="Phase">"images" while decoding the top level, then "levels" while pooling the lower levels.</param>
/// <param name="Done">Items of the phase finished (images, or levels).</param>
/// <param name="Total">Items of the phase in all.</param>
public sealed record PrepareProgress(string Phase, int Done, int Total);

/// <summary>What <see cref="DatasetPreparer.Prepare"/> wrote and what it left out.</summary>
/// <param name="OutFile">The packed file written.</param>
/// <param name="Resolution">Side of its top level.</param>
/// <param name="Channels">Its colour channels.</param>
/// <param name="Written">Images in the file.</param>
/// <param name="Skipped">Image files left out, in file-name order.</param>
/// <param name="Ignored">Files without an image extension, not looked at.</param>
/// <param name="FileBytes">Size of the packed file.</param>
/// <param name="Elapsed">Wall time of the whole preparation.</param>
public sealed record PrepareReport(string OutFile, int Resolution, int Channels, int Written, IReadOnlyList<SkippedImage> Skipped,
    int Ignored, long FileBytes, TimeSpan Elapsed)
{
    /// <summary>A human-readable summary, one skipped file per line.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{OutFile}: {Written} images of {Channels}x{Resolution}x{Resolution}, {FileBytes / 1048576.0:F1} MiB, in {Elapsed.TotalSeconds:F1} s.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Skipped {Skipped.Count} image files; ignored {Ignored} other files.");
        foreach (SkippedImage skipped in Skipped) text.AppendLine(CultureInfo.InvariantCulture, $"  skipped {skipped.File}: {skipped.Reason}");
        return text.ToString();
    }
}
