using System.Reflection;
using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// Adding a kernel family is a kernel file, an op and its registrations: these tests fail when an op family of
/// <c>AlaeIlgpu.Ops</c> has no <c>alae check</c> cases or no gradient cases, or a kernel family of
/// <see cref="KernelCatalog"/> is run by no check case, so a forgotten registration is caught.
/// </summary>
public sealed class RegistrationTests
{
    /// <summary>The cases <c>alae check</c> had when they were written out in one list: none may get lost.</summary>
    private const int CheckCasesBeforeRegistration = 37;

    /// <summary>The gradient cases of the list before registration: none may get lost.</summary>
    private const int GradCasesBeforeRegistration = 54;

    /// <summary>The op families: public static classes of <c>AlaeIlgpu.Ops</c> with an operation that returns a tensor.</summary>
    public static TheoryData<string> OpFamilies() => new(OpFamilyTypes().Select(t => t.Name));

    /// <summary>The kernel families of the catalog.</summary>
    public static TheoryData<string> KernelFamilies() => new(KernelCatalog.Families().Select(f => f.Owner.Name));

    [Theory]
    [MemberData(nameof(OpFamilies))]
    public void EveryOpFamilyHasCheckCases(string family) =>
        Assert.Contains(CheckCatalog.Registrations, r => r.Subject.Name == family && r.Cases.Count > 0);

    [Theory]
    [MemberData(nameof(OpFamilies))]
    public void EveryOpFamilyHasGradientCases(string family) =>
        Assert.Contains(GradCases.Registrations, r => r.Op.Name == family && r.Cases.Count > 0);

    [Theory]
    [MemberData(nameof(KernelFamilies))]
    public void EveryKernelFamilyIsRunByACheckCase(string family) =>
        Assert.Contains(CheckCatalog.Registrations, r => r.KernelFamilies.Any(k => k.Name == family) && r.Cases.Count > 0);

    [Fact]
    public void RegistrationsNameOnlyKnownFamiliesAndKeepEveryCase()
    {
        var kernelFamilies = KernelCatalog.Families().Select(f => f.Owner).ToHashSet();
        Assert.All(CheckCatalog.Registrations, r => Assert.All(r.KernelFamilies, k => Assert.Contains(k, kernelFamilies)));
        Assert.All(GradCases.Registrations, r => Assert.Contains(r.Op, OpFamilyTypes()));
        Assert.Equal(CheckCatalog.All.Count, CheckCatalog.All.Select(c => c.Name).Distinct().Count());
        Assert.InRange(CheckCatalog.All.Count, CheckCasesBeforeRegistration, int.MaxValue);
        Assert.InRange(GradCases.All.Count, GradCasesBeforeRegistration, int.MaxValue);
        Assert.All(GradCases.SimulatorSubset, name => Assert.Contains(name, GradCases.All.Keys));
    }

    private static IEnumerable<Type> OpFamilyTypes() =>
        typeof(ElementwiseOp).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: true, IsSealed: true, IsPublic: true } && t.Namespace == typeof(ElementwiseOp).Namespace)
            .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static).Any(m => m.ReturnType == typeof(Tensor)))
            .OrderBy(t => t.Name, StringComparer.Ordinal);
}
