using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>
/// The four networks of the MLP ALAE (F: z -> w, G: w -> x, E: x -> w, D: w -> logit) and the running average of
/// w that every generation updates (a buffer, not a parameter: it is not averaged into the EMA copy).
/// </summary>
public sealed class MlpAlae
{
    /// <summary>Builds the networks with weights drawn from <paramref name="random"/>.</summary>
    public MlpAlae(Backend backend, RandomGenerator random, MlpShape shape)
    {
        Shape = shape;
        F = new MappingF(backend, random, shape);
        G = new GeneratorG(backend, random, shape);
        E = new EncoderE(backend, random, shape);
        D = new DiscriminatorD(backend, random, shape);
        WAverage = Tensor.Zeros(backend, shape.Latent).Persist();
    }

    /// <summary>Widths and slopes.</summary>
    public MlpShape Shape { get; }

    /// <summary>Mapping network z -> w.</summary>
    public MappingF F { get; }

    /// <summary>Generator w -> x.</summary>
    public GeneratorG G { get; }

    /// <summary>Encoder x -> w.</summary>
    public EncoderE E { get; }

    /// <summary>Latent discriminator w -> logit.</summary>
    public DiscriminatorD D { get; }

    /// <summary>Running mean of w [latent].</summary>
    public Tensor WAverage { get; }

    /// <summary>Every parameter with a prefixed name (F., G., E., D.), in a fixed order.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        F.NamedParameters("F.").Concat(G.NamedParameters("G.")).Concat(E.NamedParameters("E.")).Concat(D.NamedParameters("D."));

    /// <summary>
    /// w = F(z), moving the running w average toward the batch mean by (1 - <paramref name="averageBeta"/>)
    /// as the official <c>generate</c> does on every call. The step is added to the average (avg + (mean - avg) * (1 -
    /// beta)), not taken back from the mean (mean + (avg - mean) * beta), whose rounding is that of the mean's size and
    /// cost the small early averages 7 bits against the PyTorch peer (MlpLockstepTests).
    /// </summary>
    public Tensor Map(Tensor z, float averageBeta)
    {
        var w = F.Forward(z);
        using (Autograd.NoGrad())
        {
            var batchMean = ReduceOp.Mean(w.Detach(), [0]);
            WAverage.CopyFrom(ElementwiseOp.Lerp(WAverage.Detach(), batchMean, 1f - averageBeta));
        }
        return w;
    }
}
