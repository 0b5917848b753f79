using System.Numerics;
using System.Runtime.CompilerServices;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// What <see cref="CpuGemm"/> does with each finished element of C while its tile is still in L1: overwrite C with the
/// product, add the product to C, or store <c>leakyRelu(product + bias)</c> so that a dense layer's bias and
/// activation need no pass of their own.
/// </summary>
public readonly ref struct CpuEpilogue
{
    /// <summary>Describes how C is stored.</summary>
    /// <param name="bias">The bias, one per row or per column of C; ignored when <paramref name="axis"/> is <see cref="BiasAxis.None"/>.</param>
    /// <param name="axis">The axis of C the bias runs along.</param>
    /// <param name="negativeSlope">Leaky ReLU slope for negative values; 1 for no activation.</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it; only without a bias or activation.</param>
    /// <exception cref="ArgumentException">Accumulation was asked for together with a bias or an activation.</exception>
    public CpuEpilogue(ReadOnlySpan<float> bias, BiasAxis axis, float negativeSlope, bool accumulate)
    {
        if (accumulate && (axis != BiasAxis.None || negativeSlope != 1f))
        {
            throw new ArgumentException("A GEMM that adds to C stores the plain product: a bias or activation would apply to the sum.",
                nameof(accumulate));
        }
        Bias = axis == BiasAxis.None ? default : bias;
        Axis = axis;
        NegativeSlope = negativeSlope;
        Accumulate = accumulate;
    }

    /// <summary>The bias, one per row or per column of C as <see cref="Axis"/> says; empty when there is none.</summary>
    public ReadOnlySpan<float> Bias { get; }

    /// <summary>The axis of C the bias runs along.</summary>
    public BiasAxis Axis { get; }

    /// <summary>Slope of the leaky ReLU for negative values; 1 stores values as they are.</summary>
    public float NegativeSlope { get; }

    /// <summary>Add the product to C instead of overwriting it.</summary>
    public bool Accumulate { get; }

    /// <summary>True when the finished product needs a bias or an activation.</summary>
    internal bool Finishes => Axis != BiasAxis.None || NegativeSlope != 1f;

    /// <summary>Stores the plain product, overwriting C or adding to it.</summary>
    public static CpuEpilogue Plain(bool accumulate) => new(default, BiasAxis.None, 1f, accumulate);

    /// <summary>Stores <c>leakyRelu(product + bias)</c>, overwriting C, exactly as the separate add and activation would.</summary>
    /// <param name="bias">The bias, one per row or per column of C; ignored when <paramref name="axis"/> is <see cref="BiasAxis.None"/>.</param>
    /// <param name="axis">The axis of C the bias runs along.</param>
    /// <param name="negativeSlope">Leaky ReLU slope for negative values; 1 for no activation.</param>
    public static CpuEpilogue Fused(ReadOnlySpan<float> bias, BiasAxis axis, float negativeSlope) =>
        new(bias, axis, negativeSlope, accumulate: false);

    /// <summary>Throws unless the bias covers its axis of an <c>[m, n]</c> C.</summary>
    internal void Validate(int m, int n)
    {
        int needed = Axis switch { BiasAxis.Rows => m, BiasAxis.Columns => n, _ => 0 };
        if (Bias.Length < needed)
        {
            throw new ArgumentException($"GEMM m={m}, n={n}: the bias runs along the {Axis.ToString().ToLowerInvariant()} of C, " +
                                        $"so it needs {needed} elements but has {Bias.Length}.", "epilogue");
        }
    }

    /// <summary>
    /// <c>row[j] = leakyRelu(row[j] + bias)</c> for j &lt; <paramref name="width"/>, where bias is
    /// <c>columnBias[j]</c>, or <paramref name="rowBias"/> for the whole row when <paramref name="columnBias"/> is null,
    /// or none when <paramref name="axis"/> is <see cref="BiasAxis.None"/>. The operators are those of the unfused ops,
    /// so results match them bit for bit.
    /// </summary>
    internal static unsafe void FinishRow(float* row, int width, BiasAxis axis, float* columnBias, float rowBias,
                                          float negativeSlope)
    {
        int lanes = Vector<float>.Count, j = 0;
        var slope = new Vector<float>(negativeSlope);
        var uniform = new Vector<float>(rowBias);
        for (; j + lanes <= width; j += lanes)
        {
            var value = Unsafe.ReadUnaligned<Vector<float>>(row + j);
            if (axis != BiasAxis.None)
            {
                value = AddOperator.Apply(value, axis == BiasAxis.Rows ? uniform : Unsafe.ReadUnaligned<Vector<float>>(columnBias + j));
            }
            Unsafe.WriteUnaligned(row + j, LeakyReluOperator.Apply(value, slope));
        }
        for (; j < width; j++)
        {
            float value = axis == BiasAxis.None ? row[j] : AddOperator.Apply(row[j], axis == BiasAxis.Rows ? rowBias : columnBias[j]);
            row[j] = LeakyReluOperator.Apply(value, negativeSlope);
        }
    }
}
