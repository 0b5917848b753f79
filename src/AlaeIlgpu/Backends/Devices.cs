using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace AlaeIlgpu.Backends;

/// <summary>One device the machine offers, as <c>alae devices</c> lists it.</summary>
/// <param name="Spec">What to pass to <c>--device</c>.</param>
/// <param name="Description">Name, memory and compute units.</param>
public sealed record DeviceInfo(string Spec, string Description);

/// <summary>
/// Finds and opens backends from a device spec: <c>auto</c>, <c>cpu</c>, <c>cuda[:i]</c>, <c>opencl[:i]</c> or
/// <c>ilgpu-cpu</c>. <c>auto</c> (the default, overridable by the <c>ALAE_DEVICE</c> environment variable) picks
/// CUDA, then OpenCL, then <c>cpu</c>.
/// </summary>
public static class Devices
{
    /// <summary>Environment variable that supplies the device when no option is given.</summary>
    public const string EnvironmentVariable = "ALAE_DEVICE";

    /// <summary>The accepted spellings, for error messages and help.</summary>
    public const string Accepted = "auto, cpu, cuda, cuda:<i>, opencl, opencl:<i>, ilgpu-cpu";

    static Devices() => ResolveOpenClLibrary();

    /// <summary>Opens the backend named by <paramref name="spec"/> (null: <c>ALAE_DEVICE</c>, else <c>auto</c>).</summary>
    /// <exception cref="ArgumentException">The spec is malformed or names a device that is not present.</exception>
    public static Backend Open(string? spec)
    {
        spec = string.IsNullOrWhiteSpace(spec) ? Environment.GetEnvironmentVariable(EnvironmentVariable) : spec;
        spec = string.IsNullOrWhiteSpace(spec) ? "auto" : spec.Trim().ToLowerInvariant();
        var (kind, index) = Parse(spec);
        return kind switch
        {
            "auto" => OpenAuto(),
            "cpu" => CpuBackend.Instance,
            "ilgpu-cpu" => OpenSimulator(),
            "cuda" => OpenIlgpu("cuda", index, b => b.Cuda(), c => [.. c.GetCudaDevices()]),
            _ => OpenIlgpu("opencl", index, b => b.OpenCL(), c => [.. c.GetCLDevices()]),
        };
    }

    /// <summary>Every backend and device found on this machine.</summary>
    public static IReadOnlyList<DeviceInfo> List()
    {
        var found = new List<DeviceInfo> { new("cpu", CpuBackend.Instance.Description) };
        using (var context = Context.Create(b => b.Cuda().OpenCL()))
        {
            found.AddRange(Describe([.. context.GetCudaDevices()], "cuda"));
            found.AddRange(Describe([.. context.GetCLDevices()], "opencl"));
        }
        found.Add(new("ilgpu-cpu", "ILGPU's CPU simulator (tests only: about 1 GFLOP/s)"));
        return found;
    }

    private static IEnumerable<DeviceInfo> Describe(List<Device> devices, string prefix) =>
        devices.Select((d, i) =>
            new DeviceInfo($"{prefix}:{i}", $"{d.Name}, {d.MemorySize / (1 << 20)} MiB, {d.NumMultiprocessors} multiprocessors"));

    private static (string Kind, int Index) Parse(string spec)
    {
        string[] parts = spec.Split(':');
        string kind = parts[0];
        bool known = kind is "auto" or "cpu" or "ilgpu-cpu" or "cuda" or "opencl";
        bool indexAllowed = kind is "cuda" or "opencl";
        if (!known || parts.Length > 2 || (parts.Length == 2 && !indexAllowed))
            throw new ArgumentException($"Unknown device '{spec}'. Use one of: {Accepted}.");
        int index = 0;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out index) || index < 0))
            throw new ArgumentException($"Device '{spec}' has a bad index '{parts[1]}': expected a number such as {kind}:0. Use one of: {Accepted}.");
        return (kind, index);
    }

    private static Backend OpenAuto()
    {
        using (var probe = Context.Create(b => b.Cuda().OpenCL()))
        {
            if (probe.GetCudaDevices().Count > 0) return Open("cuda:0");
            if (probe.GetCLDevices().Count > 0) return Open("opencl:0");
        }
        return CpuBackend.Instance;
    }

    private static Backend OpenIlgpu(string prefix, int index, Action<Context.Builder> add, Func<Context, List<Device>> devicesOf)
    {
        var context = Context.Create(b =>
        {
            add(b);
            b.EnableAlgorithms().Optimize(OptimizationLevel.O2);
        });
        var devices = devicesOf(context);
        if (index >= devices.Count)
        {
            context.Dispose();
            throw new ArgumentException($"Device '{prefix}:{index}' is not present: {devices.Count} {prefix} device(s) found. Run 'alae devices' to list them.");
        }
        return new IlgpuBackend($"{prefix}:{index}", context, devices[index].CreateAccelerator(context));
    }

    /// <summary>Opens ILGPU's CPU simulator with 16-thread groups (each simulated thread is an OS thread).</summary>
    public static IlgpuBackend OpenSimulator()
    {
        var device = new CPUDevice(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 4, numMultiprocessors: 1);
        var context = Context.Create(b => b.CPU(device).EnableAlgorithms());
        return new IlgpuBackend("ilgpu-cpu", context, context.CreateCPUAccelerator(0));
    }

    // Debian's ocl-icd ships libOpenCL.so.1 without the unversioned name ILGPU asks for.
    private static void ResolveOpenClLibrary() =>
        NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, (name, _, _) =>
            name == "OpenCL" && NativeLibrary.TryLoad("libOpenCL.so.1", out var handle) ? handle : IntPtr.Zero);
}
