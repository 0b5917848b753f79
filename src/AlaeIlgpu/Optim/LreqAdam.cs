using AlaeIlgpu.Kernels;
using AlaeIlgpu.Nn;

namespace AlaeIlgpu.Optim;

/// <summary>
/// Adam with a per-parameter learning-rate scale (ALAE's LREQAdam): v = b2 v + (1 - b2) g^2,
/// p -= lr * scale * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps). ALAE uses b1 = 0, so m is the gradient and
/// no first-moment buffer exists. Every parameter is updated each step, with a zero gradient where none flowed (as the
/// official code does after zero_grad), so v keeps decaying for networks a step did not touch.
/// </summary>
public sealed class LreqAdam
{
    private readonly Parameter[] _parameters;
    private readonly Tensor?[] _m;
    private readonly Tensor[] _v;

    /// <summary>Creates the optimizer with zero moments.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A beta is outside [0, 1).</exception>
    public LreqAdam(IEnumerable<Parameter> parameters, float learningRate, float beta1 = 0f, float beta2 = 0.99f, float epsilon = 1e-8f)
    {
        if (beta1 is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(beta1), $"beta1 = {beta1} must be in [0, 1).");
        if (beta2 is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(beta2), $"beta2 = {beta2} must be in [0, 1).");
        _parameters = parameters.ToArray();
        (LearningRate, Beta1, Beta2, Epsilon) = (learningRate, beta1, beta2, epsilon);
        _v = _parameters.Select(p => Tensor.Zeros(p.Value.Backend, p.Value.Shape.ToArray()).Persist()).ToArray();
        _m = _parameters.Select(p => beta1 == 0f ? null : Tensor.Zeros(p.Value.Backend, p.Value.Shape.ToArray()).Persist()).ToArray();
    }

    /// <summary>The base learning rate (ALAE sets it per level of detail).</summary>
    public float LearningRate { get; set; }

    /// <summary>First-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>Second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>Denominator epsilon.</summary>
    public float Epsilon { get; }

    /// <summary>Number of steps taken (t in the bias corrections).</summary>
    public long StepCount { get; private set; }

    /// <summary>The parameters, in order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Zeroes every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    /// <summary>
    /// Drops every parameter's gradient (cheaper than zeroing: the next backward pass hands its gradients over
    /// without a copy); <see cref="Step"/> treats a parameter left without one as having a zero gradient.
    /// </summary>
    public void ClearGrad()
    {
        foreach (var p in _parameters) p.ClearGrad();
    }

    /// <summary>Applies one update to every parameter from its accumulated gradient.</summary>
    public void Step()
    {
        StepCount++;
        double correction = Math.Sqrt(1 - Math.Pow(Beta2, StepCount)) / (1 - Math.Pow(Beta1, StepCount));
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.Grad is null) p.ZeroGrad();
            var step = new AdamStep(Beta1, Beta2, Epsilon, (float)(LearningRate * p.LearningRateScale * correction));
            p.Value.Backend.AdamUpdate(p.Value.Storage, p.Grad!.Storage, _m[i]?.Storage, _v[i].Storage, step);
        }
    }

    /// <summary>Clears moments and the step count (ALAE does this at every level-of-detail change).</summary>
    public void Reset()
    {
        StepCount = 0;
        foreach (var t in _v) t.Backend.Fill(t.Storage, 0f);
        foreach (var t in _m) t?.Backend.Fill(t.Storage, 0f);
    }

    /// <summary>The state as named tensors (for checkpoints): v.i, m.i and the step count.</summary>
    public IEnumerable<(string Name, Tensor Value)> State() =>
        _v.Select((v, i) => ($"v.{i}", v)).Concat(_m.Select((m, i) => ($"m.{i}", m)).Where(x => x.m is not null).Select(x => (x.Item1, x.m!)));

    /// <summary>Restores the step count after loading the <see cref="State"/> tensors in place.</summary>
    public void RestoreStepCount(long steps) => StepCount = steps;
}
