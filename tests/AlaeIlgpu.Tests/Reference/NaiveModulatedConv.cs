using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Tests.Reference;

/// <summary>
/// StyleGAN2's modulated convolution by its definition, with double accumulation: the oracle for the modulated-conv
/// kernels and op. The forward pass materialises every sample's weight <c>w''[n] = w * s[n, i] * d[n, o]</c> and
/// convolves with it; the backward pass differentiates the seven-loop sum term by term. Neither uses the kernels'
/// rewriting <c>y = d * conv(s * x, w)</c>, nor divides by d.
/// </summary>
public static class NaiveModulatedConv
{
    /// <summary>StyleGAN2's demodulation epsilon.</summary>
    public const double Epsilon = 1e-8;

    /// <summary>Gradients of the modulated convolution with respect to x, w, s and d.</summary>
    public sealed record Gradients(float[] Input, float[] Weight, float[] Style, float[] Demodulation);

    /// <summary><c>d[n, o] = 1 / sqrt(sum over i, ky, kx of (w[o, i] * s[n, i])^2 + 1e-8)</c>, [N, Cout].</summary>
    public static double[] Demodulation(float[] w, float[] s, Conv2dGeometry g)
    {
        var d = new double[g.Batch * g.OutChannels];
        int taps = g.KernelHeight * g.KernelWidth;
        for (int n = 0; n < g.Batch; n++)
        for (int o = 0; o < g.OutChannels; o++)
        {
            double sum = 0;
            for (int i = 0; i < g.InChannels; i++)
            for (int t = 0; t < taps; t++)
            {
                double modulated = (double)w[(o * g.InChannels + i) * taps + t] * s[n * g.InChannels + i];
                sum += modulated * modulated;
            }

            d[n * g.OutChannels + o] = 1 / Math.Sqrt(sum + Epsilon);
        }

        return d;
    }

    /// <summary>The whole layer: y with d computed from w and s when <paramref name="demodulate"/>, else d = 1.</summary>
    public static float[] Forward(float[] x, float[] w, float[] s, bool demodulate, Conv2dGeometry g) =>
        Forward(x, w, s, demodulate ? Demodulation(w, s, g) : [], g);

    /// <summary>y[n] = conv2d(x[n], w''[n]) for given demodulation factors d [N, Cout] (empty: none).</summary>
    public static float[] Forward(float[] x, float[] w, float[] s, double[] d, Conv2dGeometry g)
    {
        var y = new float[g.OutputLength];
        int taps = g.KernelHeight * g.KernelWidth, perSample = g.WeightLength;
        var sampleWeight = new double[perSample];
        for (int n = 0; n < g.Batch; n++)
        {
            for (int j = 0; j < perSample; j++)
            {
                int o = j / (g.InChannels * taps), i = j / taps % g.InChannels;
                sampleWeight[j] = (double)w[j] * s[n * g.InChannels + i] * (d.Length == 0 ? 1 : d[n * g.OutChannels + o]);
            }

            ConvolveSample(x, sampleWeight, n, g, y);
        }

        return y;
    }

    /// <summary>
    /// Gradients of <c>sum(dy * y)</c> with respect to x, w, s and d for given factors d (empty: none, and the
    /// demodulation gradient is empty too), from one pass over every term <c>w * s * d * x</c> of every output.
    /// </summary>
    public static Gradients Backward(float[] x, float[] w, float[] s, double[] d, float[] dy, Conv2dGeometry g)
    {
        double[] dx = new double[g.InputLength], dw = new double[g.WeightLength];
        double[] ds = new double[g.Batch * g.InChannels], dd = new double[g.Batch * g.OutChannels];
        for (int n = 0; n < g.Batch; n++)
        for (int o = 0; o < g.OutChannels; o++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            double gradient = dy[((n * g.OutChannels + o) * g.OutHeight + oy) * g.OutWidth + ox];
            double factor = d.Length == 0 ? 1 : d[n * g.OutChannels + o];
            for (int i = 0; i < g.InChannels; i++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int iy = oy * g.Stride + kh - g.Padding, ix = ox * g.Stride + kw - g.Padding;
                if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width)
                {
                    continue;
                }

                int xi = ((n * g.InChannels + i) * g.Height + iy) * g.Width + ix;
                int wi = ((o * g.InChannels + i) * g.KernelHeight + kh) * g.KernelWidth + kw;
                double xv = x[xi], wv = w[wi], sv = s[n * g.InChannels + i];
                dx[xi] += gradient * factor * wv * sv;
                dw[wi] += gradient * factor * sv * xv;
                ds[n * g.InChannels + i] += gradient * factor * wv * xv;
                dd[n * g.OutChannels + o] += gradient * wv * sv * xv;
            }
        }

        return new Gradients(ToFloat(dx), ToFloat(dw), ToFloat(ds), d.Length == 0 ? [] : ToFloat(dd));
    }

    private static void ConvolveSample(float[] x, double[] sampleWeight, int n, Conv2dGeometry g, float[] y)
    {
        for (int o = 0; o < g.OutChannels; o++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            double sum = 0;
            for (int i = 0; i < g.InChannels; i++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int iy = oy * g.Stride + kh - g.Padding, ix = ox * g.Stride + kw - g.Padding;
                if (iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width)
                {
                    sum += x[((n * g.InChannels + i) * g.Height + iy) * g.Width + ix] *
                           sampleWeight[((o * g.InChannels + i) * g.KernelHeight + kh) * g.KernelWidth + kw];
                }
            }

            y[((n * g.OutChannels + o) * g.OutHeight + oy) * g.OutWidth + ox] = (float)sum;
        }
    }

    private static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);
}
