using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// Classes that read a shared pool's byte count: they run alone, after every parallel collection, because any other
/// test allocating on the process-wide cpu backend at the same time would change the count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PoolAccountingCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "pool accounting (runs alone)";
}

/// <summary>A two-layer MLP with a one-logit head, like ALAE's D on a latent.</summary>
internal sealed class TinyMlp : Module
{
    private readonly EqualizedLinear _hidden, _head;

    public TinyMlp(Backend backend, int inputs, int hidden)
    {
        var random = new RandomGenerator(7);
        _hidden = AddModule("hidden", new EqualizedLinear(backend, random, inputs, hidden));
        _head = AddModule("head", new EqualizedLinear(backend, random, hidden, 1));
    }

    public Tensor Forward(Tensor x) => _head.Forward(ElementwiseOp.LeakyRelu(_hidden.Forward(x), 0.2f));
}

/// <summary>A training-like step: batch gather, forward, softplus loss with an R1 term (double backprop), backward, Adam.</summary>
internal sealed class TrainingLoop
{
    private readonly TinyMlp _mlp;
    private readonly LreqAdam _optimizer;
    private readonly Tensor _dataset;
    private readonly RandomGenerator _random = new(11);

    public TrainingLoop(Backend backend)
    {
        _mlp = new TinyMlp(backend, 6, 10);
        _optimizer = new LreqAdam(_mlp.Parameters(), 0.01f);
        _dataset = TestData.NormalTensor(backend, 5, [32, 6]).Persist();
    }

    public void Step()
    {
        using var scope = new TensorScope();
        _optimizer.ZeroGrad();
        var x = ShapeOp.GatherRows(_dataset, _random.Permutation(32).AsSpan(0, 8));
        x.RequiresGrad = true;
        var logits = _mlp.Forward(x);
        var gx = Autograd.Grad([ReduceOp.Sum(logits)], [x], createGraph: true)[0];
        var loss = ReduceOp.Mean(ElementwiseOp.Softplus(logits)) + ReduceOp.Sum(ElementwiseOp.Square(gx)) * 0.1f;
        Autograd.Backward(loss);
        _optimizer.Step();
    }
}

/// <summary>Steady-state allocation on the shared cpu backend: after the first step, training steps inside scopes are served from the pool.</summary>
[Collection(PoolAccountingCollection.Name)]
public class CpuSteadyStateTests
{
    [Fact]
    public void RepeatedStepsDoNotGrowThePoolAfterTheFirst()
    {
        var loop = new TrainingLoop(CpuBackend.Instance);
        loop.Step();
        long afterFirst = CpuBackend.Instance.PooledBytes;
        for (int i = 0; i < 5; i++)
        {
            loop.Step();
            Assert.Equal(afterFirst, CpuBackend.Instance.PooledBytes);
        }
    }
}

/// <summary>Disposing the shared cpu backend (as <c>using var backend = Devices.Open("cpu")</c> does) drops its free buffers only.</summary>
[Collection(PoolAccountingCollection.Name)]
public class CpuBackendDisposeTests
{
    [Fact]
    public void BuffersInUseStayCountedAndReusable()
    {
        var cpu = CpuBackend.Instance;
        var live = Tensor.Zeros(cpu, 1231).Persist();
        Tensor.Zeros(cpu, 777).Dispose();
        cpu.Dispose();
        Assert.True(cpu.PooledBytes >= 4L * 1231, $"{cpu.PooledBytes} bytes counted while a 1231-element tensor is alive");
        live.Dispose();
        long afterReturn = cpu.PooledBytes;
        Tensor.Zeros(cpu, 1231).Dispose(); // served by the returned buffer
        Assert.Equal(afterReturn, cpu.PooledBytes);
        using var scope = new TensorScope();
        Assert.Equal(new[] { 2f }, (Tensor.Scalar(cpu, 1f) + 1f).ToArray()); // still usable
    }
}

/// <summary>The same on the simulator (its pool is private to the simulator collection, which runs serially).</summary>
[Collection(SimulatorCollection.Name)]
public class SimulatorSteadyStateTests(SimulatorFixture fixture)
{
    [Fact]
    public void RepeatedStepsDoNotGrowThePoolAfterTheFirst()
    {
        var sim = fixture.Get("ilgpu-cpu");
        var loop = new TrainingLoop(sim);
        loop.Step();
        long afterFirst = sim.PooledBytes;
        for (int i = 0; i < 3; i++)
        {
            loop.Step();
            Assert.Equal(afterFirst, sim.PooledBytes);
        }
    }
}
