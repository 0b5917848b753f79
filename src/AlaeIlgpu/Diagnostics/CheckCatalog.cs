using System.Reflection;

namespace AlaeIlgpu.Diagnostics;

/// <summary>One family's registration of check cases, as <see cref="CheckCatalog"/> found it.</summary>
/// <param name="Owner">The static class that declares the cases.</param>
/// <param name="Subject">The class whose operations they run (<see cref="KernelChecksAttribute.Subject"/>).</param>
/// <param name="KernelFamilies">The kernel families they launch.</param>
/// <param name="Cases">The cases, in declaration order.</param>
public sealed record CheckRegistration(Type Owner, Type Subject, IReadOnlyList<Type> KernelFamilies, IReadOnlyList<CheckCase> Cases);

/// <summary>
/// Every <c>alae check</c> case of the engine: each static class marked <see cref="KernelChecksAttribute"/> declares its
/// family's cases in a public static <see cref="CasesProperty"/> list, found here by reflection (families in name order).
/// </summary>
public static class CheckCatalog
{
    /// <summary>The name of the property a registration declares its cases in.</summary>
    public const string CasesProperty = "Cases";

    /// <summary>All registrations, in the name order of their classes.</summary>
    public static IReadOnlyList<CheckRegistration> Registrations { get; } = Find().ToList();

    /// <summary>All cases, registration by registration.</summary>
    public static IReadOnlyList<CheckCase> All { get; } = Registrations.SelectMany(r => r.Cases).ToList();

    private static IEnumerable<CheckRegistration> Find() =>
        typeof(CheckCatalog).Assembly.GetTypes()
            .Select(type => (type, attribute: type.GetCustomAttribute<KernelChecksAttribute>()))
            .Where(found => found.attribute is not null)
            .OrderBy(found => found.type.Name, StringComparer.Ordinal)
            .Select(found => new CheckRegistration(found.type, found.attribute!.Subject, found.attribute.KernelFamilies, Cases(found.type)));

    private static IReadOnlyList<CheckCase> Cases(Type owner) =>
        owner.GetProperty(CasesProperty, BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as IReadOnlyList<CheckCase>
        ?? throw new InvalidOperationException($"{owner.FullName} is marked [KernelChecks] but has no public static {CasesProperty} list of CheckCase.");
}
