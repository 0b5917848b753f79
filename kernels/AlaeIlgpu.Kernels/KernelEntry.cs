using System.Reflection;

namespace AlaeIlgpu.Kernels;

/// <summary>
/// One ILGPU kernel as the compile checks see it: a (closed, non-generic) static method and how it is grouped.
/// </summary>
/// <param name="Name">A readable name, for example <c>Gemm.Tiled</c>.</param>
/// <param name="Method">The kernel method; generic kernels appear once per operator instantiation.</param>
/// <param name="ExplicitlyGrouped">True for kernels launched with an explicit group size (shared memory, barriers).</param>
public sealed record KernelEntry(string Name, MethodInfo Method, bool ExplicitlyGrouped)
{
    /// <summary>Entry for an implicitly grouped kernel (first parameter is an <c>Index1D/2D/3D</c>).</summary>
    public static KernelEntry Implicit(string name, Type owner, string method, params Type[] typeArgs) =>
        new(name, Resolve(owner, method, typeArgs), false);

    /// <summary>Entry for an explicitly grouped kernel (uses <c>Grid</c>/<c>Group</c> indices).</summary>
    public static KernelEntry Explicit(string name, Type owner, string method, params Type[] typeArgs) =>
        new(name, Resolve(owner, method, typeArgs), true);

    private static MethodInfo Resolve(Type owner, string method, Type[] typeArgs)
    {
        MethodInfo info = owner.GetMethod(method, BindingFlags.Public | BindingFlags.Static)
            ?? throw new ArgumentException($"{owner.Name} has no public static kernel '{method}'.");
        return typeArgs.Length == 0 ? info : info.MakeGenericMethod(typeArgs);
    }
}
