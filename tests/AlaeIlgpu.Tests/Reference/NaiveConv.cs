using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Tests.Reference;

/// <summary>
/// Textbook 2D convolution loops with double accumulation: the oracle for every conv kernel. The input gradient is
/// written as a gather over dx and the transposed convolution as a scatter from x, so the two are independent.
/// </summary>
public static class NaiveConv
{
    /// <summary>y = conv2d(x, w) + b; <paramref name="bias"/> may be empty.</summary>
    public static float[] Forward(float[] x, float[] w, float[] bias, Conv2dGeometry g)
    {
        var y = new float[g.OutputLength];
        int ho = g.OutHeight, wo = g.OutWidth;
        for (int n = 0; n < g.Batch; n++)
        for (int co = 0; co < g.OutChannels; co++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            double sum = bias.Length == 0 ? 0 : bias[co];
            for (int ci = 0; ci < g.InChannels; ci++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int iy = oy * g.Stride + kh - g.Padding, ix = ox * g.Stride + kw - g.Padding;
                if (iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width)
                {
                    sum += (double)x[X(g, n, ci, iy, ix)] * w[Wt(g, co, ci, kh, kw)];
                }
            }

            y[((n * g.OutChannels + co) * ho + oy) * wo + ox] = (float)sum;
        }

        return y;
    }

    /// <summary>dx[n, ci, iy, ix] = sum over (co, kh, kw) with iy = oy*s + kh - p of dy[n, co, oy, ox] * w[co, ci, kh, kw].</summary>
    public static float[] InputGradient(float[] dy, float[] w, Conv2dGeometry g)
    {
        var dx = new float[g.InputLength];
        for (int n = 0; n < g.Batch; n++)
        for (int ci = 0; ci < g.InChannels; ci++)
        for (int iy = 0; iy < g.Height; iy++)
        for (int ix = 0; ix < g.Width; ix++)
        {
            double sum = 0;
            for (int co = 0; co < g.OutChannels; co++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int ty = iy + g.Padding - kh, tx = ix + g.Padding - kw;
                if (ty < 0 || tx < 0 || ty % g.Stride != 0 || tx % g.Stride != 0)
                {
                    continue;
                }

                int oy = ty / g.Stride, ox = tx / g.Stride;
                if (oy < g.OutHeight && ox < g.OutWidth)
                {
                    sum += (double)dy[Y(g, n, co, oy, ox)] * w[Wt(g, co, ci, kh, kw)];
                }
            }

            dx[X(g, n, ci, iy, ix)] = (float)sum;
        }

        return dx;
    }

    /// <summary>
    /// conv_transpose2d(x, w) by scattering: x [N, Cin_t, h, w] (the geometry's output shape), w [Cin_t, Cout_t, K, K]
    /// (the geometry's weight shape), result shaped like the geometry's input.
    /// </summary>
    public static float[] TransposedForward(float[] x, float[] w, Conv2dGeometry g)
    {
        var acc = new double[g.InputLength];
        for (int n = 0; n < g.Batch; n++)
        for (int ct = 0; ct < g.OutChannels; ct++)
        for (int iy = 0; iy < g.OutHeight; iy++)
        for (int ix = 0; ix < g.OutWidth; ix++)
        for (int co = 0; co < g.InChannels; co++)
        for (int kh = 0; kh < g.KernelHeight; kh++)
        for (int kw = 0; kw < g.KernelWidth; kw++)
        {
            int oy = iy * g.Stride + kh - g.Padding, ox = ix * g.Stride + kw - g.Padding;
            if (oy >= 0 && oy < g.Height && ox >= 0 && ox < g.Width)
            {
                acc[X(g, n, co, oy, ox)] += (double)x[Y(g, n, ct, iy, ix)] * w[Wt(g, ct, co, kh, kw)];
            }
        }

        return Array.ConvertAll(acc, v => (float)v);
    }

    /// <summary>dw[co, ci, kh, kw] = sum over n, oy, ox of dy[n, co, oy, ox] * x[n, ci, oy*s + kh - p, ox*s + kw - p].</summary>
    public static float[] WeightGradient(float[] x, float[] dy, Conv2dGeometry g)
    {
        var dw = new float[g.WeightLength];
        for (int co = 0; co < g.OutChannels; co++)
        for (int ci = 0; ci < g.InChannels; ci++)
        for (int kh = 0; kh < g.KernelHeight; kh++)
        for (int kw = 0; kw < g.KernelWidth; kw++)
        {
            double sum = 0;
            for (int n = 0; n < g.Batch; n++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int iy = oy * g.Stride + kh - g.Padding, ix = ox * g.Stride + kw - g.Padding;
                if (iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width)
                {
                    sum += (double)dy[Y(g, n, co, oy, ox)] * x[X(g, n, ci, iy, ix)];
                }
            }

            dw[Wt(g, co, ci, kh, kw)] = (float)sum;
        }

        return dw;
    }

    /// <summary>db[co] = sum over n, oy, ox of dy[n, co, oy, ox].</summary>
    public static float[] BiasGradient(float[] dy, Conv2dGeometry g)
    {
        var db = new float[g.OutChannels];
        int plane = g.OutHeight * g.OutWidth;
        for (int co = 0; co < g.OutChannels; co++)
        {
            double sum = 0;
            for (int n = 0; n < g.Batch; n++)
            for (int i = 0; i < plane; i++)
            {
                sum += dy[(n * g.OutChannels + co) * plane + i];
            }

            db[co] = (float)sum;
        }

        return db;
    }

    private static int X(Conv2dGeometry g, int n, int c, int y, int x) => ((n * g.InChannels + c) * g.Height + y) * g.Width + x;

    private static int Y(Conv2dGeometry g, int n, int c, int y, int x) => ((n * g.OutChannels + c) * g.OutHeight + y) * g.OutWidth + x;

    private static int Wt(Conv2dGeometry g, int co, int ci, int kh, int kw) =>
        ((co * g.InChannels + ci) * g.KernelHeight + kh) * g.KernelWidth + kw;
}
