using AlaeIlgpu.Alae.Imaging;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Serve.Tests;

/// <summary>
/// One server for every test of this project, over a runs folder that holds: "digits", the paper's MLP ALAE (full
/// size: latent 50, hidden 1024) trained for a few iterations on embedded MNIST digits; "starting", a run with no
/// checkpoint yet; and "rewriting", a run whose checkpoint is cut short, as a reader may find one mid-rewrite.
/// </summary>
public sealed class ServedRuns : IAsyncLifetime
{
    /// <summary>The trained run.</summary>
    public const string Digits = "digits";

    /// <summary>The run without a checkpoint.</summary>
    public const string Starting = "starting";

    /// <summary>The run with a damaged checkpoint.</summary>
    public const string Rewriting = "rewriting";

    private static readonly string[] TinyTraining =
        ["training.batch_size=16", "training.iterations=3", "data.train_count=256", "data.held_out_count=64"];

    private AlaeServer? _server;

    /// <summary>The runs folder (deleted at the end).</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "alae-serve-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>The server's address, e.g. http://127.0.0.1:41234.</summary>
    public string Url => _server!.Urls[0];

    /// <summary>A client of the server.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>A held-out digit of the trained run as a 28x28 grayscale PNG (light on dark, as MNIST).</summary>
    public string DigitPng => Path.Combine(Folder, "digit.png");

    /// <summary>The same digit as dark ink on white paper.</summary>
    public string InkDigitPng => Path.Combine(Folder, "ink-digit.png");

    /// <summary>The trained run's folder.</summary>
    public RunDirectory Run => RunDirectory.At(Path.Combine(Folder, Digits));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        var kind = RunCatalog.Find("mlp");
        var run = RunDirectory.Create(Path.Combine(Folder, Digits));
        using (var training = RunCatalog.StartTraining(kind.LoadConfig(null, TinyTraining), run, CpuBackend.Instance))
            training.Train(_ => { }, CancellationToken.None);
        WriteDigits(kind.OpenHeldOut(run).Read(0, 1));
        var starting = RunDirectory.Create(Path.Combine(Folder, Starting));
        RunCatalog.WriteRunFiles(starting, kind, File.ReadAllText(run.ConfigPath));
        var rewriting = RunDirectory.Create(Path.Combine(Folder, Rewriting));
        RunCatalog.WriteRunFiles(rewriting, kind, File.ReadAllText(run.ConfigPath));
        BreakCheckpoint();
        _server = await AlaeServer.StartAsync(new ServeOptions(Folder, [], Port: 0), CpuBackend.Instance);
        Client = new HttpClient { BaseAddress = new Uri(Url) };
    }

    /// <summary>Gives the "rewriting" run the first half of the trained run's checkpoint.</summary>
    public void BreakCheckpoint()
    {
        byte[] bytes = File.ReadAllBytes(Run.CheckpointPath);
        File.WriteAllBytes(Path.Combine(Folder, Rewriting, "checkpoint.bin"), bytes[..(bytes.Length / 2)]);
    }

    /// <summary>Gives the "rewriting" run a whole checkpoint, as when the rewrite is done.</summary>
    public void FinishCheckpoint() => File.Copy(Run.CheckpointPath, Path.Combine(Folder, Rewriting, "checkpoint.bin"), overwrite: true);

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    private void WriteDigits(float[] digit)
    {
        var flat = new GridLayout(Scale: 1, Gutter: 0);
        ImageGrid.SavePng(DigitPng, digit, 1, 1, 28, 28, 1, 0f, 1f, flat);
        ImageGrid.SavePng(InkDigitPng, digit.Select(v => 1f - v).ToArray(), 1, 1, 28, 28, 1, 0f, 1f, flat);
    }
}

/// <summary>Every test class of this project shares one server and runs one after another (the load test measures the process's memory).</summary>
[CollectionDefinition(Name)]
public sealed class ServedRunsCollection : ICollectionFixture<ServedRuns>
{
    public const string Name = "served runs";
}
