using System.Reflection;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Tests.Reference;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>
/// Compiles every kernel of <see cref="KernelCatalog"/> (and the tests' naive baselines, <see cref="NaiveGpuKernels"/>)
/// to PTX (sm_80, ISA 8.0) and to OpenCL C without any GPU, so that backend-only failures (a missing intrinsic, an
/// unsupported construct) show up in CI.
/// </summary>
public sealed class KernelCompileTests(KernelCompileTests.Backends backends) : IClassFixture<KernelCompileTests.Backends>
{
    /// <summary>A device-less context at O2 (O1 emits OpenCL <c>__generic</c> pointers) with both backends.</summary>
    public sealed class Backends : IDisposable
    {
        public Backends()
        {
            Context = Context.Create(builder => builder.EnableAlgorithms().Optimize(OptimizationLevel.O2));
            Ptx = new PTXBackend(Context, new CudaCapabilityContext(CudaArchitecture.SM_80), CudaArchitecture.SM_80,
                                 CudaInstructionSet.ISA_80, nvvmAPI: null);
            OpenCl = new CLBackend(Context,
                                   new CLCapabilityContext(float16: false, float64: true, genericAddressSpace: true,
                                                           int64_Atomics: true, subGroups: false),
                                   CLDeviceVendor.Other, CLCVersion.CL20);
        }

        public Context Context { get; }
        public PTXBackend Ptx { get; }
        public CLBackend OpenCl { get; }

        public void Dispose()
        {
            Ptx.Dispose();
            OpenCl.Dispose();
            Context.Dispose();
        }
    }

    private static readonly IReadOnlyList<KernelEntry> Compiled = [.. KernelCatalog.All, .. NaiveGpuKernels.Entries];

    public static TheoryData<string> KernelNames => new(Compiled.Select(entry => entry.Name));

    [Fact]
    public void CatalogNamesAreUniqueAndMethodsAreStaticVoid()
    {
        Assert.NotEmpty(KernelCatalog.All);
        Assert.Equal(KernelCatalog.All.Count, KernelCatalog.All.Select(entry => entry.Name).Distinct().Count());
        Assert.All(KernelCatalog.All, entry =>
        {
            Assert.True(entry.Method.IsStatic, entry.Name);
            Assert.Equal(typeof(void), entry.Method.ReturnType);
            Assert.False(entry.Method.ContainsGenericParameters, entry.Name);
        });
    }

    /// <summary>Every static <c>*Kernels</c> class of the GPU namespace registers its family (by its <c>Entries</c>).</summary>
    [Fact]
    public void CatalogFindsEveryKernelFamily()
    {
        var families = KernelCatalog.Families().Select(f => f.Owner.Name).ToList();
        var kernelClasses = typeof(KernelCatalog).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: true, IsSealed: true, Namespace: "AlaeIlgpu.Kernels.Gpu" } && t.Name.EndsWith("Kernels", StringComparison.Ordinal))
            .Select(t => t.Name);

        Assert.Equal(kernelClasses.Order(), families.Where(n => n.EndsWith("Kernels", StringComparison.Ordinal)).Order());
        Assert.Contains(KernelCatalog.All, e => e.Name == "Gemm.Tiled16");
        Assert.All(KernelCatalog.Families(), f => Assert.NotEmpty(f.Entries));
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void CompilesToPtx(string name)
    {
        var compiled = (PTXCompiledKernel)backends.Ptx.Compile(Describe(name), KernelSpecialization.Empty);

        Assert.Contains(".entry ", compiled.PTXAssembly);
        Assert.Contains(".target sm_", compiled.PTXAssembly);
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void CompilesToOpenClC(string name)
    {
        var compiled = (CLCompiledKernel)backends.OpenCl.Compile(Describe(name), KernelSpecialization.Empty);

        Assert.Contains("kernel void", compiled.Source);
    }

    /// <summary>The GEMM's tiled kernels gather operands stored k-fastest with 128-bit loads (PTX's vector load of 4 floats).</summary>
    [Theory]
    [InlineData("Gemm.Tiled16")]
    [InlineData("Gemm.Tiled32")]
    [InlineData("Gemm.Tiled16x8")]
    public void TiledGemmLoadsFourFloatsAtOnce(string name)
    {
        var compiled = (PTXCompiledKernel)backends.Ptx.Compile(Describe(name), KernelSpecialization.Empty);

        Assert.Contains("ld.global.v4.f32", compiled.PTXAssembly);
    }

    /// <summary>
    /// ILGPU keeps the register tiles in (virtual) registers: the PTX declares no thread-local memory, which is where a
    /// tile struct it could not break into scalars would live. Whether ptxas then spills the 64 accumulators of an
    /// 8 x 8 tile shows only on a GPU (its <c>-v</c> report), which is one more thing the tile sweep measures.
    /// </summary>
    [Theory]
    [InlineData("Gemm.Tiled16")]
    [InlineData("Gemm.Tiled16x8")]
    [InlineData("Conv2d.TiledForward16x8")]
    public void TiledKernelsKeepTheirRegisterTileOutOfLocalMemory(string name)
    {
        var compiled = (PTXCompiledKernel)backends.Ptx.Compile(Describe(name), KernelSpecialization.Empty);

        Assert.DoesNotContain(".local", compiled.PTXAssembly);
    }

    private static EntryPointDescription Describe(string name)
    {
        KernelEntry entry = Compiled.Single(e => e.Name == name);
        MethodInfo method = entry.Method;
        return entry.ExplicitlyGrouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(method);
    }
}
