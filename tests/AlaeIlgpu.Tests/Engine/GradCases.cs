using System.Reflection;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>An op under gradient test: how to make its (differentiable) inputs on a backend, and the op itself.</summary>
/// <param name="Inputs">Creates the inputs; every one of them is checked.</param>
/// <param name="Op">The op applied to the inputs.</param>
public sealed record GradCase(Func<Backend, Tensor[]> Inputs, Func<Tensor[], Tensor> Op)
{
    /// <summary>
    /// A fixed random weighting of the op's output, so that the checked scalar sum(w * op(x)) has a different
    /// gradient for every output element (a plain sum would hide transposed or permuted gradients).
    /// </summary>
    public Tensor OutputWeights(Backend backend, Tensor[] inputs, int seed)
    {
        TensorShape shape;
        using (Autodiff.Autograd.NoGrad()) shape = Op(inputs).Shape;
        return TestData.NormalTensor(backend, seed, shape.ToArray());
    }
}

/// <summary>
/// Marks a static class that registers the gradient cases of one op family of <c>AlaeIlgpu.Ops</c> in a public static
/// <c>Cases</c> dictionary (name to <see cref="GradCase"/>); <see cref="GradCases"/> finds it by reflection.
/// </summary>
/// <param name="op">The op family (a static class of <c>AlaeIlgpu.Ops</c>) whose ops the cases differentiate.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GradCasesAttribute(Type op) : Attribute
{
    /// <summary>The op family.</summary>
    public Type Op { get; } = op;
}

/// <summary>The ops whose gradients are checked, by name, from every <see cref="GradCasesAttribute"/> registration; inputs are small, with odd and size-1 extents.</summary>
public static class GradCases
{
    /// <summary>Every registration: the op family and its cases (registrations in the name order of their classes).</summary>
    public static IReadOnlyList<(Type Op, IReadOnlyDictionary<string, GradCase> Cases)> Registrations { get; } =
        typeof(GradCases).Assembly.GetTypes()
            .Select(type => (type, attribute: type.GetCustomAttribute<GradCasesAttribute>()))
            .Where(found => found.attribute is not null)
            .OrderBy(found => found.type.Name, StringComparer.Ordinal)
            .Select(found => (found.attribute!.Op, Cases(found.type)))
            .ToList();

    /// <summary>Every case.</summary>
    public static IReadOnlyDictionary<string, GradCase> All { get; } =
        Registrations.SelectMany(r => r.Cases).ToDictionary(pair => pair.Key, pair => pair.Value);

    /// <summary>
    /// A representative subset for the (slow) simulator: broadcasting, the nonlinearities of D and E, reductions, GEMM, layout,
    /// and E's convolution, resampling and instance-norm ops.
    /// </summary>
    public static readonly string[] SimulatorSubset =
        ["add per channel", "multiply both broadcast", "divide", "rsqrt", "softplus", "leaky-relu", "sum axes keepDims", "mean axes",
         "matmul transA", "linear", "concat", "slice", "expand", "conv2d stride 2 odd", "conv transpose2d stride 2 + bias",
         "blur", "average pool 2x2", "instance statistics (style)", "instance norm eps 1e-5 (E)"];

    private static IReadOnlyDictionary<string, GradCase> Cases(Type owner) =>
        owner.GetProperty("Cases", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as IReadOnlyDictionary<string, GradCase>
        ?? throw new InvalidOperationException($"{owner.FullName} is marked [GradCases] but has no public static Cases dictionary of GradCase.");
}

/// <summary>Input makers of the gradient cases.</summary>
public static class GradInputs
{
    /// <summary>N(0, 1) values.</summary>
    public static Tensor N(Backend b, int seed, params int[] shape) => TestData.NormalTensor(b, seed, shape);

    /// <summary>Values in [0.5, 2): away from 0 so that sqrt, rsqrt, log and division stay smooth within a finite-difference step.</summary>
    public static Tensor P(Backend b, int seed, params int[] shape) => TestData.UniformTensor(b, seed, shape, 0.5f, 2f);

    /// <summary>Values away from leaky ReLU's kink by more than the finite-difference step.</summary>
    public static Tensor K(Backend b, int seed, params int[] shape) =>
        Tensor.FromArray(b, TestData.AwayFromZero(seed, shape.Aggregate(1, (p, d) => p * d)), shape);

    /// <summary>He-scaled conv weights [Cout, Cin, K, K] (or [Cin, Cout, K, K]), so that outputs stay of order 1 as in a network.</summary>
    public static Tensor W(Backend b, int seed, params int[] shape) =>
        TestData.NormalTensor(b, seed, shape, 1f / MathF.Sqrt(shape[1] * shape[2] * shape[3]));
}
