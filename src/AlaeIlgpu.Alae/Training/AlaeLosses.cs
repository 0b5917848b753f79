using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Training;

/// <summary>The three losses of one ALAE iteration (every model family has them).</summary>
/// <param name="EncoderDiscriminator">Step I: softplus(D(E(fake))) + softplus(-D(E(real))) + gamma/2 ||grad_x D(E(real))||^2.</param>
/// <param name="Generator">Step II: softplus(-D(E(G(F(z))))).</param>
/// <param name="LatentReconstruction">Step III: mean (E(G(w)) - sg(w))^2.</param>
public readonly record struct AlaeLosses(float EncoderDiscriminator, float Generator, float LatentReconstruction)
{
    /// <summary>
    /// Reads three one-element loss tensors (on any backend) with one copy to the host, so that an iteration on a
    /// GPU waits for the device once for its losses instead of once per step; the tensors are disposed.
    /// </summary>
    public static AlaeLosses Read(Tensor encoderDiscriminator, Tensor generator, Tensor latentReconstruction)
    {
        using var scope = new TensorScope();
        Tensor[] parts = [encoderDiscriminator, generator, latentReconstruction];
        float[] values = ShapeOp.Concat([.. parts.Select(p => ShapeOp.Reshape(p, 1))], 0).ToArray();
        foreach (var part in parts) part.Dispose();
        return new(values[0], values[1], values[2]);
    }

    /// <summary>The losses as named scalars for the loss log: loss_ed, loss_fg, loss_eg.</summary>
    public IReadOnlyList<TrainingScalar> ToScalars() =>
    [
        new("loss_ed", EncoderDiscriminator),
        new("loss_fg", Generator),
        new("loss_eg", LatentReconstruction),
    ];
}

/// <summary>Hyperparameters of one ALAE iteration shared by every model family.</summary>
/// <param name="R1Gamma">R1 weight gamma (10): the penalty is gamma / 2 times the squared input-gradient norm.</param>
/// <param name="WAverageBeta">Decay of the running w average (0.995).</param>
public readonly record struct AlaeStepSettings(float R1Gamma, float WAverageBeta);
