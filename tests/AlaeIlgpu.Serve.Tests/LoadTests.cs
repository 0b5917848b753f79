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

    // How long the memory may take to come back after the burst.
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(5);

    // The bound: after the burst the process's memory is within 10% of its level before.
    private const double MemoryGrowthLimit = 0.10;

    [Fact]
    public async Task TwoHundredConcurrentDecodesSucceedAndMemoryReturnsToItsLevel()
    {
        // A first burst brings the server to the steady state of one in use (model, latent basis, JIT, and the
        // pools that Kestrel and the runtime size to the load); the baseline is taken after it. A leak would grow
        // with every burst; a pool sized by the first one does not.
        await BurstAsync();
        var before = await Measure();

        var clock = Stopwatch.StartNew();
        var responses = await BurstAsync();
        double seconds = clock.Elapsed.TotalSeconds;
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(responses, r => Assert.True(r.Bytes > 100, "a PNG"));

        // The server lets go of closed connections asynchronously: measure until the memory is back or time is up.
        var after = await Measure();
        for (var settle = Stopwatch.StartNew(); !Within(before, after) && settle.Elapsed < SettleTime;) after = await Measure();
        output.WriteLine($"{Burst} concurrent decodes in {seconds:F2} s; managed heap {before.Managed / 1e6:F1} -> {after.Managed / 1e6:F1} MB, " +
            $"working set {before.WorkingSet / 1e6:F1} -> {after.WorkingSet / 1e6:F1} MB (both after a full compacting collection)");
        Assert.True(after.Managed <= before.Managed * (1 + MemoryGrowthLimit), $"managed heap {before.Managed} -> {after.Managed} bytes");
        Assert.True(after.WorkingSet <= before.WorkingSet * (1 + MemoryGrowthLimit), $"working set {before.WorkingSet} -> {after.WorkingSet} bytes");
    }

    // 200 decodes at once from a client of their own, whose connections close with it as a browser's do when the page is left.
    private async Task<(HttpStatusCode Status, int Bytes)[]> BurstAsync()
    {
        using var client = new HttpClient { BaseAddress = served.Client.BaseAddress };
        return await Task.WhenAll(Enumerable.Range(0, Burst).Select(i => Decode(client, i)));
    }

    private static bool Within((long Managed, long WorkingSet) before, (long Managed, long WorkingSet) after) =>
        after.Managed <= before.Managed * (1 + MemoryGrowthLimit) && after.WorkingSet <= before.WorkingSet * (1 + MemoryGrowthLimit);

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
