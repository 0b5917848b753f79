using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Tests.Reference;

/// <summary>upfirdn2d by its definition, with double accumulation: the oracle for the resample kernels.</summary>
public static class NaiveResample
{
    /// <summary>y[p, oy, ox] = sum_{a,b} f[a, b] * u[p, oy*down + a - padTop, ox*down + b - padLeft] (u = zero-inserted x).</summary>
    public static float[] Apply(float[] x, float[] f, ResampleGeometry g)
    {
        var y = new float[g.OutputLength];
        for (int p = 0; p < g.Planes; p++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            double sum = 0;
            for (int a = 0; a < g.FilterHeight; a++)
            for (int b = 0; b < g.FilterWidth; b++)
            {
                sum += (double)f[a * g.FilterWidth + b] * Upsampled(x, g, p, oy * g.Down + a - g.PadTop, ox * g.Down + b - g.PadLeft);
            }

            y[(p * g.OutHeight + oy) * g.OutWidth + ox] = (float)sum;
        }

        return y;
    }

    /// <summary>The zero-inserted input: x[i/up, j/up] when both indices are divisible by up and in range, else 0.</summary>
    private static float Upsampled(float[] x, ResampleGeometry g, int plane, int i, int j)
    {
        if (i < 0 || j < 0 || i % g.Up != 0 || j % g.Up != 0 || i / g.Up >= g.Height || j / g.Up >= g.Width)
        {
            return 0f;
        }

        return x[(plane * g.Height + i / g.Up) * g.Width + j / g.Up];
    }
}
