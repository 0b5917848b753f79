using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Cli;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>The training status line fits the terminal and keeps the most important fields when narrow.</summary>
public class ProgressLineTests
{
    // The widest MLP line of a default run: 4-digit iterations, three losses, the epoch, the rate and the ETA.
    private static readonly TrainingProgress Widest = new(5999, 6000,
        new AlaeLosses(-1.23456f, 12.3456f, 0.0123456f).ToScalars(), "epoch 95.9", 12345, TimeSpan.FromHours(11.5));

    [Theory]
    [InlineData(ProgressLine.DefaultWidth)]
    [InlineData(60)]
    [InlineData(20)]
    public void ALineNeverExceedsTheWidth(int width)
    {
        string line = ProgressLine.Format(Widest, width);
        Assert.True(line.Length <= width, $"{line.Length} > {width}: {line}");
        Assert.StartsWith("5999/6000", line);
    }

    [Fact]
    public void EightyColumnsShowEveryFieldAndAWideTerminalAddsTheBar()
    {
        string line = ProgressLine.Format(Widest, ProgressLine.DefaultWidth);
        foreach (var part in new[] { "ETA 11:30:00", "L_ED -1.23", "L_FG 12.3", "L_EG 0.0123", "epoch 95.9", "12345 img/s" })
            Assert.Contains(part, line);
        Assert.StartsWith("[#######################.] 5999/6000", ProgressLine.Format(Widest, 200));
    }
}
