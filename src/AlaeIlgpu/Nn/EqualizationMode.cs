namespace AlaeIlgpu.Nn;

/// <summary>
/// How a layer realises the equalized learning rate of ProGAN/StyleGAN/ALAE. For a layer with gain a, fan-in n and
/// learning-rate multiplier m, let c = a / sqrt(n) * m. Both modes give the same effective weights, the same outputs
/// and, with Adam's invariance to the gradient's scale, the same training trajectory up to where Adam's eps enters
/// (eps acts as eps / c in one mode against eps in the other).
/// </summary>
public enum EqualizationMode
{
    /// <summary>
    /// ALAE's default ("implicit" in its lreq.py): the weight is stored already He-scaled, drawn from N(0, (a / sqrt(n))^2),
    /// and used as is; the optimizer multiplies the weight's step by c and the bias's step by m
    /// (<see cref="Parameter.LearningRateScale"/>). Checkpoints of ALAE's official code store weights this way.
    /// </summary>
    Implicit,

    /// <summary>
    /// StyleGAN's runtime scaling: the weight is stored as N(0, 1 / m^2) and multiplied by c in every forward pass, the
    /// bias is multiplied by m; the optimizer steps both with the plain learning rate.
    /// </summary>
    Runtime,
}

/// <summary>The scales one equalized parameter uses: at initialisation, on its optimizer step and in the forward pass.</summary>
/// <param name="Init">Standard deviation of the N(0, Init^2) initial values (weights; biases start at 0).</param>
/// <param name="Step">The parameter's <see cref="Parameter.LearningRateScale"/>.</param>
/// <param name="Runtime">Factor applied to the stored value in the forward pass.</param>
internal readonly record struct EqualizedScales(float Init, float Step, float Runtime)
{
    /// <summary>Scales of a weight with gain <paramref name="gain"/> and fan-in <paramref name="fanIn"/>.</summary>
    public static EqualizedScales Weight(float gain, int fanIn, float lrMultiplier, EqualizationMode mode)
    {
        float he = gain / MathF.Sqrt(fanIn);
        return mode == EqualizationMode.Implicit ? new(he, he * lrMultiplier, 1f) : new(1f / lrMultiplier, 1f, he * lrMultiplier);
    }

    /// <summary>Scales of a bias (initialised to 0).</summary>
    public static EqualizedScales Bias(float lrMultiplier, EqualizationMode mode) =>
        mode == EqualizationMode.Implicit ? new(0f, lrMultiplier, 1f) : new(0f, 1f, lrMultiplier);

    /// <summary>The value as the forward pass uses it: the stored value times <see cref="Runtime"/> (no op when that is 1).</summary>
    public Tensor Apply(Tensor stored) => Runtime == 1f ? stored : stored * Runtime;
}
