using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// StyleGAN2's modulated convolution for the <c>cpu</c> backend: every sample n convolves with its own weight
/// <c>w''[n, o, i] = w[o, i] * s[n, i] * d[n, o]</c>, where s is the style <c>[N, Cin]</c> and d the demodulation
/// factors <c>[N, Cout]</c> (all ones when the layer does not demodulate). Forward and one fused backward pass.
/// </summary>
/// <remarks>
/// Scaling input column i of sample n's weight by s[n, i] is the same as scaling input channel i of sample n, and
/// scaling its output row o by d[n, o] the same as scaling output channel o. So each pass is one batched
/// <see cref="CpuConv2d"/> call on the shared weight w, with the per-sample factors applied to the planes on the
/// way in and out: <c>y = d * conv(s * x, w)</c>. No per-sample weight tensor <c>[N, Cout, Cin, K, K]</c> is made,
/// all samples share one packing of w and small images still stack into one core buffer (Perf_ModConv measures
/// this against per-sample weights). The backward pass, with <c>g = d * dy</c> and <c>u = conv_input_grad(g, w)</c>:
/// <c>dx = s * u</c>, <c>ds[n, i] = sum_p x * u</c>, <c>dw = conv_weight_grad(s * x, g)</c> and
/// <c>dd[n, o] = sum_p dy * y / d[n, o]</c> (d is positive wherever it exists: it is an inverse square root).
/// </remarks>
public static unsafe class CpuModulatedConv
{
    /// <summary><c>y[n] = d[n] * conv2d(s[n] * x[n], w)</c>, i.e. conv2d of x[n] with the per-sample weight w''[n].</summary>
    /// <param name="input">x <c>[N, Cin, H, W]</c>.</param>
    /// <param name="weight">w <c>[Cout, Cin, Kh, Kw]</c>, shared by all samples.</param>
    /// <param name="style">s <c>[N, Cin]</c>.</param>
    /// <param name="demodulation">d <c>[N, Cout]</c>, or empty for no demodulation.</param>
    /// <param name="output">y <c>[N, Cout, Ho, Wo]</c> (overwritten).</param>
    /// <param name="geometry">The shapes of the convolution.</param>
    /// <exception cref="ArgumentException">A buffer length does not match the geometry.</exception>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> style,
        ReadOnlySpan<float> demodulation, Span<float> output, in Conv2dGeometry geometry)
    {
        CheckCommon(geometry, input.Length, weight.Length, style.Length, demodulation.Length);
        geometry.CheckLength(nameof(output), output.Length, geometry.OutputLength);
        float[] scaled = ArrayPool<float>.Shared.Rent(geometry.InputLength);
        try
        {
            Span<float> scaledInput = scaled.AsSpan(0, geometry.InputLength);
            ScalePlanes(input, style, scaledInput, geometry.Height * geometry.Width);
            CpuConv2d.Forward(scaledInput, weight, [], output, geometry);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scaled);
        }

        if (!demodulation.IsEmpty)
        {
            ScalePlanes(output, demodulation, output, geometry.OutHeight * geometry.OutWidth);
        }
    }

    /// <summary>
    /// The gradients of <see cref="Forward"/> with respect to x, w, s and d, each computed only when its buffer is
    /// not empty. The style gradient reuses the input-gradient pass, so asking for both costs one convolution.
    /// </summary>
    /// <param name="input">x <c>[N, Cin, H, W]</c>.</param>
    /// <param name="weight">w <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="style">s <c>[N, Cin]</c>.</param>
    /// <param name="demodulation">d <c>[N, Cout]</c>, or empty for no demodulation.</param>
    /// <param name="output">y of the forward pass <c>[N, Cout, Ho, Wo]</c>; read only for the demodulation gradient.</param>
    /// <param name="outputGradient">dy <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="inputGradient">dx <c>[N, Cin, H, W]</c> (overwritten), or empty.</param>
    /// <param name="weightGradient">dw <c>[Cout, Cin, Kh, Kw]</c> (overwritten), or empty.</param>
    /// <param name="styleGradient">ds <c>[N, Cin]</c> (overwritten), or empty.</param>
    /// <param name="demodulationGradient">dd <c>[N, Cout]</c> (overwritten), or empty; needs d.</param>
    /// <param name="geometry">The shapes of the convolution.</param>
    /// <exception cref="ArgumentException">A buffer length does not match the geometry, or dd is asked for without d.</exception>
    public static void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> style,
        ReadOnlySpan<float> demodulation, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient,
        Span<float> inputGradient, Span<float> weightGradient, Span<float> styleGradient, Span<float> demodulationGradient,
        in Conv2dGeometry geometry)
    {
        var g = geometry;
        CheckBackward(g, input.Length, weight.Length, style.Length, demodulation.Length, outputGradient.Length,
            inputGradient.Length, weightGradient.Length, styleGradient.Length);
        if (!demodulationGradient.IsEmpty)
        {
            CheckDemodulationGradient(g, demodulation.Length, output.Length, demodulationGradient.Length);
            DemodulationGradient(outputGradient, output, demodulation, demodulationGradient, g.OutHeight * g.OutWidth);
        }

        if (inputGradient.IsEmpty && styleGradient.IsEmpty && weightGradient.IsEmpty)
        {
            return;
        }

        float[]? scaledGradient = demodulation.IsEmpty ? null : ArrayPool<float>.Shared.Rent(g.OutputLength);
        try
        {
            ReadOnlySpan<float> modulatedGradient = outputGradient; // d * dy
            if (scaledGradient is not null)
            {
                ScalePlanes(outputGradient, demodulation, scaledGradient.AsSpan(0, g.OutputLength), g.OutHeight * g.OutWidth);
                modulatedGradient = scaledGradient.AsSpan(0, g.OutputLength);
            }

            InputAndStyleGradient(modulatedGradient, weight, input, style, inputGradient, styleGradient, g);
            if (!weightGradient.IsEmpty)
            {
                WeightGradient(input, style, modulatedGradient, weightGradient, g);
            }
        }
        finally
        {
            if (scaledGradient is not null)
            {
                ArrayPool<float>.Shared.Return(scaledGradient);
            }
        }
    }

    /// <summary><c>u = conv_input_grad(g, w)</c>; <c>ds = sum_p x * u</c> and <c>dx = s * u</c> where asked for.</summary>
    private static void InputAndStyleGradient(ReadOnlySpan<float> modulatedGradient, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> input, ReadOnlySpan<float> style, Span<float> inputGradient, Span<float> styleGradient,
        in Conv2dGeometry g)
    {
        if (inputGradient.IsEmpty && styleGradient.IsEmpty)
        {
            return;
        }

        float[]? scratch = inputGradient.IsEmpty ? ArrayPool<float>.Shared.Rent(g.InputLength) : null;
        try
        {
            Span<float> u = scratch is null ? inputGradient : scratch.AsSpan(0, g.InputLength);
            CpuConv2d.InputGradient(modulatedGradient, weight, u, g);
            int plane = g.Height * g.Width;
            if (!styleGradient.IsEmpty)
            {
                PlaneDots(input, u, styleGradient, plane);
            }

            if (!inputGradient.IsEmpty)
            {
                ScalePlanes(inputGradient, style, inputGradient, plane);
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }
    }

    /// <summary><c>dw = conv_weight_grad(s * x, g)</c>, summed over the batch.</summary>
    private static void WeightGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> style, ReadOnlySpan<float> modulatedGradient,
        Span<float> weightGradient, in Conv2dGeometry g)
    {
        float[] scaled = ArrayPool<float>.Shared.Rent(g.InputLength);
        try
        {
            Span<float> scaledInput = scaled.AsSpan(0, g.InputLength);
            ScalePlanes(input, style, scaledInput, g.Height * g.Width);
            CpuConv2d.WeightGradient(scaledInput, modulatedGradient, weightGradient, [], g);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scaled);
        }
    }

    /// <summary><c>dd[p] = (sum over plane p of dy * y) / d[p]</c>: y = d * z, so this is the sum of dy * z.</summary>
    private static void DemodulationGradient(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> output,
        ReadOnlySpan<float> demodulation, Span<float> demodulationGradient, int planeLength)
    {
        PlaneDots(outputGradient, output, demodulationGradient, planeLength);
        for (int p = 0; p < demodulationGradient.Length; p++)
        {
            demodulationGradient[p] /= demodulation[p];
        }
    }

    /// <summary>
    /// <c>destination[p, :] = source[p, :] * factors[p]</c> for every plane p; source and destination may be the same.
    /// One thread: this streams memory (1.5 ms for x [32, 64, 32, 32] on the build machine), and there, loaded by other
    /// jobs, a parallel loop cost more in scheduling than it saved: the forward pass took 1.3x the time of plain Conv2d
    /// with parallel scaling and 1.0x with this loop (best of 25 runs each).
    /// </summary>
    private static void ScalePlanes(ReadOnlySpan<float> source, ReadOnlySpan<float> factors, Span<float> destination, int planeLength)
    {
        for (int p = 0; p < factors.Length; p++)
        {
            TensorPrimitives.Multiply(source.Slice(p * planeLength, planeLength), factors[p],
                                      destination.Slice(p * planeLength, planeLength));
        }
    }

    /// <summary><c>dots[p] = sum over plane p of a * b</c> (one thread, like <see cref="ScalePlanes"/>).</summary>
    private static void PlaneDots(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dots, int planeLength)
    {
        for (int p = 0; p < dots.Length; p++)
        {
            dots[p] = TensorPrimitives.Dot(a.Slice(p * planeLength, planeLength), b.Slice(p * planeLength, planeLength));
        }
    }

    private static void CheckCommon(in Conv2dGeometry g, int input, int weight, int style, int demodulation)
    {
        g.CheckLength(nameof(input), input, g.InputLength);
        g.CheckLength(nameof(weight), weight, g.WeightLength);
        ModulatedConvShapes.CheckModulation(g, style, demodulation);
    }

    private static void CheckBackward(in Conv2dGeometry g, int input, int weight, int style, int demodulation, int outputGradient,
        int inputGradient, int weightGradient, int styleGradient)
    {
        CheckCommon(g, input, weight, style, demodulation);
        g.CheckLength(nameof(outputGradient), outputGradient, g.OutputLength);
        CheckOptional(g, nameof(inputGradient), inputGradient, g.InputLength);
        CheckOptional(g, nameof(weightGradient), weightGradient, g.WeightLength);
        CheckOptional(g, nameof(styleGradient), styleGradient, style);
    }

    private static void CheckDemodulationGradient(in Conv2dGeometry g, int demodulation, int output, int demodulationGradient)
    {
        if (demodulation == 0)
        {
            throw new ArgumentException($"Modulated conv: a demodulation gradient needs demodulation factors; {g}.", nameof(demodulationGradient));
        }

        g.CheckLength(nameof(output), output, g.OutputLength);
        g.CheckLength(nameof(demodulationGradient), demodulationGradient, demodulation);
    }

    private static void CheckOptional(in Conv2dGeometry g, string name, int actual, int expected)
    {
        if (actual != 0)
        {
            g.CheckLength(name, actual, expected);
        }
    }
}
