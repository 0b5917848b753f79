using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Scopes release what was created inside them, Persist opts out, and views share storage until the last one goes.</summary>
public class TensorScopeTests
{
    private static readonly Backend Cpu = CpuBackend.Instance;

    [Fact]
    public void TensorsCreatedInsideAreReleasedWhenTheScopeIsDisposed()
    {
        Tensor a, b, view, sum;
        using (var scope = new TensorScope())
        {
            a = Tensor.FromArray(Cpu, [1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
            b = ElementwiseOp.Exp(a + a);
            view = ShapeOp.Reshape(b, 3, 2);
            sum = ReduceOp.Sum(view, [0]);
            Assert.Equal(5, scope.OwnedCount); // a, a + a, exp, the reshaped view, the sum
            Assert.False(a.Storage.IsReleased || b.Storage.IsReleased || sum.Storage.IsReleased);
        }
        Assert.True(a.Storage.IsReleased);
        Assert.True(b.Storage.IsReleased);
        Assert.True(view.Storage.IsReleased);
        Assert.True(sum.Storage.IsReleased);
        var ex = Assert.Throws<ObjectDisposedException>(() => a.ToArray());
        Assert.Contains("after it was disposed", ex.Message);
    }

    [Fact]
    public void PersistKeepsATensorBeyondItsScope()
    {
        Tensor kept, dropped;
        using (var scope = new TensorScope())
        {
            var x = Tensor.FromArray(Cpu, [1f, -2f], 2);
            kept = (x * 3f).Persist();
            dropped = x * 4f;
            Assert.Equal(2, scope.OwnedCount); // x and dropped
        }
        Assert.True(dropped.Storage.IsReleased);
        Assert.False(kept.Storage.IsReleased);
        Assert.Equal(new[] { 3f, -6f }, kept.ToArray());
        kept.Dispose();
        Assert.True(kept.Storage.IsReleased);
    }

    [Fact]
    public void AViewOfAPersistentTensorDoesNotReleaseItsStorage()
    {
        var x = Tensor.FromArray(Cpu, [1f, 2f, 3f, 4f], 4).Persist();
        Tensor view, detached;
        using (new TensorScope())
        {
            view = ShapeOp.Reshape(x, 2, 2);
            detached = x.Detach();
            Assert.Same(x.Storage, view.Storage);
        }
        Assert.False(x.Storage.IsReleased);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, x.ToArray());
        x.Dispose();
        Assert.True(x.Storage.IsReleased);
    }

    [Fact]
    public void NestedScopesReleaseOnlyTheirOwnTensors()
    {
        using var outer = new TensorScope();
        var a = Tensor.Zeros(Cpu, 3);
        Tensor b;
        using (new TensorScope())
            b = a + 1f;
        Assert.True(b.Storage.IsReleased);
        Assert.False(a.Storage.IsReleased);
        var c = a + 2f; // the outer scope is current again
        Assert.Equal(2, outer.OwnedCount);
        Assert.False(c.Storage.IsReleased);
    }

    [Fact]
    public void DisposingAnOuterScopeFirstThrowsAndChangesNothing()
    {
        var outer = new TensorScope();
        var a = Tensor.Zeros(Cpu, 2);
        var inner = new TensorScope();
        var b = Tensor.Zeros(Cpu, 2);
        Assert.Throws<InvalidOperationException>(outer.Dispose);
        Assert.False(a.Storage.IsReleased);
        Assert.False(b.Storage.IsReleased);
        inner.Dispose();
        outer.Dispose();
        Assert.True(a.Storage.IsReleased);
        Assert.True(b.Storage.IsReleased);
    }

    [Fact]
    public void TheGradientOfALeafMadeInsideAScopeIsReleasedWithIt()
    {
        Tensor grad;
        using (new TensorScope())
        {
            var x = Tensor.FromArray(Cpu, [1f, 2f], 2);
            x.RequiresGrad = true;
            Autograd.Backward(ReduceOp.Sum(x * x));
            grad = x.Grad!;
            Assert.False(grad.Storage.IsReleased);
        }
        Assert.True(grad.Storage.IsReleased);
    }

    [Fact]
    public void DisposingATensorTwiceReleasesItsStorageOnce()
    {
        var x = Tensor.Zeros(Cpu, 5).Persist();
        var view = x.Detach().Persist();
        x.Dispose();
        x.Dispose();
        Assert.False(view.Storage.IsReleased);
        Assert.Equal(new float[5], view.ToArray());
        view.Dispose();
        Assert.True(x.Storage.IsReleased);
    }
}
