using PuppeteerSharp;
using PuppeteerSharp.Input;

namespace AlaeIlgpu.Serve.Tests;

/// <summary>Each page in a real headless browser against the trained run: images render, sliders move the image, uploads come back reconstructed.</summary>
[Collection(ServedRunsCollection.Name)]
public sealed class BrowserTests(ServedRuns served, Chromium chromium) : IClassFixture<Chromium>
{
    // A page's images and data arrive within this time even on a loaded 2-core machine.
    private static readonly WaitForFunctionOptions Patience = new() { Timeout = 30_000, PollingInterval = 50 };

    // A checksum of an image's pixels, read back through a canvas (same origin, so readable).
    private const string PixelChecksum = """
        id => { const img = document.getElementById(id), c = document.createElement("canvas");
          c.width = img.naturalWidth; c.height = img.naturalHeight;
          const g = c.getContext("2d"); g.drawImage(img, 0, 0);
          let s = 0; for (const v of g.getImageData(0, 0, c.width, c.height).data) s = (s * 31 + v) % 1000000007;
          return s; }
        """;

    [Fact]
    public async Task TheRunsPageListsTheRunsWithLinksToTheirViews()
    {
        await using var page = await Open("/");
        await WaitFor(page, "() => document.querySelector(\"a[href='/runs/digits/explore']\") !== null");
        string text = await page.EvaluateExpressionAsync<string>("document.getElementById('runs').innerText");
        Assert.Contains("MLP ALAE", text);
        Assert.Contains("loss_ed", text);
        await Screenshot(page, "runs");
    }

    [Fact]
    public async Task TheTrainingPageDrawsLossCurvesAndTheLatestGrids()
    {
        await using var page = await Open("/runs/digits/train");
        await WaitFor(page, "() => ['samples', 'reconstructions'].every(id => document.getElementById(id).naturalWidth > 0)");
        await WaitFor(page, "() => ['loss_ed', 'loss_fg', 'loss_eg'].every(id => document.getElementById(id) instanceof HTMLCanvasElement)");
        Assert.Contains("iteration 3", await page.EvaluateExpressionAsync<string>("document.getElementById('status').textContent"));
        await Screenshot(page, "train");
    }

    [Fact]
    public async Task TheTrainingPageFollowsALossLogAsItGrows()
    {
        string log = Path.Combine(served.Folder, ServedRuns.Starting, "losses.csv");
        try
        {
            await using var page = await Open("/runs/starting/train");
            await WaitFor(page, "() => document.getElementById('status').textContent.includes('no iterations logged yet')");
            File.WriteAllText(log, "iteration,loss_ed,loss_fg,loss_eg\n1,1.5,0.8,0.2\n");
            await WaitFor(page, "() => document.getElementById('status').textContent.startsWith('iteration 1 ')");
            File.AppendAllText(log, "2,1.4,0.7,0.15\n3,1.3");   // a row being written is not shown until its newline
            await WaitFor(page, "() => document.getElementById('status').textContent.startsWith('iteration 2 ')");
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task ExploreRendersSamplesAndMovingASliderChangesTheImage()
    {
        await using var page = await Open("/runs/digits/explore");
        await WaitFor(page, "() => ['samples', 'decoded', 'from-image', 'to-image'].every(id => { const i = document.getElementById(id); return i.complete && i.naturalWidth > 0; })");
        long before = await page.EvaluateFunctionAsync<long>(PixelChecksum, "decoded");

        await page.FocusAsync("#sliders input");
        await page.Keyboard.PressAsync(Key.End);   // the first direction's slider to +3 sigma, as a user would
        await WaitFor(page, "() => { const i = document.getElementById('decoded'); return i.src.includes('pc=3,') && i.complete && i.naturalWidth > 0; }");
        Assert.NotEqual(before, await page.EvaluateFunctionAsync<long>(PixelChecksum, "decoded"));

        await page.FocusAsync("#t");
        await page.Keyboard.PressAsync(Key.End);   // walk all the way to image b
        await WaitFor(page, "() => { const i = document.getElementById('decoded'); return i.src.includes('t=1') && i.complete && i.naturalWidth > 0; }");
        await Screenshot(page, "explore");
    }

    [Fact]
    public async Task AnUploadedDigitComesBackReconstructed()
    {
        await using var page = await Open("/runs/digits/reconstruct");
        var input = await page.QuerySelectorAsync("#file");
        await input.UploadFileAsync(served.InkDigitPng);
        await WaitFor(page, "() => !document.getElementById('result').hidden && ['input', 'reconstruction'].every(id => document.getElementById(id).naturalWidth > 0)");
        Assert.Contains("inverted", await page.EvaluateExpressionAsync<string>("document.getElementById('inverted').textContent"));
        await Screenshot(page, "reconstruct");
    }

    [Fact]
    public async Task HowItWorksLinksEachLossToItsLiveCurve()
    {
        await using var page = await Open("/how?run=digits");
        await WaitFor(page, "() => document.querySelector('.loss-link').href.includes('/runs/digits/train#loss_ed')");
        await Screenshot(page, "how");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync(".loss-link"));
        await WaitFor(page, "() => document.getElementById('loss_ed') instanceof HTMLCanvasElement");
    }

    [Fact]
    public async Task AnUnknownRunIsReportedOnThePage()
    {
        await using var page = await Open("/runs/nope/explore");
        await WaitFor(page, "() => !document.getElementById('error').hidden");
        Assert.Contains("no run named 'nope'", await page.EvaluateExpressionAsync<string>("document.getElementById('error').textContent"));
    }

    private async Task<IPage> Open(string path)
    {
        var page = await chromium.Browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 900 });
        var response = await page.GoToAsync(served.Url + path);
        Assert.True(response.Ok, $"{path}: {response.Status}");
        return page;
    }

    private static Task WaitFor(IPage page, string condition) => page.WaitForFunctionAsync(condition, Patience);

    private Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(Path.Combine(chromium.Screenshots, name + ".png"), new ScreenshotOptions { FullPage = true });
}
