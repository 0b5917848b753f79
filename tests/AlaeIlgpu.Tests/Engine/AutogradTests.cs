using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Tape semantics: accumulation into leaves, NoGrad, Detach, Grad's options, unreached inputs, fan-out, createGraph.</summary>
public class AutogradTests
{
    /// <summary>Gradients here are a few float32 ops on values of order 1.</summary>
    private const float Tolerance = 1e-6f;

    private static readonly Backend Cpu = CpuBackend.Instance;

    private static Tensor Leaf(params float[] values)
    {
        var t = Tensor.FromArray(Cpu, values, values.Length);
        t.RequiresGrad = true;
        return t;
    }

    private static void AssertValues(float[] expected, Tensor? actual)
    {
        Assert.NotNull(actual);
        var got = actual.ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], Tolerance);
    }

    [Fact]
    public void BackwardAccumulatesIntoLeafGradAcrossCalls()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, -2f, 3f);
        Autograd.Backward(ReduceOp.Sum(ElementwiseOp.Square(x)));
        AssertValues([2f, -4f, 6f], x.Grad);
        Autograd.Backward(ReduceOp.Sum(x * 3f));
        AssertValues([5f, -1f, 9f], x.Grad);
    }

    [Fact]
    public void BackwardGradOutlivesTheScopeOfTheStep()
    {
        var x = Leaf(1f, 2f).Persist();
        using (new TensorScope()) Autograd.Backward(ReduceOp.Sum(x * x));
        Assert.False(x.Grad!.Storage.IsReleased);
        AssertValues([2f, 4f], x.Grad);
    }

    [Fact]
    public void LeavesSharingOneGradientTensorGetSeparateGradients()
    {
        // add hands the same gradient tensor to both operands; a leaf without a gradient takes over its result, so
        // the two leaves must not end up on one storage (the second backward would then add twice into it).
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        var w = Leaf(3f, 4f);
        Autograd.Backward(ReduceOp.Sum(x + w));
        Autograd.Backward(ReduceOp.Sum(x * 2f + w));
        Assert.NotSame(x.Grad!.Storage, w.Grad!.Storage);
        AssertValues([3f, 3f], x.Grad);
        AssertValues([2f, 2f], w.Grad);
    }

    [Fact]
    public void AGradientSharingStorageWithAViewIsCopied()
    {
        // reshape's backward returns a view of the incoming gradient: both leaves see one storage, so neither may
        // take it over.
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f, 3f, 4f);
        var m = Leaf(5f, 6f, 7f, 8f);
        var loss = ReduceOp.Sum(ShapeOp.Reshape(x, 2, 2) * ShapeOp.Reshape(m, 2, 2));
        Autograd.Backward(loss);
        Autograd.Backward(ReduceOp.Sum(x));
        AssertValues([6f, 7f, 8f, 9f], x.Grad);
        AssertValues([1f, 2f, 3f, 4f], m.Grad);
    }

    [Fact]
    public void ClearGradDropsTheGradientAndTheNextBackwardStartsFresh()
    {
        var p = new Nn.Parameter(Tensor.FromArray(Cpu, [1f, -2f], 2));
        using (new TensorScope()) Autograd.Backward(ReduceOp.Sum(p.Value * p.Value));
        var first = p.Grad!;
        p.ClearGrad();
        Assert.Null(p.Grad);
        Assert.True(first.Storage.IsReleased);
        using (new TensorScope()) Autograd.Backward(ReduceOp.Sum(p.Value * 3f));
        Assert.False(p.Grad!.Storage.IsReleased);
        AssertValues([3f, 3f], p.Grad);
        p.ClearGrad();
    }

    [Fact]
    public void BackwardRejectsNonScalarAndUntrackedLosses()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        Assert.Throws<ArgumentException>(() => Autograd.Backward(x * 2f));
        Assert.Throws<ArgumentException>(() => Autograd.Backward(Tensor.Scalar(Cpu, 1f)));
    }

    [Fact]
    public void NoGradStopsRecording()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        Tensor y;
        using (Autograd.NoGrad())
        {
            Assert.False(Autograd.IsRecording);
            y = ReduceOp.Sum(x * x);
        }
        Assert.True(Autograd.IsRecording);
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        Assert.Throws<ArgumentException>(() => Autograd.Backward(y));
        Assert.True(ReduceOp.Sum(x * x).RequiresGrad);
    }

    [Fact]
    public void NestedNoGradRestoresRecordingOnlyAtTheOutermostExit()
    {
        var outer = Autograd.NoGrad();
        var inner = Autograd.NoGrad();
        inner.Dispose();
        inner.Dispose(); // a second dispose must not re-enable recording early
        Assert.False(Autograd.IsRecording);
        outer.Dispose();
        Assert.True(Autograd.IsRecording);
    }

    [Fact]
    public void DetachStopsGradients()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, -2f, 3f);
        var d = x.Detach();
        Assert.False(d.RequiresGrad);
        Assert.Equal(x.ToArray(), d.ToArray());
        Autograd.Backward(ReduceOp.Sum(d * x)); // d/dx (c x) with c = x held constant: c, not 2x
        AssertValues([1f, -2f, 3f], x.Grad);
    }

    [Fact]
    public void GradWithGradOutputsWeighsEachOutputElement()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f, 3f);
        var v = Tensor.FromArray(Cpu, [0.5f, -1f, 2f], 3);
        var g = Autograd.Grad([ElementwiseOp.Square(x)], [x], [v])[0];
        AssertValues([1f, -4f, 12f], g);
        Assert.Null(x.Grad); // Grad returns gradients; it does not accumulate into leaves
    }

    [Fact]
    public void GradSumsOverSeveralOutputs()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        var g = Autograd.Grad([x * 2f, ElementwiseOp.Square(x)], [x])[0];
        AssertValues([4f, 6f], g);
    }

    [Fact]
    public void GradRejectsMismatchedGradOutputs()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        var ex = Assert.Throws<ArgumentException>(() => Autograd.Grad([x * 2f], [x], [Tensor.Zeros(Cpu, 3)]));
        Assert.Contains("[3]", ex.Message);
        Assert.Contains("[2]", ex.Message);
    }

    [Fact]
    public void AnInputNotReachedGetsZeros()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        var unused = Tensor.FromArray(Cpu, [7f, 7f, 7f, 7f, 7f, 7f], 2, 3);
        unused.RequiresGrad = true;
        var grads = Autograd.Grad([ReduceOp.Sum(x)], [x, unused]);
        AssertValues([1f, 1f], grads[0]);
        Assert.Equal(new[] { 2, 3 }, grads[1].Shape.ToArray());
        Assert.All(grads[1].ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ATensorUsedTwiceGetsTheSumOfBothPaths()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, -2f);
        var h = x * 3f;
        var y = ReduceOp.Sum(h * x + h + ElementwiseOp.Exp(x * 0f)); // 3x^2 + 3x + 1: three paths through x, two through h
        Autograd.Backward(y);
        AssertValues([9f, -9f], x.Grad);
    }

    [Fact]
    public void DiamondGraphReachesTheLeafOnce()
    {
        using var scope = new TensorScope();
        var x = Leaf(2f);
        var a = x * x;     // x^2
        var b = a * a;     // x^4, a used twice
        var c = a + b;     // x^2 + x^4
        Autograd.Backward(ReduceOp.Sum(c * c)); // d/dx (x^2 + x^4)^2 = 2 (x^2 + x^4)(2x + 4x^3) = 2 * 20 * 36
        AssertValues([1440f], x.Grad);
    }

    [Fact]
    public void GradWithoutCreateGraphIsNotOnTheTape()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        var g = Autograd.Grad([ReduceOp.Sum(ElementwiseOp.Square(x))], [x])[0];
        Assert.False(g.RequiresGrad);
        Assert.True(g.IsLeaf);
        // Used again, g acts as a constant: d/dx sum(g x) = g, with no term from g's own dependence on x.
        var again = Autograd.Grad([ReduceOp.Sum(g * x)], [x])[0];
        AssertValues([2f, 4f], again);
    }

    [Fact]
    public void GradWithCreateGraphIsOnTheTapeAndDifferentiable()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        var g = Autograd.Grad([ReduceOp.Sum(x * x * x)], [x], createGraph: true)[0]; // 3x^2
        Assert.True(g.RequiresGrad);
        Assert.False(g.IsLeaf);
        AssertValues([3f, 12f], g);
        var gg = Autograd.Grad([ReduceOp.Sum(g)], [x])[0]; // 6x
        AssertValues([6f, 12f], gg);
    }

    [Fact]
    public void GradRejectsAnInputThatNeedsNoGradient()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f);
        var c = Tensor.Scalar(Cpu, 2f);
        Assert.Throws<ArgumentException>(() => Autograd.Grad([x * c], [c]));
    }

    [Fact]
    public void RequiresGradCannotBeClearedOnARecordedResult()
    {
        using var scope = new TensorScope();
        var y = Leaf(1f) * 2f;
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
        Assert.False(y.Detach().RequiresGrad);
    }
}
