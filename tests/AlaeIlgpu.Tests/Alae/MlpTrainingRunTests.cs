using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Cli;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>Tests that swap the process-wide Console writers: they run alone so no other test's output mixes in.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MlpConsoleCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "mlp console capture (runs alone)";
}

/// <summary>The <c>alae</c> MLP commands end to end on tiny configs: exit codes, messages and the files a run leaves.</summary>
[Collection(MlpConsoleCollection.Name)]
public class MlpCommandTests
{
    internal static (int ExitCode, string Output, string Error) Alae(params string[] args)
    {
        TextWriter output = Console.Out, error = Console.Error;
        using var capturedOutput = new StringWriter();
        using var capturedError = new StringWriter();
        Console.SetOut(capturedOutput);
        Console.SetError(capturedError);
        try
        {
            int code = AlaeCommand.Invoke(args);
            return (code, capturedOutput.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }
    }

    // Trains a tiny run of `iterations` through the command line and returns its folder.
    internal static string TrainTinyRun(TempDirectory dir, int iterations, string name = "tiny")
    {
        var (code, output, error) = Alae(["train", "--device", "cpu", "--runs", dir.Path, "--name", name, .. MlpTestSetup.TinyOverrides(iterations)]);
        Assert.True(code == 0, $"train failed ({code}): {error}\n{output}");
        Assert.Contains($"Next: alae eval {Path.Combine(dir.Path, name)}", output);
        return Path.Combine(dir.Path, name);
    }

    [Fact]
    public void TrainThenEvalSampleReconstructAndInterpolateWriteTheirFiles()
    {
        using var dir = new TempDirectory();
        string run = TrainTinyRun(dir, iterations: 2);

        foreach (string file in new[] { "config.json", "checkpoint.bin", "losses.csv", "losses.png", "samples-000002.png", "reconstructions-000002.png" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} missing from the run folder");
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "losses.csv")).Length);   // header + one row per iteration
        Assert.Equal(32, JsonConfig.Load<MlpAlaeConfig>(Path.Combine(run, "config.json")).Model.HiddenSize);

        foreach (var (command, file) in new[] { ("eval", "eval.json"), ("sample", "samples.png"), ("reconstruct", "reconstructions.png"), ("interpolate", "interpolation.png") })
        {
            var (code, output, error) = Alae(command, run, "--device", "cpu");
            Assert.True(code == 0, $"{command} failed ({code}): {error}");
            Assert.Contains($"written {Path.Combine(run, file)}", output);
            Assert.True(File.Exists(Path.Combine(run, file)), $"{command} did not write {file}");
        }
    }

    [Fact]
    public void UnknownConfigKeyInSetExitsWithOneNamingTheKey()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = Alae("train", "--device", "cpu", "--runs", dir.Path, "--name", "bad", "--set", "training.iterationz=5");

        Assert.Equal(1, code);
        Assert.Contains("unknown key 'training.iterationz'", error);
        Assert.Contains("training.iterations", error);   // the list of valid keys
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "bad")), "a run folder was created for a config that does not load");
    }

    [Fact]
    public void EvalOnAFolderThatIsNotARunExitsWithOne()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = Alae("eval", dir.Path, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("is not a run: it has no config.json", error);

        var (missingCode, _, missingError) = Alae("eval", Path.Combine(dir.Path, "nothing-here"), "--device", "cpu");
        Assert.Equal(1, missingCode);
        Assert.Contains("does not exist", missingError);
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("sample")]
    [InlineData("resume")]
    public void CorruptCheckpointGivesAClearError(string command)
    {
        using var dir = new TempDirectory();
        string run = TrainTinyRun(dir, iterations: 1);
        string checkpoint = Path.Combine(run, "checkpoint.bin");
        byte[] bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..(bytes.Length / 3)]);

        var (code, _, error) = command == "resume"
            ? Alae("train", "--device", "cpu", "--resume", run)
            : Alae(command, run, "--device", "cpu");

        Assert.Equal(1, code);
        Assert.Contains(checkpoint, error);
        Assert.Contains("truncated", error);
        Assert.DoesNotContain("   at ", error);   // a message, not a stack trace
    }

    [Fact]
    public void DivergingFreshRunExitsWithThreeNamingIterationAndLoss()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = Alae(["train", "--device", "cpu", "--runs", dir.Path, "--name", "nan", .. MlpTestSetup.TinyOverrides(4),
                                     "--set", "optimizer.learning_rate=1e30"]);

        Assert.Equal(ExitCodes.Diverged, code);
        Assert.Matches(@"iteration 1: loss_(ed|fg|eg) is \S+; stopped, before the first checkpoint", error);
        Assert.False(File.Exists(Path.Combine(dir.Path, "nan", "checkpoint.bin")));
    }

    [Fact]
    public void DivergenceOnResumeKeepsThePreviousCheckpoint()
    {
        using var dir = new TempDirectory();
        string run = TrainTinyRun(dir, iterations: 2);
        string configPath = Path.Combine(run, "config.json");
        var config = JsonConfig.Load<MlpAlaeConfig>(configPath);
        JsonConfig.Save(configPath, config with
        {
            Optimizer = config.Optimizer with { LearningRate = 1e30 },
            Training = config.Training with { Iterations = 5 },
        });
        byte[] checkpoint = File.ReadAllBytes(Path.Combine(run, "checkpoint.bin"));

        var (code, _, error) = Alae("train", "--device", "cpu", "--resume", run);

        Assert.Equal(ExitCodes.Diverged, code);
        Assert.Matches(@"iteration 3: loss_(ed|fg|eg) is \S+; stopped, the last checkpoint is kept", error);
        Assert.Equal(checkpoint, File.ReadAllBytes(Path.Combine(run, "checkpoint.bin")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "losses.csv")).Length);   // the diverged iteration is not logged
    }
}

/// <summary>Stopping an MLP run through the model-neutral <see cref="TrainingRun"/> API.</summary>
public class MlpTrainingRunTests
{
    // A tiny MLP run started through the catalog, as `alae train` starts one.
    internal static TrainingRun StartTiny(TempDirectory dir, string name, int iterations)
    {
        string configPath = dir.File($"{name}-config.json");
        JsonConfig.Save(configPath, MlpTestSetup.Tiny(iterations: iterations));
        var config = RunCatalog.Find("mlp").LoadConfig(configPath, []);
        return RunCatalog.StartTraining(config, RunDirectory.Create(dir.File(name)), CpuBackend.Instance);
    }

    [Fact]
    public void CancellingLeavesACheckpointAtTheIterationItStopped()
    {
        using var dir = new TempDirectory();
        var session = StartTiny(dir, "cancelled", iterations: 10);
        var run = session.Run;
        using var cancel = new CancellationTokenSource();

        var outcome = session.Train(p => { if (p.Iteration == 3) cancel.Cancel(); }, cancel.Token);

        Assert.Equal(3, session.Trainer.Iteration);
        Assert.Equal(new TrainingOutcome(0, 3, Cancelled: true, CheckpointIteration: 3, FigureIteration: null), outcome);
        var resumed = RunCatalog.ResumeTraining(RunDirectory.Open(run.Path), CpuBackend.Instance, []);
        Assert.Equal(3, resumed.Trainer.Iteration);
        MlpTestSetup.AssertBitIdentical(MlpTestSetup.FullState((MlpAlaeTrainer)session.Trainer), MlpTestSetup.FullState((MlpAlaeTrainer)resumed.Trainer));
        Assert.Equal(4, File.ReadAllLines(run.LossesPath).Length);   // header + iterations 1-3
    }

    [Fact]
    public void NanLossThrowsNamingIterationAndLossAndKeepsTheCheckpoint()
    {
        using var dir = new TempDirectory();
        var session = StartTiny(dir, "nan", iterations: 10);
        var run = session.Run;
        using (var cancel = new CancellationTokenSource())
            session.Train(p => { if (p.Iteration == 2) cancel.Cancel(); }, cancel.Token);
        byte[] checkpoint = File.ReadAllBytes(run.CheckpointPath);

        // Inject: one NaN in E's first weight makes every logit, and so the step-I loss, NaN.
        var weight = ((MlpAlaeTrainer)session.Trainer).Model.E.Parameters().First().Value;
        var values = weight.ToArray();
        values[0] = float.NaN;
        weight.Backend.Upload(values, weight.Storage);

        var error = Assert.Throws<TrainingDivergedException>(() => session.Train(_ => { }, CancellationToken.None));
        Assert.Contains("iteration 3: loss_ed is NaN", error.Message);
        Assert.Equal(checkpoint, File.ReadAllBytes(run.CheckpointPath));
    }
}
