namespace AlaeIlgpu.Kernels;

/// <summary>
/// The scalars of one Adam update (PyTorch's form, as ALAE's LREQAdam): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// p -= stepSize * m / (sqrt(v) + eps), with stepSize = lr * coef * sqrt(1 - b2^t) / (1 - b1^t).
/// With b1 = 0 the first moment is the gradient itself and no m buffer is read or written.
/// </summary>
public readonly struct AdamStep
{
    /// <summary>First-moment decay (0 for ALAE).</summary>
    public readonly float Beta1;
    /// <summary>Second-moment decay.</summary>
    public readonly float Beta2;
    /// <summary>Denominator epsilon.</summary>
    public readonly float Epsilon;
    /// <summary>lr * coef * bias corrections for this step.</summary>
    public readonly float StepSize;

    /// <summary>Creates the scalars of one step.</summary>
    public AdamStep(float beta1, float beta2, float epsilon, float stepSize) =>
        (Beta1, Beta2, Epsilon, StepSize) = (beta1, beta2, epsilon, stepSize);

    /// <summary>Updates one element; returns the new (p, m, v).</summary>
    public (float P, float M, float V) Apply(float p, float g, float m, float v)
    {
        float mNew = Beta1 * m + (1f - Beta1) * g;
        float vNew = Beta2 * v + (1f - Beta2) * g * g;
        return (p - StepSize * mNew / (MathF.Sqrt(vNew) + Epsilon), mNew, vNew);
    }
}
