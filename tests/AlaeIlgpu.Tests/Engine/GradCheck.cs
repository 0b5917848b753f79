using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Central finite differences against autodiff, in float32 on the engine itself.</summary>
public static class GradCheck
{
    /// <summary>Step for central differences: large enough that float32 rounding of f (~1e-7 relative) stays small against h^2 truncation.</summary>
    public const float Step = 1e-2f;

    /// <summary>Absolute tolerance: float32 loss values of order 1-10 differ by ~1e-6, divided by 2h = 2e-2 gives ~1e-4; with headroom.</summary>
    public const double Atol = 2e-3;

    /// <summary>Relative tolerance: O(h^2) truncation of central differences with curvature of order 1.</summary>
    public const double Rtol = 2e-2;

    /// <summary>
    /// Checks d f / d inputs[i] from <see cref="Autograd.Grad"/> against central differences of <paramref name="f"/>
    /// (a function returning a one-element tensor), perturbing up to <paramref name="maxProbes"/> elements per input.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, int maxProbes = 24, double atol = Atol, double rtol = Rtol) =>
        Run(f, inputs, Step, maxProbes, atol, rtol, oneSided: false);

    /// <summary>
    /// <see cref="Check"/> for a function that is smooth only piecewise, such as an R1 penalty through leaky ReLUs: the
    /// input gradient contains each unit's slope, so the penalty jumps wherever a pre-activation changes sign. A probe
    /// passes when the autodiff value matches the central difference or one of the two one-sided differences: a jump
    /// on one side of the probe leaves the other side's difference a valid estimate (with O(h) truncation, so use a
    /// small <paramref name="step"/>), while a wrong derivative matches none of them.
    /// </summary>
    public static void CheckPiecewiseSmooth(Func<Tensor[], Tensor> f, Tensor[] inputs, float step, double atol, double rtol, int maxProbes = 24) =>
        Run(f, inputs, step, maxProbes, atol, rtol, oneSided: true);

    private static void Run(Func<Tensor[], Tensor> f, Tensor[] inputs, float step, int maxProbes, double atol, double rtol, bool oneSided)
    {
        using var scope = new TensorScope();
        foreach (var x in inputs) x.RequiresGrad = true;
        var analytic = Autograd.Grad([f(inputs)], inputs).Select(g => g.ToArray()).ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            var data = inputs[i].ToArray();
            int stride = Math.Max(1, data.Length / maxProbes);
            for (int j = 0; j < data.Length; j += stride)
            {
                double[] numeric = Differences(f, inputs, i, data, j, step, oneSided);
                double a = analytic[i][j];
                Assert.True(numeric.Any(n => Math.Abs(a - n) <= atol + rtol * Math.Abs(n)),
                    $"input {i} element {j}: autodiff {a:G6}, finite difference{(oneSided ? "s (central, forward, backward)" : "")} " +
                    string.Join(", ", numeric.Select(n => n.ToString("G6"))));
            }
        }
    }

    // The central difference and, when asked, the forward and backward ones.
    private static double[] Differences(Func<Tensor[], Tensor> f, Tensor[] inputs, int i, float[] data, int j, float step, bool oneSided)
    {
        var x = inputs[i];
        float original = data[j];
        double Eval(float v)
        {
            data[j] = v;
            x.Backend.Upload(data, x.Storage);
            // Recording stays on: f may itself take gradients (R1), which needs the tape.
            using var s = new TensorScope();
            return f(inputs).Item();
        }
        double plus = Eval(original + step), minus = Eval(original - step);
        double[] result = [(plus - minus) / (2 * step)];
        if (oneSided)
        {
            double at = Eval(original);
            result = [result[0], (plus - at) / step, (at - minus) / step];
        }
        data[j] = original;
        x.Backend.Upload(data, x.Storage);
        return result;
    }

    /// <summary>A seeded random tensor on a backend, scaled.</summary>
    public static Tensor Random(Backend backend, ulong seed, float scale, params int[] shape)
    {
        using var _ = Autograd.NoGrad();
        var t = Tensor.RandomNormal(backend, new RandomGenerator(seed), shape);
        var scaled = (t * scale).Persist();
        t.Dispose();
        return scaled;
    }
}
