namespace AlaeIlgpu.Autodiff;

/// <summary>
/// The gradients of one propagation: those still to be passed back (summed per tensor), the requested ones, and, off the
/// tape, the release of every other gradient and backward temporary as soon as it has been used. Without the release a
/// backward pass would hold all of them until its scope ends: StyleALAE's step I (the R1 double backprop) of the ffhq
/// config at 512x512, batch 1, allocated 8.0 GiB of tensors that way and 3.2 GiB with the release. On the tape
/// (createGraph) nothing is released: the gradients are part of the graph a second differentiation walks.
/// </summary>
/// <param name="release">Release used gradients and temporaries (true only while not recording).</param>
internal sealed class PendingGradients(bool release)
{
    private readonly Dictionary<Tensor, Tensor> _pending = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, int> _holders = new(ReferenceEqualityComparer.Instance);   // entries holding each gradient
    private readonly HashSet<Tensor> _made = new(ReferenceEqualityComparer.Instance);             // created by this propagation

    /// <summary>The gradients kept for the caller, by tensor.</summary>
    public Dictionary<Tensor, Tensor> Result { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Adds <paramref name="g"/> into the pending gradient of <paramref name="t"/>.</summary>
    public void Add(Tensor t, Tensor g)
    {
        if (!_pending.TryGetValue(t, out var existing))
        {
            _pending[t] = g;
            Hold(g);
            return;
        }
        var sum = existing + g;
        if (release) _made.Add(sum);
        _pending[t] = sum;
        Hold(sum);
        Drop(existing);
        ReleaseIfUnheld(g);
    }

    /// <summary>Removes and returns the pending gradient of <paramref name="t"/>; its hold passes to the caller, who ends it with <see cref="Drop"/>.</summary>
    public bool TryTake(Tensor t, out Tensor g) => _pending.Remove(t, out g!);

    /// <summary>Keeps <paramref name="g"/> as the result for <paramref name="t"/>.</summary>
    public void Keep(Tensor t, Tensor g)
    {
        Result[t] = g;
        Hold(g);
    }

    /// <summary>
    /// Runs <paramref name="node"/>'s backward function on <paramref name="g"/>; off the tape its temporaries are released
    /// on return and only the input gradients survive (owned by the scope that was current before). An input gradient
    /// nobody holds after <see cref="Add"/> (its input needs none) is released by <see cref="ReleaseIfUnheld"/>.
    /// </summary>
    public Tensor?[] Run(GradNode node, Tensor g)
    {
        if (!release) return node.Backward(g);
        var outer = TensorScope.Current;
        Tensor?[] inputGrads;
        using (var scope = new TensorScope())
        {
            inputGrads = node.Backward(g);
            foreach (var ig in inputGrads)
                if (ig is not null && ReferenceEquals(ig.Owner, scope))
                {
                    ig.MoveTo(outer);
                    _made.Add(ig);
                }
        }
        return inputGrads;
    }

    /// <summary>Ends one hold on <paramref name="g"/>; a gradient this propagation made goes with its last hold.</summary>
    public void Drop(Tensor g)
    {
        if (--_holders[g] == 0) _holders.Remove(g);
        ReleaseIfUnheld(g);
    }

    /// <summary>Releases <paramref name="g"/> when this propagation made it (off the tape) and nothing holds it.</summary>
    public void ReleaseIfUnheld(Tensor g)
    {
        if (!_holders.ContainsKey(g) && _made.Remove(g)) g.Dispose();
    }

    private void Hold(Tensor g) => _holders[g] = _holders.GetValueOrDefault(g) + 1;
}
