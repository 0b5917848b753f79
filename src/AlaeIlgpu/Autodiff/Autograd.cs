namespace AlaeIlgpu.Autodiff;

/// <summary>
/// Reverse-mode automatic differentiation over the tape that ops record while <see cref="IsRecording"/>:
/// <see cref="Backward"/> accumulates into leaves' <see cref="Tensor.Grad"/>, and <see cref="Grad"/> returns
/// gradients like <c>torch.autograd.grad</c>, optionally recording them for a second differentiation.
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static int _noGradDepth;
    [ThreadStatic] private static HashSet<Tensor>? _needed;

    /// <summary>Whether ops on this thread record themselves on the tape.</summary>
    public static bool IsRecording => _noGradDepth == 0;

    /// <summary>Stops recording until the returned handle is disposed (inference, parameter updates).</summary>
    public static IDisposable NoGrad() => new NoGradScope();

    /// <summary>
    /// Records <paramref name="output"/> as produced from <paramref name="inputs"/> when recording and any input
    /// requires a gradient. Called by every differentiable op.
    /// </summary>
    internal static Tensor Record(Tensor output, string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (!IsRecording || !inputs.Any(t => t.RequiresGrad)) return output;
        output.GradFn = new GradNode(name, inputs, backward);
        output.RequiresGrad = true;
        return output;
    }

    /// <summary>
    /// Back-propagates from a one-element <paramref name="loss"/> and adds the gradients into the
    /// <see cref="Tensor.Grad"/> (created on first use, persistent) of every reachable leaf, or only of
    /// <paramref name="leaves"/> when given (like torch's <c>backward(inputs=...)</c>: an input image that required a
    /// gradient for R1 then gets none).
    /// </summary>
    /// <exception cref="ArgumentException">The loss has more than one element or needs no gradient.</exception>
    public static void Backward(Tensor loss, IEnumerable<Tensor>? leaves = null)
    {
        if (loss.Count != 1) throw new ArgumentException($"Backward needs a one-element loss, not shape {loss.Shape}; use Grad with gradOutputs.");
        if (!loss.RequiresGrad) throw new ArgumentException("Backward: the loss does not depend on any tensor that requires a gradient.");
        using var scope = new TensorScope();
        Dictionary<Tensor, Tensor> grads;
        using (NoGrad())
        {
            var only = leaves is null ? null : new HashSet<Tensor>(leaves, ReferenceEqualityComparer.Instance);
            grads = Propagate([loss], [Tensor.Full(loss.Backend, 1f, loss.Shape.ToArray())], t => t.IsLeaf && (only is null || only.Contains(t)));
        }
        var adopted = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (leaf, g) in grads) Accumulate(leaf, g, scope, adopted);
    }

    /// <summary>
    /// Gradients of sum_i &lt;outputs[i], gradOutputs[i]&gt; with respect to each input (zeros where an input is not
    /// reached). Omitted gradOutputs default to ones. With <paramref name="createGraph"/> the returned gradients are
    /// themselves on the tape, so a penalty built from them (R1) can be differentiated again.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes of outputs and gradOutputs differ, or an input needs no gradient.</exception>
    public static Tensor[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs,
                                IReadOnlyList<Tensor>? gradOutputs = null, bool createGraph = false)
    {
        foreach (var input in inputs)
            if (!input.RequiresGrad) throw new ArgumentException($"Grad: input {input} does not require a gradient.");
        var seeds = new Tensor[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            var seed = gradOutputs?[i] ?? Tensor.Full(outputs[i].Backend, 1f, outputs[i].Shape.ToArray());
            if (!seed.Shape.Equals(outputs[i].Shape))
                throw new ArgumentException($"Grad: gradOutputs[{i}] has shape {seed.Shape} but outputs[{i}] has {outputs[i].Shape}.");
            seeds[i] = seed;
        }
        var targets = new HashSet<Tensor>(inputs, ReferenceEqualityComparer.Instance);
        Dictionary<Tensor, Tensor> grads;
        using (createGraph ? null : NoGrad())
            grads = Propagate(outputs, seeds, targets.Contains);
        return inputs.Select(x => grads.TryGetValue(x, out var g) ? g : Tensor.Zeros(x.Backend, x.Shape.ToArray())).ToArray();
    }

    private static Dictionary<Tensor, Tensor> Propagate(IReadOnlyList<Tensor> outputs, Tensor[] seeds, Func<Tensor, bool> isTarget)
    {
        var grads = new PendingGradients(release: !IsRecording);
        for (int i = 0; i < outputs.Count; i++)
            if (outputs[i].RequiresGrad) grads.Add(outputs[i], seeds[i]);
        var order = TopologicalOrder(outputs);
        var outerNeeded = _needed;
        _needed = DependsOnTarget(order, isTarget);
        try
        {
            foreach (var t in order)
            {
                if (!grads.TryTake(t, out var g)) continue;
                if (isTarget(t)) grads.Keep(t, g);
                if (t.GradFn is { } node && _needed.Contains(t))
                {
                    var inputGrads = grads.Run(node, g);
                    for (int i = 0; i < node.Inputs.Length; i++)
                        if (inputGrads[i] is { } ig && NeedsGrad(node.Inputs[i]))
                            grads.Add(node.Inputs[i], CheckShape(node, i, ig));
                    foreach (var ig in inputGrads)
                        if (ig is not null) grads.ReleaseIfUnheld(ig);
                }
                grads.Drop(g);
            }
        }
        finally
        {
            _needed = outerNeeded;
        }
        return grads.Result;
    }

    /// <summary>
    /// Whether a backward function should compute the gradient of <paramref name="input"/>: it requires one and, during
    /// a propagation, some requested gradient depends on it. This prunes work such as weight gradients while R1 asks
    /// only for the input gradient, or the input gradient of a batch that only needs weight gradients.
    /// </summary>
    public static bool NeedsGrad(Tensor input) => input.RequiresGrad && (_needed is null || _needed.Contains(input));

    // The tensors whose gradient leads to a target: the targets and everything computed from them on this tape.
    private static HashSet<Tensor> DependsOnTarget(List<Tensor> consumersFirst, Func<Tensor, bool> isTarget)
    {
        var needed = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = consumersFirst.Count - 1; i >= 0; i--)
        {
            var t = consumersFirst[i];
            if (isTarget(t) || (t.GradFn is { } node && node.Inputs.Any(needed.Contains))) needed.Add(t);
        }
        return needed;
    }

    private static Tensor CheckShape(GradNode node, int i, Tensor grad) =>
        grad.Shape.Equals(node.Inputs[i].Shape) ? grad
            : throw new InvalidOperationException($"Backward of '{node.Name}' gave input {i} a gradient of shape {grad.Shape}, expected {node.Inputs[i].Shape}.");

    // Outputs first; every tensor appears after all tensors that consume it.
    private static List<Tensor> TopologicalOrder(IReadOnlyList<Tensor> outputs)
    {
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var postOrder = new List<Tensor>();
        var stack = new Stack<(Tensor Tensor, bool Expanded)>();
        foreach (var o in outputs) if (o.RequiresGrad) stack.Push((o, false));
        while (stack.Count > 0)
        {
            var (t, expanded) = stack.Pop();
            if (expanded) { postOrder.Add(t); continue; }
            if (!visited.Add(t)) continue;
            stack.Push((t, true));
            if (t.GradFn is { } node)
                foreach (var input in node.Inputs)
                    if (input.RequiresGrad && !visited.Contains(input)) stack.Push((input, false));
        }
        postOrder.Reverse();
        return postOrder;
    }

    // A leaf without a gradient takes over g when nothing else can see g's storage: g was made by this backward pass
    // (owned by its scope), no view shares the storage, and no other leaf took g (add hands the same g to both
    // operands). Otherwise it gets a copy. A leaf with a gradient adds g into it.
    private static void Accumulate(Tensor leaf, Tensor g, TensorScope backwardScope, HashSet<Tensor> adopted)
    {
        if (leaf.Grad is not null)
            leaf.Grad.Backend.Binary<Kernels.AddOperator>(leaf.Grad.Storage, g.Storage, leaf.Grad.Storage, Ops.Broadcasting.Same(leaf.Grad.Count));
        else if (ReferenceEquals(g.Owner, backwardScope) && g.Storage.IsExclusive && adopted.Add(g))
            leaf.Grad = g.Persist();
        else
            leaf.Grad = g.Clone().Persist();
    }

    private sealed class NoGradScope : IDisposable
    {
        private bool _disposed;

        public NoGradScope() => _noGradDepth++;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _noGradDepth--;
        }
    }
}
