using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Tests.Engine;
using Xunit.Abstractions;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>
/// Our MLP ALAE in lockstep with the PyTorch peer (benchmarks/peers/mlp_alae_torch.py, <c>lockstep</c>): from the
/// same initial weights of the model and of the EMA copy, the same real batches and latents, the peer in float64 and
/// ours in float32 must agree on every loss of 5 iterations and after iterations 1 and 5 on every parameter, the w
/// average and every EMA parameter (on cpu: ilgpu-cpu would take 10 s), and on the gradients of iteration 1's three
/// backward passes and the parameters after it (on cpu and ilgpu-cpu). Fixtures/mlp-lockstep holds the inputs and the
/// peer's results (README there).
/// </summary>
/// <remarks>
/// Measures: a loss relative to itself; a gradient or the w average as max |ours - peer| / max |peer| over the
/// array; a parameter (or EMA parameter) as max |ours - peer| over the largest movement of that tensor from its
/// initial value in the peer's run, since a few Adam steps move weights by about 1e-3 of their size and a measure
/// relative to the weights themselves could not see a wrong step. Each tolerance is about ten times the peer's own
/// float32 run against its float64 run (stored as f32err.*): two correct float32 implementations round differently
/// (summation order), by a data-dependent factor up to about ten (TorchOracleTests found the same).
/// </remarks>
[Collection(SimulatorCollection.Name)]
public class MlpLockstepTests(SimulatorFixture simulators, ITestOutputHelper log)
{
    /// <summary>Losses: the peer's float32 run is within 5.7e-7 (relative) of its float64 run.</summary>
    private const double LossTolerance = 1e-5;

    /// <summary>Iteration 1's gradients (step I's includes R1's double backprop): peer float32 within 1.2e-6.</summary>
    private const double GradientTolerance = 2e-5;

    /// <summary>
    /// Parameters after 1 and 5 iterations, in units of the tensor's largest movement: peer float32 within 2.9e-4
    /// (the float32 spacing of a weight against the tiny Adam steps). Adam's first steps are close to sign(g) lr c, so a
    /// gradient element that rounding turned over would move its weight the wrong way by a whole step, an error near 1
    /// on this scale; eps = 1e-8 in the denominator damps that for gradients at the rounding level (about 1e-9 here),
    /// and the peer's own float32 run shows no such flip.
    /// </summary>
    private const double MovementTolerance = 3e-3;

    /// <summary>EMA parameters in units of their largest movement (about 0.1% of the way to the model per
    /// iteration): peer float32 within 5.3e-5.</summary>
    private const double EmaMovementTolerance = 5e-4;

    /// <summary>The running w average after 1 and 5 iterations (three updates each): peer float32 within 1.4e-7.</summary>
    private const double WAverageTolerance = 2e-6;

    /// <summary>How far below each tolerance the fixture's own float32 spread must stay, so that a regenerated fixture
    /// that were worse conditioned than this one fails loudly instead of silently loosening the comparison.</summary>
    private const double ConditioningMargin = 3;

    private static readonly Lazy<TorchFixture> Peer = new(() =>
        TorchFixture.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "mlp-lockstep", "mlp-lockstep.npz")));

    private static readonly (string Step, string[] Networks)[] StepGradients = [("I", ["E.", "D."]), ("II", ["F.", "G."]), ("III", ["E.", "F.", "G."])];

    [Fact]
    public void TolerancesLeaveRoomAboveThePeersOwnFloat32Spread()
    {
        var tolerances = new Dictionary<string, double>
        {
            ["losses"] = LossTolerance, ["grad1"] = GradientTolerance, ["after1"] = MovementTolerance, ["after5"] = MovementTolerance,
            ["ema1"] = EmaMovementTolerance, ["ema5"] = EmaMovementTolerance, ["w_avg"] = WAverageTolerance,
        };
        Assert.Equal(tolerances.Keys.Order(), Peer.Value.Names.Where(n => n.StartsWith("f32err.", StringComparison.Ordinal)).Select(n => n[7..]).Order());
        foreach (var (quantity, tolerance) in tolerances)
        {
            double spread = Peer.Value.Get($"f32err.{quantity}").Data[0];
            Assert.True(spread * ConditioningMargin <= tolerance, $"{quantity}: the peer's float32 spread {spread:E2} leaves no room under {tolerance:E1}");
        }
    }

    [Fact]
    public void FiveIterationsMatchThePeer()
    {
        var backend = CpuBackend.Instance;
        var (trainer, _) = LoadedTrainer(backend);
        var report = new LockstepReport(backend.Name);
        var losses = Peer.Value.Get("losses").Data;   // [iteration, step]
        for (int i = 0; i < Iterations; i++)
        {
            using (new TensorScope())
            {
                var ours = trainer.TrainIteration(RealBatch(backend, i), Latent(backend, i, 0), Latent(backend, i, 1), Latent(backend, i, 2));
                float[] values = [ours.EncoderDiscriminator, ours.Generator, ours.LatentReconstruction];
                for (int s = 0; s < 3; s++)
                    report.Check("losses", $"iteration {i + 1} step {StepGradients[s].Step}", [values[s]], [losses[3 * i + s]], Math.Abs(losses[3 * i + s]), LossTolerance);
            }
            if (i == 0 || i + 1 == Iterations)
            {
                CompareModel(report, trainer.Model, i + 1);
                CompareParameters(report, trainer.Ema, $"ema{i + 1}", "ema_init", EmaMovementTolerance);
            }
        }
        report.Conclude(log);
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void FirstIterationGradientsMatchThePeer(string backendName)
    {
        var backend = simulators.Get(backendName);
        var (trainer, config) = LoadedTrainer(backend);
        var t = config.Training;
        var step = new MlpAlaeStep(trainer.Model, trainer.EncoderOptimizer, trainer.DecoderOptimizer, new AlaeStepSettings((float)t.R1Gamma, (float)t.WAverageBeta));
        var report = new LockstepReport(backendName);
        using var scope = new TensorScope();
        step.UpdateEncoderAndDiscriminator(RealBatch(backend, 0), Latent(backend, 0, 0));
        CompareGradients(report, trainer.Model, StepGradients[0]);
        step.UpdateGenerator(Latent(backend, 0, 1));
        CompareGradients(report, trainer.Model, StepGradients[1]);
        step.UpdateLatentReconstruction(Latent(backend, 0, 2));
        CompareGradients(report, trainer.Model, StepGradients[2]);
        Assert.Equal(Peer.Value.Names.Count(n => n.StartsWith("grad1.", StringComparison.Ordinal)), report.Count);
        CompareModel(report, trainer.Model, 1);
        report.Conclude(log);
    }

    // ------------------------------------------------------------------ setup from the fixture

    private static int Iterations => Peer.Value.Get("x").Shape[0];

    /// <summary>A trainer of the fixture's shape (widths read from its arrays) whose model and EMA copy hold the
    /// fixture's initial weights; its optimizers are fresh, configured as every run's.</summary>
    private static (MlpAlaeTrainer Trainer, MlpAlaeConfig Config) LoadedTrainer(Backend backend)
    {
        var peer = Peer.Value;
        var (xShape, images) = peer.Get("x");                            // [iterations, batch, pixels]
        var config = new MlpAlaeConfig
        {
            Model = new MlpModelConfig
            {
                LatentSize = peer.Get("z").Shape[3], HiddenSize = peer.Get("init.G.fc1.weight").Shape[0],
                MappingLayers = LayerCount(peer, "init.F.layers."), DiscriminatorLayers = LayerCount(peer, "init.D.layers."),
            },
            Training = new MlpTrainingConfig { BatchSize = xShape[1] },
        };
        var trainer = new MlpAlaeTrainer(config, backend, images, xShape[2]);
        LoadParameters(trainer.Model, "init");
        LoadParameters(trainer.Ema, "ema_init");
        return (trainer, config);
    }

    private static int LayerCount(TorchFixture peer, string prefix) =>
        peer.Names.Count(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".weight", StringComparison.Ordinal));

    /// <summary>Copies <c>&lt;prefix&gt;.&lt;name&gt;</c> into each of our parameters; names map one to one.</summary>
    private static void LoadParameters(MlpAlae model, string prefix)
    {
        var ours = model.NamedParameters().ToList();
        Assert.Equal(Peer.Value.Names.Where(n => n.StartsWith(prefix + ".", StringComparison.Ordinal)).Order(), ours.Select(p => $"{prefix}.{p.Name}").Order());
        foreach (var (name, p) in ours)
        {
            var (shape, data) = Peer.Value.Get($"{prefix}.{name}");
            Assert.Equal(p.Value.Shape.ToArray(), shape);
            using var scope = new TensorScope();
            p.Value.CopyFrom(Tensor.FromArray(p.Value.Backend, data, shape));
        }
    }

    private static Tensor RealBatch(Backend backend, int iteration) => Slice(backend, "x", iteration);

    private static Tensor Latent(Backend backend, int iteration, int step) => Slice(backend, "z", iteration * 3 + step);

    // Row block `index` of an array whose last two axes are [batch, width]: a [batch, width] tensor.
    private static Tensor Slice(Backend backend, string name, int index)
    {
        var (shape, data) = Peer.Value.Get(name);
        int rows = shape[^2], width = shape[^1];
        return Tensor.FromArray(backend, data.AsSpan(index * rows * width, rows * width).ToArray(), rows, width);
    }

    // ------------------------------------------------------------------ comparisons

    // Parameters and w average after `iteration` iterations.
    private static void CompareModel(LockstepReport report, MlpAlae model, int iteration)
    {
        CompareParameters(report, model, $"after{iteration}", "init", MovementTolerance);
        var wAverage = Peer.Value.Get($"after{iteration}.w_avg").Data;
        report.Check("w_avg", $"after {iteration}", model.WAverage.ToArray(), wAverage, MaxAbs(wAverage), WAverageTolerance);
    }

    // Every parameter against <copy>.<name>, in units of its largest movement from <start>.<name>.
    private static void CompareParameters(LockstepReport report, MlpAlae model, string copy, string start, double tolerance)
    {
        foreach (var (name, p) in model.NamedParameters())
        {
            float[] expected = Peer.Value.Get($"{copy}.{name}").Data, initial = Peer.Value.Get($"{start}.{name}").Data;
            double movement = expected.Zip(initial, (e, s) => Math.Abs((double)e - s)).Max();
            report.Check(copy, name, p.Value.ToArray(), expected, movement, tolerance);
        }
    }

    private static void CompareGradients(LockstepReport report, MlpAlae model, (string Step, string[] Networks) step)
    {
        foreach (var (name, p) in model.NamedParameters().Where(p => step.Networks.Any(n => p.Name.StartsWith(n, StringComparison.Ordinal))))
        {
            var expected = Peer.Value.Get($"grad1.{step.Step}.{name}").Data;
            Assert.NotNull(p.Grad);
            report.Check("grad1", $"{step.Step}.{name}", p.Grad.ToArray(), expected, MaxAbs(expected), GradientTolerance);
        }
    }

    private static double MaxAbs(float[] values) => values.Max(v => Math.Abs((double)v));

    /// <summary>Collects every comparison, keeps the worst per quantity for the log, and fails once with all the
    /// arrays beyond their tolerance.</summary>
    private sealed class LockstepReport(string backendName)
    {
        private readonly List<string> _failures = [];
        private readonly Dictionary<string, (double Error, string Where)> _worst = [];

        /// <summary>Arrays compared so far.</summary>
        public int Count { get; private set; }

        /// <summary>max |ours - peer| / <paramref name="scale"/> must be at most <paramref name="tolerance"/>.</summary>
        public void Check(string quantity, string name, float[] ours, float[] peer, double scale, double tolerance)
        {
            Assert.Equal(peer.Length, ours.Length);
            Assert.True(scale > 0, $"{quantity} {name}: the peer's scale is 0, so nothing would be compared");
            int worst = 0;
            for (int i = 1; i < ours.Length; i++)
                if (!(Math.Abs(ours[i] - (double)peer[i]) <= Math.Abs(ours[worst] - (double)peer[worst]))) worst = i;
            double error = Math.Abs(ours[worst] - (double)peer[worst]) / scale;
            string where = $"{quantity} {name}[{worst}]: ours {ours[worst]:G9}, peer {peer[worst]:G9}, scale {scale:G4}, error {error:E2}";
            Count++;
            if (!_worst.TryGetValue(quantity, out var w) || !(error <= w.Error)) _worst[quantity] = (error, where);
            if (!(error <= tolerance)) _failures.Add($"{where} > {tolerance:E1}");
        }

        /// <summary>Logs the worst difference per quantity and fails if any array was beyond its tolerance.</summary>
        public void Conclude(ITestOutputHelper log)
        {
            foreach (var (_, (_, where)) in _worst) log.WriteLine($"{backendName} worst {where}");
            Assert.True(_failures.Count == 0, $"{backendName}: {_failures.Count} arrays differ from the peer:\n" + string.Join("\n", _failures));
        }
    }
}
