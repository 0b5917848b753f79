using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AlaeIlgpu.Serve.Tests;

/// <summary>The JSON and PNG API: what it serves for a trained run, and a clear 4xx/503 JSON error for every bad input, after which it goes on serving.</summary>
[Collection(ServedRunsCollection.Name)]
public sealed class ApiTests(ServedRuns served, ITestOutputHelper output)
{
    // The budget for one slider move (request, decode, PNG) on the MLP model on cpu.
    private const double SliderBudgetMs = 100;

    private HttpClient Client => served.Client;

    [Fact]
    public async Task TheRunsListShowsEachRunsKindIterationAndLastLosses()
    {
        var runs = (await GetJson("/api/runs")).AsArray();
        Assert.Equal([ServedRuns.Digits, ServedRuns.Rewriting, ServedRuns.Starting], runs.Select(r => (string)r!["name"]!));
        var digits = runs[0]!;
        Assert.Equal("mlp", (string)digits["model"]!);
        Assert.Equal(3, (int)digits["iteration"]!);
        Assert.Equal(3, (int)digits["lossRows"]!);
        Assert.True(digits["lastLosses"]!["loss_ed"] is not null, digits.ToJsonString());
        Assert.Equal("no checkpoint yet", (string)runs[2]!["checkpoint"]!);
        Assert.Contains("unreadable", (string)runs[1]!["checkpoint"]!);
    }

    [Fact]
    public async Task LossesArriveIncrementallyAndFiguresAreServed()
    {
        var all = await GetJson("/api/runs/digits/losses");
        Assert.Equal(["iteration", "loss_ed", "loss_fg", "loss_eg"], all["columns"]!.AsArray().Select(c => (string)c!));
        Assert.Equal(3, all["rows"]!.AsArray().Count);
        var later = await GetJson("/api/runs/digits/losses?after=2");
        Assert.Equal(3.0, (double)later["rows"]![0]![0]!);   // only iteration 3's row
        var figures = await GetJson("/api/runs/digits/figures");
        Assert.Equal("samples-000003.png", (string)figures["samples"]!);
        var png = await Client.GetAsync("/api/runs/digits/files/samples-000003.png");
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task ModelDescribesItsShapeAndLatentBasis()
    {
        var model = await GetJson("/api/runs/digits/model");
        Assert.Equal(28, (int)model["resolution"]!);
        Assert.Equal(50, (int)model["latentSize"]!);
        Assert.Equal(64, (int)model["heldOut"]!);
        var deviations = model["deviations"]!.AsArray().Select(d => (double)d!).ToArray();
        Assert.Equal(8, deviations.Length);
        Assert.True(deviations.Zip(deviations.Skip(1)).All(p => p.First >= p.Second), "principal directions come by decreasing spread");
    }

    [Fact]
    public async Task ASliderMoveDecodesWithinTheBudget()
    {
        for (int i = 0; i < 5; i++) await DecodeAsync(i);   // warm: model, basis, JIT
        var times = new List<double>();
        var serverTimes = new List<double>();
        for (int i = 0; i < 30; i++)
        {
            var clock = Stopwatch.StartNew();
            var response = await DecodeAsync(i);
            times.Add(clock.Elapsed.TotalMilliseconds);
            string timing = response.Headers.GetValues("Server-Timing").Single();   // decode;dur=1.23
            serverTimes.Add(double.Parse(timing[(timing.IndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
        times.Sort();
        serverTimes.Sort();
        double median = times[times.Count / 2];
        output.WriteLine($"decode.png over 30 slider moves: round trip median {median:F1} ms, max {times[^1]:F1} ms; " +
            $"server's G(w) + PNG median {serverTimes[15]:F1} ms, max {serverTimes[^1]:F1} ms");
        Assert.True(median < SliderBudgetMs, $"median {median:F1} ms");
    }

    [Fact]
    public async Task AnUploadedDigitIsReconstructed()
    {
        foreach (var (file, inverted) in new[] { (served.DigitPng, false), (served.InkDigitPng, true) })
        {
            var result = await PostJson("/api/runs/digits/reconstruct", await File.ReadAllBytesAsync(file), HttpStatusCode.OK);
            Assert.StartsWith("data:image/png;base64,", (string)result["reconstruction"]!);
            Assert.Equal(50, result["w"]!.AsArray().Count);
            Assert.Equal(inverted, (bool)result["inverted"]!);
        }
    }

    public static TheoryData<string, string> BadUploads => new()
    {
        { "text", "not a usable PNG or JPEG" },
        { "truncated", "not a usable PNG or JPEG" },
        { "huge", "20000x20000 is larger than the 64 Mpx limit" },
        { "empty", "the upload is empty" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task ABadUploadGetsA400AndTheServerGoesOn(string kind, string message)
    {
        byte[] body = kind switch
        {
            "text" => Encoding.UTF8.GetBytes("this is not an image"),
            "truncated" => (await File.ReadAllBytesAsync(served.DigitPng))[..100],
            "huge" => PngHeaderOnly(20_000, 20_000),
            _ => [],
        };
        var error = await PostJson("/api/runs/digits/reconstruct", body, HttpStatusCode.BadRequest);
        Assert.Contains(message, (string)error["error"]!);
        await AssertStillServing();
    }

    [Fact]
    public async Task AnUploadOverTheLimitGetsA413()
    {
        var error = await PostJson("/api/runs/digits/reconstruct", new byte[ServeOptions.MaxUploadBytes + 1], HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("larger than 4 MiB", (string)error["error"]!);
        await AssertStillServing();
    }

    [Theory]
    [InlineData("/api/runs/nope/model", HttpStatusCode.NotFound, "no run named 'nope'")]
    [InlineData("/api/runs/..%2F..%2Fetc/model", HttpStatusCode.BadRequest, "without '..'")]
    [InlineData("/api/runs/digits/files/..%2Fconfig.json", HttpStatusCode.BadRequest, "without '..'")]
    [InlineData("/api/runs/digits/files/config.json", HttpStatusCode.NotFound, "has no figure 'config.json'")]
    [InlineData("/api/runs/digits/decode.png?from=abc", HttpStatusCode.BadRequest, "query 'from'")]
    [InlineData("/api/runs/digits/decode.png?from=64", HttpStatusCode.BadRequest, "query 'from' 64 is outside the 64 held-out images")]
    [InlineData("/api/runs/digits/decode.png?pc=1,2,3,4,5,6,7,8,9", HttpStatusCode.BadRequest, "query 'pc': 9 values")]
    [InlineData("/api/runs/digits/samples.png?psi=0.5", HttpStatusCode.BadRequest, "query 'psi' applies to StyleALAE runs")]
    [InlineData("/api/nothing", HttpStatusCode.NotFound, "no page or API at /api/nothing")]
    [InlineData("/source/..%2F..%2Fetc%2Fpasswd", HttpStatusCode.NotFound, "no source file")]
    [InlineData("/api/runs/starting/model", HttpStatusCode.Conflict, "has no checkpoint yet")]
    public async Task ABadRequestGetsAClearJsonError(string url, HttpStatusCode status, string message)
    {
        var response = await Client.GetAsync(url);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(message, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!);
        await AssertStillServing();
    }

    [Fact]
    public async Task ACheckpointBeingRewrittenGetsA503ToRetryAndIsServedOnceWhole()
    {
        served.BreakCheckpoint();
        var response = await Client.GetAsync("/api/runs/rewriting/model");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter!.Delta);
        Assert.Contains("retry in a moment", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!);
        await AssertStillServing();

        served.FinishCheckpoint();
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/api/runs/rewriting/decode.png")).StatusCode);
        served.BreakCheckpoint();
    }

    [Fact]
    public async Task ARunWithADamagedRunJsonGetsA409NamingTheFile()
    {
        string folder = Path.Combine(served.Folder, "damaged");
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(served.Run.ConfigPath, Path.Combine(folder, "config.json"));
            File.WriteAllText(Path.Combine(folder, "checkpoint.bin"), "never read: the kind is checked first");
            File.WriteAllText(Path.Combine(folder, "run.json"), "{\"model\": \"gan\"}");
            var response = await Client.GetAsync("/api/runs/damaged/model");
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Contains("run.json: unknown model 'gan'", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!);
            await AssertStillServing();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task PagesAndTheLinkedSourceFilesAreServed()
    {
        foreach (string page in new[] { "/", "/how", "/runs/digits/train", "/runs/digits/explore", "/runs/digits/reconstruct", "/static/app.js" })
            Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync(page)).StatusCode);
        string how = await Client.GetStringAsync("/how");
        foreach (var match in System.Text.RegularExpressions.Regex.Matches(how, "href=\"(/source/[^\"]+)\"").Select(m => m.Groups[1].Value).Distinct())
            Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync(match)).StatusCode);
        Assert.Contains("EncoderDiscriminator", await Client.GetStringAsync("/source/src/AlaeIlgpu.Alae/AlaeObjective.cs"));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("::1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("192.168.1.5", false)]
    public void OnlyLoopbackHostsCountAsPrivate(string host, bool loopback) =>
        Assert.Equal(loopback, new ServeOptions("runs", [], host).IsLoopback);

    private Task<HttpResponseMessage> DecodeAsync(int i) =>
        Client.GetAsync($"/api/runs/digits/decode.png?from={i % 64}&to={(i + 1) % 64}&t=0.5&pc={i % 7 - 3},1.5");

    private async Task AssertStillServing()
    {
        var response = await DecodeAsync(0);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
    }

    private async Task<JsonNode> GetJson(string url)
    {
        var response = await Client.GetAsync(url);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<JsonNode> PostJson(string url, byte[] body, HttpStatusCode status)
    {
        var response = await Client.PostAsync(url, new ByteArrayContent(body));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{url}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return JsonNode.Parse(text)!;
    }

    // A PNG signature and an IHDR chunk announcing width x height 8-bit grayscale, then IEND: the size is in the header, no pixels follow.
    private static byte[] PngHeaderOnly(int width, int height)
    {
        var png = new List<byte>([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;   // bit depth; colour type 0 (gray), compression, filter, interlace 0
        AddChunk(png, "IHDR", header);
        AddChunk(png, "IEND", []);
        return [.. png];
    }

    private static void AddChunk(List<byte> png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, System.IO.Hashing.Crc32.HashToUInt32(typed));
        png.AddRange(length);
        png.AddRange(typed);
        png.AddRange(crc);
    }
}
