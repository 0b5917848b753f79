using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Sum and mean over chosen axes (with and without keepDims) against the naive references on cpu and ilgpu-cpu.</summary>
[Collection(SimulatorCollection.Name)]
public class ReduceOpTests(SimulatorFixture fixture)
{
    /// <summary>
    /// Up to 1024 N(0, 1) terms summed in float32 (in whatever order the kernel picks): the rounding error grows like
    /// sqrt(n) eps |partial sum| ~ 32 * 6e-8 * 30 ~ 6e-5 for the longest sums here.
    /// </summary>
    private const double ReduceAtol = 2e-4;

    /// <summary>Relative part for large sums.</summary>
    private const double ReduceRtol = 1e-5;

    private static readonly (int[] Shape, int[]? Axes)[] SmallCases =
    [
        ([4, 3, 5, 7], null),
        ([4, 3, 5, 7], [0]),
        ([4, 3, 5, 7], [1]),
        ([4, 3, 5, 7], [0, 2, 3]),     // per-channel statistics
        ([4, 3, 5, 7], [2, 3]),        // per-sample-and-channel (instance norm)
        ([4, 3, 5, 7], [1, 3]),        // two separate runs of axes
        ([4, 3, 5, 7], [-1]),
        ([4, 1, 5], [1]),              // only an extent-1 axis
        ([4, 1, 5], [0, 1]),
        ([1], null),
        ([1, 1], [0]),
        ([37], [0]),
        ([6, 1, 1, 9], [0, 3]),
    ];

    private static readonly (int[] Shape, int[]? Axes)[] RealisticCases =
    [
        ([128, 1024], [0]),            // bias gradient
        ([128, 1024], [1]),            // per-sample norm
        ([128, 1024], null),           // loss
    ];

    /// <summary>Backend x shape x axes x keepDims; realistic shapes on cpu only.</summary>
    public static TheoryData<string, int[], int[]?, bool> Cases()
    {
        var data = new TheoryData<string, int[], int[]?, bool>();
        foreach (bool keep in new[] { false, true })
        {
            foreach (var backend in SimulatorFixture.BackendNames)
                foreach (var (shape, axes) in SmallCases) data.Add(backend, shape, axes, keep);
            foreach (var (shape, axes) in RealisticCases) data.Add("cpu", shape, axes, keep);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SumAndMeanMatchReference(string backendName, int[] shape, int[]? axes, bool keepDims)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(backend, 3, shape);
        var rx = TestData.Ref(x);
        string at = $"on {backendName} {x.Shape} axes [{string.Join(", ", axes ?? [])}] keepDims {keepDims}";
        TestData.AssertClose(NaiveOps.Sum(rx, axes, keepDims), ReduceOp.Sum(x, axes, keepDims), ReduceAtol, ReduceRtol, $"sum {at}");
        TestData.AssertClose(NaiveOps.Mean(rx, axes, keepDims), ReduceOp.Mean(x, axes, keepDims), ReduceAtol, ReduceRtol, $"mean {at}");
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void SumLeavesItsInputIntact(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(backend, 4, [4, 1, 5]);
        var before = x.ToArray();
        ReduceOp.Sum(x, [1]);
        ReduceOp.Sum(x, [0, 2]);
        Assert.Equal(before, x.ToArray());
    }
}
