using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// ILGPU's CPU simulator (<c>ilgpu-cpu</c>), opened once for every test class of <see cref="SimulatorCollection"/>
/// (so its kernels compile once) and disposed after them. Resolves the backend names the theories are written over.
/// </summary>
public sealed class SimulatorFixture : IDisposable
{
    /// <summary>The backend names every op is checked on.</summary>
    public static readonly string[] BackendNames = ["cpu", "ilgpu-cpu"];

    /// <summary>The simulator backend.</summary>
    public IlgpuBackend Simulator { get; } = Devices.OpenSimulator();

    /// <summary>The backend called <paramref name="name"/>: the shared <c>cpu</c> backend or this fixture's simulator.</summary>
    public Backend Get(string name) => name switch
    {
        "cpu" => CpuBackend.Instance,
        "ilgpu-cpu" => Simulator,
        _ => throw new ArgumentException($"No test backend '{name}'."),
    };

    /// <summary>Theory data: one row per backend name.</summary>
    public static TheoryData<string> Backends() => new(BackendNames);

    /// <inheritdoc/>
    public void Dispose() => Simulator.Dispose();
}

/// <summary>
/// The test classes sharing one <see cref="SimulatorFixture"/>. They run one after another (the simulator is not
/// thread-safe and already runs 16 OS threads per launch), in parallel with the cpu-only classes.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SimulatorCollection : ICollectionFixture<SimulatorFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "ilgpu-cpu simulator";
}
