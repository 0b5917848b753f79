using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>ILGPU elementwise kernels: one thread per output element, generic over operator structs.</summary>
public static class ElementwiseKernels
{
    /// <summary>y[i] = TOp(x[i]; a).</summary>
    public static void Map<TOp>(Index1D i, ArrayView<float> x, ArrayView<float> y, float a) where TOp : struct, IUnaryOperator =>
        y[i] = TOp.Apply(x[i], a);

    /// <summary>y[i] = TOp(a[offsetA(i)], b[offsetB(i)]) over a broadcast geometry.</summary>
    public static void Binary<TOp>(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, BroadcastGeometry g)
        where TOp : struct, IBinaryOperator
    {
        var (oa, ob) = g.Offsets(i);
        y[i] = TOp.Apply(a[oa], b[ob]);
    }

    /// <summary>y[i] = value.</summary>
    public static void Fill(Index1D i, ArrayView<float> y, float value) => y[i] = value;

    /// <summary>target[i] = target[i] + (source[i] - target[i]) * t, in place.</summary>
    public static void Lerp(Index1D i, ArrayView<float> target, ArrayView<float> source, float t) =>
        target[i] = target[i] + (source[i] - target[i]) * t;

    /// <summary>y[i] = g[i] for x[i] &gt; 0, else slope * g[i] (leaky ReLU's backward).</summary>
    public static void LeakyReluBackward(Index1D i, ArrayView<float> g, ArrayView<float> x, ArrayView<float> y, float slope) =>
        y[i] = x[i] > 0f ? g[i] : g[i] * slope;

    /// <summary>Every unary and binary operator instantiation, for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        .. UnaryOperators.Select(t => KernelEntry.Implicit($"Elementwise.Map<{t.Name}>", typeof(ElementwiseKernels), nameof(Map), t)),
        .. BinaryOperators.Select(t => KernelEntry.Implicit($"Elementwise.Binary<{t.Name}>", typeof(ElementwiseKernels), nameof(Binary), t)),
        KernelEntry.Implicit("Elementwise.Fill", typeof(ElementwiseKernels), nameof(Fill)),
        KernelEntry.Implicit("Elementwise.Lerp", typeof(ElementwiseKernels), nameof(Lerp)),
        KernelEntry.Implicit("Elementwise.LeakyReluBackward", typeof(ElementwiseKernels), nameof(LeakyReluBackward)),
    ];

    /// <summary>All unary operator structs in this assembly.</summary>
    public static IEnumerable<Type> UnaryOperators => OperatorsImplementing(typeof(IUnaryOperator));

    /// <summary>All binary operator structs in this assembly.</summary>
    public static IEnumerable<Type> BinaryOperators => OperatorsImplementing(typeof(IBinaryOperator));

    private static IEnumerable<Type> OperatorsImplementing(Type contract) =>
        typeof(ElementwiseKernels).Assembly.GetTypes()
            .Where(t => t.IsValueType && contract.IsAssignableFrom(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal);
}

/// <summary>Loads and launches the elementwise kernels on one accelerator; each operator's kernel is compiled once.</summary>
public sealed class ElementwiseLauncher
{
    private readonly Accelerator _accelerator;
    private readonly Dictionary<Type, Delegate> _kernels = new();
    private readonly Action<Index1D, ArrayView<float>, float> _fill;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _lerp;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> _leakyReluBackward;

    /// <summary>Binds the launcher to an accelerator.</summary>
    public ElementwiseLauncher(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _fill = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(ElementwiseKernels.Fill);
        _lerp = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ElementwiseKernels.Lerp);
        _leakyReluBackward = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(ElementwiseKernels.LeakyReluBackward);
    }

    /// <summary>y = TOp(x; a) over y's length.</summary>
    public void Map<TOp>(ArrayView<float> x, ArrayView<float> y, float a) where TOp : struct, IUnaryOperator
    {
        var kernel = Get(typeof(TOp), () => _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ElementwiseKernels.Map<TOp>));
        if (y.Length > 0) kernel((int)y.Length, x, y, a);
    }

    /// <summary>y = TOp(a, b) over the geometry.</summary>
    public void Binary<TOp>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, BroadcastGeometry g) where TOp : struct, IBinaryOperator
    {
        var kernel = Get(typeof(TOp), () => _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, BroadcastGeometry>(ElementwiseKernels.Binary<TOp>));
        if (g.Count > 0) kernel(g.Count, a, b, y, g);
    }

    /// <summary>Sets every element of y to value.</summary>
    public void Fill(ArrayView<float> y, float value)
    {
        if (y.Length > 0) _fill((int)y.Length, y, value);
    }

    /// <summary>target = target + (source - target) * t over target's length.</summary>
    public void LerpInPlace(ArrayView<float> target, ArrayView<float> source, float t)
    {
        if (target.Length > 0) _lerp((int)target.Length, target, source, t);
    }

    /// <summary>y = g where x &gt; 0, else slope * g, over y's length.</summary>
    public void LeakyReluBackward(ArrayView<float> g, ArrayView<float> x, ArrayView<float> y, float slope)
    {
        if (y.Length > 0) _leakyReluBackward((int)y.Length, g, x, y, slope);
    }

    private T Get<T>(Type op, Func<T> load) where T : Delegate
    {
        if (!_kernels.TryGetValue(op, out var kernel) || kernel is not T)
        {
            kernel = load();
            _kernels[op] = kernel;
        }
        return (T)kernel;
    }
}
