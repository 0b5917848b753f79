using System.Globalization;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Tests.Alae;

namespace AlaeIlgpu.Tests.Style;

/// <summary>StyleALAE end to end on the <c>tiny</c> config: the command line, the LOD schedule in a real run, figures, resume.</summary>
[Collection(MlpConsoleCollection.Name)]
public class StyleTrainingRunTests
{
    private static (int ExitCode, string Output, string Error) Alae(params string[] args) => MlpCommandTests.Alae(args);

    [Fact]
    public void TinyRunPassesThroughEveryLodWritesItsGridsAndMixes()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = Alae("train", "--config", "tiny", "--runs", dir.Path, "--name", "s", "--device", "cpu");
        Assert.True(code == 0, output + error);
        string run = Path.Combine(dir.Path, "s");
        Assert.Contains($"Next: alae mix {run}", output);   // a StyleALAE run has no eval
        var rows = File.ReadAllLines(Path.Combine(run, "losses.csv"));
        var header = rows[0].Split(',');
        int lodColumn = Array.IndexOf(header, "lod"), blendColumn = Array.IndexOf(header, "blend");
        var lods = rows.Skip(1).Select(r => double.Parse(r.Split(',')[lodColumn], CultureInfo.InvariantCulture)).ToArray();
        var blends = rows.Skip(1).Select(r => double.Parse(r.Split(',')[blendColumn], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([0.0, 1.0, 2.0], lods.Distinct().Order());
        Assert.Contains(blends, b => b > 0 && b < 1);   // a fade-in happened
        Assert.Equal(1.0, blends[^1]);
        // a figure set at the end of every LOD, each at that LOD's resolution
        foreach (string prefix in new[] { "samples-", "reconstructions-", "mixing-" })
        {
            var files = Directory.GetFiles(run, prefix + "*.png");
            Assert.True(files.Length >= 3, $"{files.Length} {prefix} grids");
        }
        Assert.True(Directory.GetFiles(run, "fade-in-*.png").Length >= 2, "a fade-in strip at the end of LOD 1 and LOD 2");

        (code, output, error) = Alae("fade", run, "--device", "cpu", "--lod", "1", "--rows", "2", "--steps", "3", "-o", "fade1.png");
        Assert.True(code == 0, output + error);
        Assert.True(File.Exists(Path.Combine(run, "fade1.png")));
        (code, _, error) = Alae("fade", run, "--device", "cpu", "--lod", "0");
        Assert.Equal(1, code);
        Assert.Contains("Level 0", error);
        (code, _, error) = Alae("fade", run, "--device", "cpu", "--lod", "3");
        Assert.Equal(1, code);
        Assert.Contains("top level 2", error);

        (code, output, error) = Alae("mix", run, "--device", "cpu", "--rows", "2", "--columns", "3");
        Assert.True(code == 0, output + error);
        Assert.True(File.Exists(Path.Combine(run, "mixing.png")));
        (code, output, error) = Alae("sample", run, "--device", "cpu", "--psi", "0.5", "--seed", "3", "--n", "4");
        Assert.True(code == 0, output + error);
        (code, _, error) = Alae("sample", run, "--device", "cpu", "--psi", "1.5");
        Assert.Equal(1, code);
        Assert.Contains("--psi", error);
    }

    [Fact]
    public void DescribePrintsTheOfficialParameterCounts()
    {
        var (code, output, error) = Alae("describe", "--config", "mnist");
        Assert.True(code == 0, output + error);
        foreach (string count in new[] { "4,224", "2,422,980", "3,017,920", "5,449,348" })
            Assert.Contains(count, output);
    }

    [Fact]
    public void MixRefusesAnMlpRun()
    {
        using var dir = new TempDirectory();
        string run = MlpCommandTests.TrainTinyRun(dir, 2);
        var (code, _, error) = Alae("mix", run, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("not a StyleALAE run", error);
    }

    [Fact]
    public void ResumingAStoppedRunIsBitIdenticalToTrainingStraight()
    {
        const int StopAt = 20;   // inside LOD 1's fade-in: the blend, loader position and optimizer state must all resume
        using var dir = new TempDirectory();
        var kind = RunCatalog.Find(StyleModelKind.ModelName);
        var config = kind.LoadConfig("tiny", []);
        var straight = RunDirectory.Create(dir.File("straight"));
        using (var session = RunCatalog.StartTraining(config, straight, CpuBackend.Instance)) session.Train(_ => { }, CancellationToken.None);

        var resumed = RunDirectory.Create(dir.File("resumed"));
        using (var cancel = new CancellationTokenSource())
        using (var session = RunCatalog.StartTraining(config, resumed, CpuBackend.Instance))
        {
            var outcome = session.Train(p => { if (p.Iteration == StopAt) cancel.Cancel(); }, cancel.Token);
            Assert.True(outcome.Cancelled);
        }
        using (var session = RunCatalog.ResumeTraining(resumed, CpuBackend.Instance, []))
        {
            Assert.Equal(StopAt, session.Trainer.Iteration);
            session.Train(_ => { }, CancellationToken.None);
        }

        Assert.Equal(File.ReadAllText(straight.LossesPath), File.ReadAllText(resumed.LossesPath));
        using var a = RunCatalog.ResumeTraining(straight, CpuBackend.Instance, []);
        using var b = RunCatalog.ResumeTraining(resumed, CpuBackend.Instance, []);
        var pa = ((StyleAlaeTrainer)a.Trainer).Model.NamedParameters().ToArray();
        var pb = ((StyleAlaeTrainer)b.Trainer).Model.NamedParameters().ToArray();
        for (int i = 0; i < pa.Length; i++) Assert.True(pa[i].Parameter.Value.ToArray().SequenceEqual(pb[i].Parameter.Value.ToArray()), pa[i].Name);
    }

    [Theory]
    [InlineData(null, "--set schedule.train_epochs=N (now 6)", "schedule.train_epochs=7")]
    [InlineData(0.5, "--kimg K (now 0.5)", "schedule.kimg=0.6")]
    public void ResumingAFinishedRunSaysHowToTrainLongerInANewRun(double? kimg, string hint, string longer)
    {
        using var dir = new TempDirectory();
        var config = StyleAlaeConfigs.Load("tiny");
        config = config with { Schedule = config.Schedule with { Kimg = kimg } };
        var shape = StyleModelKind.ShapeOf(config);
        var run = FinishedStyleRun.Write(dir.File("done"), config,
            new StyleAlae(CpuBackend.Instance, new RandomGenerator(1), shape), new StyleAlae(CpuBackend.Instance, new RandomGenerator(2), shape));

        var (code, output, error) = Alae("train", "--device", "cpu", "--resume", run.Path);

        Assert.True(code == 0, output + error);
        Assert.Contains("nothing to do", output);
        Assert.Contains($"alae train --model style --config {run.ConfigPath} {hint}", output);
        Assert.DoesNotContain("training.iterations", output);   // an MLP key: a style run has none
        // What the hint says lengthens the run: the run's config with the longer schedule is accepted and runs longer.
        var kind = new StyleModelKind();
        var saved = kind.LoadRunConfig(run, []).Schedule.Iterations;
        Assert.True(kind.LoadConfig(run.ConfigPath, [longer]).Schedule.Iterations > saved);
        var refused = Assert.Throws<ConfigException>(() => kind.LoadRunConfig(run, [longer]));   // and a resume could not
        Assert.Contains("a resumed run keeps its config", refused.Message);
    }
}
