using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Every op's first-order gradient against central finite differences: all ops on cpu, a representative subset on ilgpu-cpu.</summary>
[Collection(SimulatorCollection.Name)]
public class GradientTests(SimulatorFixture fixture)
{
    /// <summary>Every op on cpu, the subset on the simulator.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in GradCases.All.Keys) data.Add("cpu", name);
        foreach (var name in GradCases.SimulatorSubset) data.Add("ilgpu-cpu", name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientMatchesFiniteDifferences(string backendName, string op)
    {
        var backend = fixture.Get(backendName);
        var c = GradCases.All[op];
        using var scope = new TensorScope();
        var inputs = c.Inputs(backend);
        var weights = c.OutputWeights(backend, inputs, 99);
        GradCheck.Check(x => ReduceOp.Sum(c.Op(x) * weights), inputs);
    }
}
