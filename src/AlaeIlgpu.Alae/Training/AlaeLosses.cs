using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Training;

/// <summary>The three losses of one ALAE iteration (every model family has them).</summary>
/// <param name="EncoderDiscriminator">Step I: softplus(D(E(fake))) + softplus(-D(E(real))) + gamma/2 ||grad_x D(E(real))||^2.</param>
/// <param name="Generator">Step II: softplus(-D(E(G(F(z))))).</param>
/// <param name="LatentReconstruction">Step III: mean (E(G(w)) - sg(w))^2.</param>
public readonly record struct AlaeLosses(float EncoderDiscriminator, float Generator, float LatentReconstruction)
{
    /// <summary>The losses' names in the loss log, in the order of <see cref="Stack"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["loss_ed", "loss_fg", "loss_eg"];

    /// <summary>
    /// Stacks three one-element loss tensors into one [3] tensor on their device, without reading them (it outlives the
    /// current scope; the parts are disposed): a training loop reads the losses of many iterations in one copy.
    /// </summary>
    public static Tensor Stack(Tensor encoderDiscriminator, Tensor generator, Tensor latentReconstruction)
    {
        Tensor[] parts = [encoderDiscriminator, generator, latentReconstruction];
        Tensor stacked;
        using (new TensorScope()) stacked = ShapeOp.Concat([.. parts.Select(p => ShapeOp.Reshape(p, 1))], 0).Persist();   // [3]
        foreach (var part in parts) part.Dispose();
        return stacked;
    }

    /// <summary>Reads losses stacked by <see cref="Stack"/> with one copy to the host and disposes them.</summary>
    public static AlaeLosses Read(Tensor stacked)
    {
        float[] values = stacked.ToArray();
        stacked.Dispose();
        return new(values[0], values[1], values[2]);
    }

    /// <summary>The losses as named scalars for the loss log (<see cref="Names"/>).</summary>
    public IReadOnlyList<TrainingScalar> ToScalars() =>
    [
        new(Names[0], EncoderDiscriminator),
        new(Names[1], Generator),
        new(Names[2], LatentReconstruction),
    ];
}

/// <summary>Hyperparameters of one ALAE iteration shared by every model family.</summary>
/// <param name="R1Gamma">R1 weight gamma (10): the penalty is gamma / 2 times the squared input-gradient norm.</param>
/// <param name="WAverageBeta">Decay of the running w average (0.995).</param>
public readonly record struct AlaeStepSettings(float R1Gamma, float WAverageBeta);
