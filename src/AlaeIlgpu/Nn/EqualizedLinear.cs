using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Nn;

/// <summary>
/// A linear layer with ALAE's equalized learning rate ("implicit" mode of the official lreq.py): the weight is
/// stored He-scaled, initialised N(0, (gain / sqrt(in))^2), the bias starts at 0, and the optimizer scales the
/// weight's steps by c = gain / sqrt(in) * lrMultiplier and the bias's by lrMultiplier. Forward is a plain
/// x w^T + b. (StyleGAN instead stores N(0, 1 / lrMultiplier^2) weights and multiplies by c in the forward pass;
/// with Adam's scale invariance both give the same trajectory up to where eps enters.)
/// </summary>
public sealed class EqualizedLinear : Module
{
    /// <summary>Creates the layer on <paramref name="backend"/>, drawing its weight from <paramref name="random"/>.</summary>
    public EqualizedLinear(Backend backend, RandomGenerator random, int inFeatures, int outFeatures,
                           float gain = 1.41421356f, float lrMultiplier = 1f, bool bias = true)
    {
        (InFeatures, OutFeatures) = (inFeatures, outFeatures);
        float he = gain / MathF.Sqrt(inFeatures);
        using (new TensorScope())
        {
            var w = Tensor.RandomNormal(backend, random, outFeatures, inFeatures) * he;
            Weight = AddParameter("weight", w, he * lrMultiplier);
        }
        if (bias) Bias = AddParameter("bias", Tensor.Zeros(backend, outFeatures), lrMultiplier);
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>[out, in] weight.</summary>
    public Parameter Weight { get; }

    /// <summary>[out] bias, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>x [batch, in] -> [batch, out].</summary>
    public Tensor Forward(Tensor x) => MatMulOp.Linear(x, Weight.Value, Bias?.Value);
}
