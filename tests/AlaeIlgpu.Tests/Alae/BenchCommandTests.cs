using System.Text.Json;
using AlaeIlgpu.Cli;

namespace AlaeIlgpu.Tests.Alae;

/// <summary><c>alae bench</c>: the JSON lines benchmarks/gpu/run.sh feeds to its PyTorch peer.</summary>
[Collection(MlpConsoleCollection.Name)]   // redirects the console
public sealed class BenchCommandTests
{
    [Fact]
    public void TinyBenchPrintsOneJsonLinePerCaseWithItsKindDimsAndMedian()
    {
        var (code, output, error) = MlpCommandTests.Alae("bench", "--device", "cpu", "--tiny", "--warmup", "0", "--iterations", "1");

        Assert.True(code == ExitCodes.Ok, output + error);
        var cases = output.Split('\n').Where(line => line.StartsWith('{')).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(["gemm", "gemm", "gemm", "conv", "conv", "modconv", "mlp_step"], cases.Select(c => c.GetProperty("kind").GetString()));
        Assert.All(cases, c =>
        {
            Assert.True(c.GetProperty("median_ms").GetDouble() > 0, c.ToString());
            Assert.Equal(c.GetProperty("name").GetString(),
                $"{c.GetProperty("kind").GetString()} {string.Join("x", c.GetProperty("dims").EnumerateArray().Select(d => d.GetInt32()))}");
        });
    }

    [Fact]
    public void TileSweepTimesEveryShapeOfEachKernelCaseAndNamesTheFastest()
    {
        var (code, output, error) = MlpCommandTests.Alae("bench", "--device", "ilgpu-cpu", "--tiny", "--warmup", "0", "--iterations", "1", "--tile-sweep");

        Assert.True(code == ExitCodes.Ok, output + error);
        string[] lines = output.Split('\n');
        var timed = lines.Where(line => line.StartsWith('{')).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var kernelCases = new[] { "gemm", "gemm", "gemm", "conv", "conv", "modconv" };
        int shapes = timed.Count / kernelCases.Length;
        Assert.True(shapes >= 2 && timed.Count == shapes * kernelCases.Length, output);
        Assert.Equal(kernelCases.SelectMany(kind => Enumerable.Repeat(kind, shapes)), timed.Select(c => c.GetProperty("kind").GetString()));
        Assert.All(timed, c => Assert.True(c.GetProperty("median_ms").GetDouble() > 0 && c.GetProperty("group_side").GetInt32() > 0, c.ToString()));
        Assert.Equal(kernelCases.Length, lines.Count(line => line.StartsWith("# ") && line.Contains(": fastest ") && line.Contains("as picked")));
    }

    [Fact]
    public void TileSweepNeedsAnIlgpuDevice()
    {
        var (code, _, error) = MlpCommandTests.Alae("bench", "--device", "cpu", "--tiny", "--tile-sweep");

        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("--device cpu has none", error);
    }

    [Fact]
    public void ZeroIterationsIsRejected()
    {
        var (code, _, error) = MlpCommandTests.Alae("bench", "--device", "cpu", "--tiny", "--iterations", "0");

        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("--iterations at least 1", error);
    }
}
