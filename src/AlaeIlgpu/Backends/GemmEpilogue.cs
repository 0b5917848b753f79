using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Backends;

/// <summary>
/// How <see cref="Backend.Gemm"/> stores each finished element of C: overwriting C, adding to it, or as
/// <c>leakyRelu(product + bias)</c> in the same pass, so that a dense layer is one kernel launch.
/// </summary>
/// <param name="Accumulate">Add the product to C instead of overwriting it (only without a bias or activation).</param>
/// <param name="Bias">The bias, one per row or per column of C as <paramref name="Axis"/> says, or null.</param>
/// <param name="Axis">The axis of C the bias runs along; <see cref="BiasAxis.None"/> when <paramref name="Bias"/> is null.</param>
/// <param name="NegativeSlope">Slope of the leaky ReLU for negative values; 1 for no activation.</param>
/// <exception cref="ArgumentException">Accumulation is asked for together with a bias or an activation.</exception>
public readonly record struct GemmEpilogue(bool Accumulate, Storage? Bias, BiasAxis Axis, float NegativeSlope)
{
    /// <summary>Add the product to C instead of overwriting it; never together with a bias or activation.</summary>
    public bool Accumulate { get; } = Accumulate && (Axis != BiasAxis.None || NegativeSlope != 1f)
        ? throw new ArgumentException("A GEMM that adds to C stores the plain product: a bias or activation would apply to the sum.", nameof(Accumulate))
        : Accumulate;

    /// <summary>C = op(A) op(B).</summary>
    public static GemmEpilogue Overwrite => new(false, null, BiasAxis.None, 1f);

    /// <summary>
    /// C = leakyRelu(op(A) op(B) + bias) with one bias per column of C, as a dense layer <c>x W^T + b</c> computes it.
    /// </summary>
    /// <param name="bias">[n] bias, or null for none.</param>
    /// <param name="negativeSlope">Leaky ReLU slope for negative values; 1 for no activation.</param>
    public static GemmEpilogue ColumnBiasLeakyRelu(Storage? bias, float negativeSlope) =>
        new(false, bias, bias is null ? BiasAxis.None : BiasAxis.Columns, negativeSlope);
}
