using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Diagnostics;

/// <summary>One case of <c>alae check</c>: builds its output from inputs made by the given backend's seeded generator.</summary>
/// <param name="Name">What runs, with its shapes (the row's label).</param>
/// <param name="Run">Builds the output on a backend; every call with an equally seeded generator must compute the same thing.</param>
public sealed record CheckCase(string Name, Func<Backend, RandomGenerator, Tensor> Run)
{
    /// <summary>A tensor of N(0, 1) samples from <paramref name="random"/>: the inputs every case draws.</summary>
    public static Tensor Normal(Backend backend, RandomGenerator random, params int[] shape) => Tensor.RandomNormal(backend, random, shape);
}

/// <summary>
/// Marks a static class that registers the <c>alae check</c> cases of one op family (or other kernel user) in a public
/// static <c>Cases</c> property (an <see cref="IReadOnlyList{CheckCase}"/>); <see cref="CheckCatalog"/> finds it by
/// reflection, so adding a family needs no edit of a central list.
/// </summary>
/// <param name="subject">The class whose operations the cases run (an op family of <c>AlaeIlgpu.Ops</c>, or for example the optimizer).</param>
/// <param name="kernelFamilies">The kernel families (static classes of <c>AlaeIlgpu.Kernels.Gpu</c>) the cases launch on an ILGPU device.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class KernelChecksAttribute(Type subject, params Type[] kernelFamilies) : Attribute
{
    /// <summary>The class whose operations the cases run.</summary>
    public Type Subject { get; } = subject;

    /// <summary>The kernel families the cases launch.</summary>
    public IReadOnlyList<Type> KernelFamilies { get; } = kernelFamilies;
}
