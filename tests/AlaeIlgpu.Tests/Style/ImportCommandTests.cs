using AlaeIlgpu.Cli;
using AlaeIlgpu.Tests.Alae;

namespace AlaeIlgpu.Tests.Style;

/// <summary><c>alae import</c> from the command line: the default run name, the figure commands on the result, and refusals.</summary>
[Collection(MlpConsoleCollection.Name)]
public class ImportCommandTests
{
    private static (int ExitCode, string Output, string Error) Alae(params string[] args) => MlpCommandTests.Alae(args);

    [Fact]
    public void AnImportedRunSamplesAndMixesAndExplainsWhatReconstructNeeds()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = Alae("import", Fixtures.Tiny32("model.pth"), "--runs", dir.Path);
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("32x32x3, 4 blocks, latent 16", output);
        string run = Path.Combine(dir.Path, "tiny32-model");   // <checkpoint folder>-<file name>

        (code, _, error) = Alae("sample", run, "--device", "cpu", "--n", "4", "--seed", "1");
        Assert.True(code == ExitCodes.Ok, error);
        (code, _, error) = Alae("mix", run, "--device", "cpu", "--rows", "2", "--columns", "2");
        Assert.True(code == ExitCodes.Ok, error);
        Assert.True(File.Exists(Path.Combine(run, "samples.png")) && File.Exists(Path.Combine(run, "mixing.png")));

        (code, _, error) = Alae("reconstruct", run, "--device", "cpu", "--n", "2");   // data.path is the 1-channel digits
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("has 1-channel images but the model has 3", error);

        (code, _, error) = Alae("import", Fixtures.Tiny32("model_legacy.pth"), "--runs", dir.Path, "--name", "tiny32-model");
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("already holds a run", error);
    }

    [Fact]
    public void AnExportedRunImportsAgainAndANonRunIsRefused()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = Alae("import", Fixtures.Tiny32("model.pth"), "--runs", dir.Path, "--name", "first");
        Assert.True(code == ExitCodes.Ok, error);
        string exported = Path.Combine(dir.Path, "first.pth");
        (code, var output, error) = Alae("export", Path.Combine(dir.Path, "first"), "--out", exported);
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains($"written {exported}", output);
        (code, _, error) = Alae("import", exported, "--runs", dir.Path, "--name", "second");
        Assert.True(code == ExitCodes.Ok, error);

        (code, _, error) = Alae("export", dir.Path, "--out", Path.Combine(dir.Path, "none.pth"));
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("is not a run", error);
    }
}
