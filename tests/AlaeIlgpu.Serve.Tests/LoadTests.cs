using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace AlaeIlgpu.Serve.Tests;

/// <summary>A burst of concurrent slider moves: every request is answered, and the memory the burst took is given back.</summary>
[Collection(ServedRunsCollection.Name)]
public sealed class LoadTests(ServedRuns served, ITestOutputHelper output)
{
    private const int Burst = 200;

    // Time for the server to notice the burst's connections closing and release their buffers.
    private static readonly TimeSpan ConnectionCloseWait = TimeSpan.FromSeconds(1);

    // The bound: after the burst the process's memory is within 10% of its level before.
    private const double MemoryGrowthLimit = 0.10;

    [Fact]
    public async Task TwoHundredConcurrentDecodesSucceedAndMemoryReturnsToItsLevel()
    {
        // Warm: the model, its latent basis, the code paths and a first set of connections, so the baseline is the
        // steady state of a server in use rather than one that has served nothing.
        using (var warm = new HttpClient { BaseAddress = served.Client.BaseAddress })
            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Decode(warm, i)));
        var before = await Measure();

        var clock = Stopwatch.StartNew();
        (HttpStatusCode Status, int Bytes)[] responses;
        // The burst's own client: its 200 connections close with it, as a browser's do when the page is left.
        using (var client = new HttpClient { BaseAddress = served.Client.BaseAddress })
            responses = await Task.WhenAll(Enumerable.Range(0, Burst).Select(i => Decode(client, i)));
        double seconds = clock.Elapsed.TotalSeconds;
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(responses, r => Assert.True(r.Bytes > 100, "a PNG"));

        var after = await Measure();
        output.WriteLine($"{Burst} concurrent decodes in {seconds:F2} s; managed heap {before.Managed / 1e6:F1} -> {after.Managed / 1e6:F1} MB, " +
            $"working set {before.WorkingSet / 1e6:F1} -> {after.WorkingSet / 1e6:F1} MB (both after a full compacting collection)");
        Assert.True(after.Managed <= before.Managed * (1 + MemoryGrowthLimit), $"managed heap {before.Managed} -> {after.Managed} bytes");
        Assert.True(after.WorkingSet <= before.WorkingSet * (1 + MemoryGrowthLimit), $"working set {before.WorkingSet} -> {after.WorkingSet} bytes");
    }

    private static async Task<(HttpStatusCode Status, int Bytes)> Decode(HttpClient client, int i)
    {
        using var response = await client.GetAsync($"/api/runs/digits/decode.png?from={i % 64}&to={(i * 7 + 3) % 64}&t={i % 10 / 10.0}&pc={i % 5 - 2},{i % 3 - 1}");
        return (response.StatusCode, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    // The server runs in this process: once the server has seen closed connections go, the managed heap after a full,
    // compacting collection that returns free memory to the system, and the process's working set right after it.
    private static async Task<(long Managed, long WorkingSet)> Measure()
    {
        await Task.Delay(ConnectionCloseWait);
        for (int i = 0; i < 2; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64);
    }
}
