using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Cli;
using AlaeIlgpu.Tests.Alae;

namespace AlaeIlgpu.Tests.Style;

/// <summary><c>alae probe</c> on the <c>tiny</c> config: the figures it prints, the options it refuses, a diverging config.</summary>
[Collection(MlpConsoleCollection.Name)]
public partial class StyleProbeTests
{
    private static (int ExitCode, string Output, string Error) Alae(params string[] args) => MlpCommandTests.Alae(args);

    [Fact]
    public void ProbePrintsEachIterationsLossesAndTimeThenMeanMedianThroughputAndPeakMemory()
    {
        var (code, output, error) = Alae("probe", "--config", "tiny", "--device", "cpu", "--iterations", "2", "--warmup", "1");
        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Contains("lod 2 (16x16), blend 1, batch 4", output);   // tiny's top level and its batch size there
        foreach (string row in new[] { "warmup      1:", "iteration   1:", "iteration   2:" })
            Assert.Matches(Regex.Escape(row) + @" loss_ed +[-\d.eE+]+ loss_fg +[-\d.eE+]+ loss_eg +[-\d.eE+]+ +\d+\.\d ms", output);
        Assert.DoesNotMatch(@"iteration +3:", output);
        var summary = Summary().Match(output);
        Assert.True(summary.Success, output);
        double mean = Number(summary, "mean"), median = Number(summary, "median"), imagesPerSecond = Number(summary, "rate");
        Assert.True(mean > 0 && median > 0, output);
        Assert.Equal(4 * 1000 / mean, imagesPerSecond, 0.01 * imagesPerSecond);   // printed to 4 significant digits
        var memory = Memory().Match(output);
        Assert.True(memory.Success, output);
        // Both process-wide: in the test process the cpu pool also holds other tests' buffers, so neither bounds the other.
        Assert.True(Number(memory, "peak") > 0 && Number(memory, "buffers") > 0, output);
    }

    [Theory]
    [InlineData(ExitCodes.Error, "--lod 3 is out of range: the config has levels of detail 0 to 2", "--lod", "3")]
    [InlineData(ExitCodes.Error, "--lod -1 is out of range", "--lod", "-1")]
    [InlineData(ExitCodes.Error, "--batch 0 must be at least 1", "--batch", "0")]
    [InlineData(ExitCodes.Error, "--blend 0 must be in (0, 1]", "--blend", "0")]
    [InlineData(ExitCodes.Error, "--blend 0.5 needs --lod 1 or more", "--blend", "0.5", "--lod", "0")]
    [InlineData(ExitCodes.Error, "--iterations 0 must be at least 1", "--iterations", "0")]
    [InlineData(ExitCodes.Error, "--warmup -1 must be 0 or more", "--warmup", "-1")]
    [InlineData(ExitCodes.Error, "'nope' is neither a configuration file nor a built-in configuration", "--config", "nope")]
    [InlineData(ExitCodes.Usage, "--batch", "--batch", "many")]
    public void BadOptionsAreRefusedNamingTheOption(int exitCode, string message, params string[] options)
    {
        var (code, output, error) = Alae(["probe", "--device", "cpu", .. options.Contains("--config") ? options : ["--config", "tiny", .. options]]);
        Assert.Equal(exitCode, code);
        Assert.Contains(message, error);
        Assert.DoesNotContain("iteration", output);   // refused before anything ran
    }

    [Fact]
    public void ANonFiniteLossEndsWithExitCode3NamingTheIterationAndTheLoss()
    {
        using var dir = new TempDirectory();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "configs", "style-tiny.json")))!;
        config["optimizer"]!["learning_rates"] = new JsonArray(1e30);   // step I's update overflows the weights
        string path = dir.File("diverging.json");
        File.WriteAllText(path, config.ToJsonString());

        var (code, _, error) = Alae("probe", "--config", path, "--device", "cpu", "--lod", "0");
        Assert.Equal(ExitCodes.Diverged, code);
        Assert.Matches(@"warmup iteration 1: loss_\w+ is (NaN|-?Infinity|∞|-∞)", error);
    }

    [Fact]
    public void ReportFiguresCountOnlyTheTimedIterations()
    {
        var losses = new AlaeLosses(1, 2, 3);
        var report = new StyleProbeReport(Lod: 2, Blend: 1, Batch: 8,
            [new(1, true, losses, 1000), new(1, false, losses, 40), new(2, false, losses, 10), new(3, false, losses, 20), new(4, false, losses, 30)],
            PeakWorkingSetBytes: 1, TensorBufferBytes: 1);
        Assert.Equal(25, report.MeanMilliseconds);
        Assert.Equal(25, report.MedianMilliseconds);   // even count: between 20 and 30
        Assert.Equal(8 * 1000 / 25.0, report.ImagesPerSecond);
        Assert.Equal(20, (report with { Iterations = report.Iterations.Take(4).ToArray() }).MedianMilliseconds);
    }

    private static double Number(Match match, string group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"mean (?<mean>[\d.]+) ms, median (?<median>[\d.]+) ms per iteration, (?<rate>[\d.eE+]+) images/s")]
    private static partial Regex Summary();

    [GeneratedRegex(@"peak memory (?<peak>\d+) MiB \(process peak working set\), tensor buffers held (?<buffers>\d+) MiB")]
    private static partial Regex Memory();
}
