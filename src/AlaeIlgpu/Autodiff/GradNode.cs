namespace AlaeIlgpu.Autodiff;

/// <summary>
/// One recorded op on the tape: its inputs and a backward function that maps the output's gradient to the inputs'
/// gradients. Backward functions are written in differentiable tensor ops, so running them while recording
/// (createGraph) puts the backward pass itself on the tape and gradients of gradients work.
/// </summary>
internal sealed class GradNode(string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
{
    /// <summary>The op's name, for error messages.</summary>
    public string Name { get; } = name;

    /// <summary>The op's inputs, in the order the backward function returns gradients.</summary>
    public Tensor[] Inputs { get; } = inputs;

    /// <summary>Maps dL/d(output) to dL/d(input_i) (null where an input needs no gradient).</summary>
    public Func<Tensor, Tensor?[]> Backward { get; } = backward;
}
