namespace AlaeIlgpu.Alae.IO;

/// <summary>A float32 array read from or written to NumPy's format: its shape and its values in C (row-major) order.</summary>
/// <param name="Shape">Extents, outermost first (empty for a scalar).</param>
/// <param name="Data">Values in C order; the length is the product of <paramref name="Shape"/>.</param>
public sealed record NumpyArray(int[] Shape, float[] Data);
