using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae;

/// <summary>
/// The ALAE losses (official losses.py and model.py) over any E, D, G and F: the model-specific
/// step classes supply the logits and latents.
/// </summary>
public static class AlaeObjective
{
    /// <summary>
    /// Step I: mean over the batch of softplus(fake) + softplus(-real) + gamma/2 ||d sum(real) / d x||^2, for logits
    /// [B, 1] of generated and real inputs and the real input x [B, ...] they were computed from (which must require a
    /// gradient). The input gradient is taken with createGraph, so the penalty's own gradient reaches the weights.
    /// </summary>
    public static Tensor EncoderDiscriminator(Tensor fakeLogits, Tensor realLogits, Tensor real, float r1Gamma)
    {
        var inputGradient = Autograd.Grad([ReduceOp.Sum(realLogits)], [real], createGraph: true)[0];           // [B, ...]
        int batch = inputGradient.Shape[0];
        var squares = ShapeOp.Reshape(ElementwiseOp.Square(inputGradient), batch, inputGradient.Count / batch);
        var r1 = ReduceOp.Sum(squares, [1], keepDims: true);                                                    // [B, 1]
        return ReduceOp.Mean(ElementwiseOp.Softplus(fakeLogits) + ElementwiseOp.Softplus(-realLogits) + r1 * (r1Gamma * 0.5f));
    }

    /// <summary>Step II: mean softplus(-logits) for logits [B, 1] of generated inputs (non-saturating logistic loss).</summary>
    public static Tensor Generator(Tensor fakeLogits) => ReduceOp.Mean(ElementwiseOp.Softplus(-fakeLogits));

    /// <summary>Step III: mean (encoded - sg(w))^2 over [B, latent]; only the target copy of w is detached.</summary>
    public static Tensor LatentReconstruction(Tensor encoded, Tensor w) => ReduceOp.Mean(ElementwiseOp.Square(encoded - w.Detach()));
}
