using AlaeIlgpu.Nn;
using AlaeIlgpu.Optim;
using AlaeIlgpu.Serialization;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>LREQ Adam against a hand-computed double reference, with lr scales, untouched parameters and checkpointed state.</summary>
[Collection(SimulatorCollection.Name)]
public class LreqAdamTests(SimulatorFixture fixture)
{
    /// <summary>Parameters of order 1 moved by steps of order lr = 0.01, each a handful of float32 roundings.</summary>
    private const double AdamAtol = 1e-6;

    private const float LearningRate = 0.01f, Beta2 = 0.99f, Epsilon = 1e-8f;
    private static readonly float[] Scales = [1f, 0.25f];

    /// <summary>Backend x beta1 (0 as ALAE uses, 0.9 to exercise the first moment).</summary>
    public static TheoryData<string, float> Cases()
    {
        var data = new TheoryData<string, float>();
        foreach (var backend in SimulatorFixture.BackendNames)
            foreach (float beta1 in new[] { 0f, 0.9f }) data.Add(backend, beta1);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StepsMatchAHandComputedReference(string backendName, float beta1)
    {
        var backend = fixture.Get(backendName);
        var parameters = Scales.Select((s, i) => new Parameter(TestData.NormalTensor(backend, i, [3, 5]), s)).ToArray();
        var optimizer = new LreqAdam(parameters, LearningRate, beta1, Beta2, Epsilon);
        var expected = parameters.Select(p => new AdamReference(p.Value.ToArray(), beta1)).ToArray();
        for (int step = 1; step <= 3; step++)
        {
            optimizer.ZeroGrad();
            for (int i = 0; i < parameters.Length; i++)
            {
                var g = TestData.Normal(10 * step + i, 15);
                using (new TensorScope()) parameters[i].Grad!.CopyFrom(Tensor.FromArray(backend, g, 3, 5));
                expected[i].Step(g, LearningRate * Scales[i], step);
            }
            optimizer.Step();
            for (int i = 0; i < parameters.Length; i++)
                TestData.AssertClose(expected[i].P, parameters[i].Value.ToArray(), AdamAtol, 0, $"parameter {i} after step {step} on {backendName}, beta1 {beta1}");
        }
        Assert.Equal(3, optimizer.StepCount);
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void AParameterWithoutGradientKeepsItsValueWhileVDecays(string backendName)
    {
        var backend = fixture.Get(backendName);
        var trained = new Parameter(TestData.NormalTensor(backend, 1, [4]));
        var idle = new Parameter(TestData.NormalTensor(backend, 2, [4]));
        var optimizer = new LreqAdam([trained, idle], LearningRate, 0f, Beta2, Epsilon);
        using var scope = new TensorScope();
        var grad = Tensor.FromArray(backend, [0.5f, -1f, 2f, 0.1f], 4);

        var idleBefore = idle.Value.ToArray();
        optimizer.ZeroGrad();
        trained.Grad!.CopyFrom(grad);
        optimizer.Step(); // idle has a zero gradient: v stays 0, the value stays put
        Assert.Equal(idleBefore, idle.Value.ToArray());

        idle.Grad!.CopyFrom(grad);
        optimizer.Step(); // now both have moved and have v = (1 - b2) g^2
        var vAfterGradient = V(optimizer, 1);
        var idleValue = idle.Value.ToArray();

        optimizer.ZeroGrad();
        trained.Grad!.CopyFrom(grad);
        optimizer.Step();
        Assert.Equal(idleValue, idle.Value.ToArray());
        TestData.AssertClose(vAfterGradient.Select(v => (double)v * Beta2).ToArray(), V(optimizer, 1), 0, 1e-6, $"v decay on {backendName}");
    }

    [Fact]
    public void AParameterThatNeverHadAGradientGetsAZeroOne()
    {
        var cpu = fixture.Get("cpu");
        var p = new Parameter(Tensor.Full(cpu, 1.5f, 3));
        var optimizer = new LreqAdam([p], LearningRate);
        Assert.Null(p.Grad);
        optimizer.Step();
        Assert.Equal(new[] { 1.5f, 1.5f, 1.5f }, p.Value.ToArray());
        Assert.Equal(new float[3], p.Grad!.ToArray());
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void StateRoundTripsThroughTensorArchive(string backendName)
    {
        var backend = fixture.Get(backendName);
        var (original, originalParams) = MakeOptimizer(backend, 0.9f);
        TakeStep(original, 1);
        TakeStep(original, 2);

        using var stream = new MemoryStream();
        TensorArchive.Write(stream, original.StepCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            original.State().Concat(originalParams.Select((p, i) => ($"param.{i}", p.Value))));
        stream.Position = 0;
        var (metadata, entries) = TensorArchive.Read(stream, "memory");

        var (restored, restoredParams) = MakeOptimizer(backend, 0.9f);
        foreach (var (name, value) in restored.State()) TensorArchive.Load(entries, name, value, "memory");
        for (int i = 0; i < restoredParams.Length; i++) TensorArchive.Load(entries, $"param.{i}", restoredParams[i].Value, "memory");
        restored.RestoreStepCount(long.Parse(metadata, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(2, restored.StepCount);
        Assert.Equal(original.State().Count(), restored.State().Count());
        TakeStep(original, 3);
        TakeStep(restored, 3);
        for (int i = 0; i < originalParams.Length; i++)
            Assert.Equal(originalParams[i].Value.ToArray(), restoredParams[i].Value.ToArray());
        foreach (var ((name, a), (_, b)) in original.State().Zip(restored.State()))
            Assert.True(a.ToArray().SequenceEqual(b.ToArray()), $"state {name} differs after a step from the restored state");
    }

    private static (LreqAdam, Parameter[]) MakeOptimizer(Backends.Backend backend, float beta1)
    {
        var parameters = Scales.Select((s, i) => new Parameter(TestData.NormalTensor(backend, 20 + i, [2, 3]), s)).ToArray();
        return (new LreqAdam(parameters, LearningRate, beta1, Beta2, Epsilon), parameters);
    }

    private static void TakeStep(LreqAdam optimizer, int seed)
    {
        optimizer.ZeroGrad();
        using (new TensorScope())
            for (int i = 0; i < optimizer.Parameters.Count; i++)
            {
                var p = optimizer.Parameters[i];
                p.Grad!.CopyFrom(Tensor.FromArray(p.Value.Backend, TestData.Normal(100 * seed + i, p.Value.Count), p.Value.Shape.ToArray()));
            }
        optimizer.Step();
    }

    private static float[] V(LreqAdam optimizer, int index) => optimizer.State().Single(s => s.Name == $"v.{index}").Value.ToArray();

    /// <summary>PyTorch-form Adam in double: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps).</summary>
    private sealed class AdamReference(float[] p, double beta1)
    {
        private readonly double[] _m = new double[p.Length], _v = new double[p.Length];

        public double[] P { get; } = p.Select(x => (double)x).ToArray();

        public void Step(float[] g, double lr, int t)
        {
            double correction = Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(beta1, t));
            for (int i = 0; i < P.Length; i++)
            {
                _m[i] = beta1 * _m[i] + (1 - beta1) * g[i];
                _v[i] = Beta2 * _v[i] + (1 - Beta2) * g[i] * (double)g[i];
                P[i] -= lr * correction * _m[i] / (Math.Sqrt(_v[i]) + Epsilon);
            }
        }
    }
}
