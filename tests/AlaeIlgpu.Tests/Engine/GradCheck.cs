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
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, int maxProbes = 24, double atol = Atol, double rtol = Rtol)
    {
        using var scope = new TensorScope();
        foreach (var x in inputs) x.RequiresGrad = true;
        var analytic = Autograd.Grad([f(inputs)], inputs).Select(g => g.ToArray()).ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            var data = x.ToArray();
            int stride = Math.Max(1, data.Length / maxProbes);
            for (int j = 0; j < data.Length; j += stride)
            {
                double numeric = Numeric(f, inputs, i, data, j);
                double a = analytic[i][j];
                Assert.True(Math.Abs(a - numeric) <= atol + rtol * Math.Abs(numeric),
                    $"input {i} element {j}: autodiff {a:G6}, finite difference {numeric:G6}");
            }
        }
    }

    private static double Numeric(Func<Tensor[], Tensor> f, Tensor[] inputs, int i, float[] data, int j)
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
        double plus = Eval(original + Step), minus = Eval(original - Step);
        data[j] = original;
        x.Backend.Upload(data, x.Storage);
        return (plus - minus) / (2 * Step);
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
