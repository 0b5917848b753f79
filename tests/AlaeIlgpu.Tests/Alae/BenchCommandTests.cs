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
    public void ZeroIterationsIsRejected()
    {
        var (code, _, error) = MlpCommandTests.Alae("bench", "--device", "cpu", "--tiny", "--iterations", "0");

        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("--iterations at least 1", error);
    }
}
