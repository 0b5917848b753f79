namespace AlaeIlgpu.Kernels;

/// <summary>
/// Buffer checks shared by the cpu and ILGPU kernels of the modulated convolution (StyleGAN2): the convolution itself
/// is described by a <see cref="Conv2dGeometry"/>; the style s is <c>[N, Cin]</c> and the demodulation factors d are
/// <c>[N, Cout]</c>, or absent when the layer does not demodulate.
/// </summary>
public static class ModulatedConvShapes
{
    /// <summary>Checks the lengths of the style and of the demodulation factors (0 meaning "no demodulation").</summary>
    /// <param name="geometry">The convolution.</param>
    /// <param name="styleLength">Elements of s; must be N * Cin.</param>
    /// <param name="demodulationLength">Elements of d; must be N * Cout, or 0 for none.</param>
    /// <exception cref="ArgumentException">A length does not fit; the message names the geometry.</exception>
    public static void CheckModulation(in Conv2dGeometry geometry, long styleLength, long demodulationLength)
    {
        geometry.CheckLength("style", styleLength, (long)geometry.Batch * geometry.InChannels);
        if (demodulationLength != 0)
        {
            geometry.CheckLength("demodulation", demodulationLength, (long)geometry.Batch * geometry.OutChannels);
        }
    }
}
