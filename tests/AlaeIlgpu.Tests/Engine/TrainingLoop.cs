using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Tests.Engine;

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
