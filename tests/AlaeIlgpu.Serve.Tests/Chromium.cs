using PuppeteerSharp;

namespace AlaeIlgpu.Serve.Tests;

/// <summary>
/// Headless Chromium from the Debian package (<c>apt-get install chromium</c>; .ci/run installs it), driven over the
/// DevTools protocol by PuppeteerSharp. No browser is ever downloaded: without the package the tests fail saying so.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    /// <summary>Where the Debian package puts the browser.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the tests' screenshots go (beside the test binaries).</summary>
    public string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} not found: the browser tests need the Debian package 'chromium' (apt-get install -y chromium).");
        Directory.CreateDirectory(Screenshots);
        Browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true,
            ExecutablePath = ExecutablePath,
            // Root (CI) needs --no-sandbox; containers have a small /dev/shm; there is no GPU.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
    }
}
