using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Reshape, concat, slice, pad, gather rows and expand against the naive references on cpu and ilgpu-cpu; data movement is exact.</summary>
[Collection(SimulatorCollection.Name)]
public class ShapeOpTests(SimulatorFixture fixture)
{
    /// <summary>Layout ops copy values: no rounding at all.</summary>
    private const double Exact = 0;

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void ReshapeKeepsDataAndInfersOneExtent(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(backend, 1, [4, 3, 5, 7]);
        var expected = x.ToArray();
        (int[] Shape, int[] Resolved)[] cases =
            [([12, 35], [12, 35]), ([420], [420]), ([4, -1], [4, 105]), ([-1, 7], [60, 7]), ([1, 4, 105, 1], [1, 4, 105, 1]), ([4, 3, 5, 7], [4, 3, 5, 7])];
        foreach (var (shape, resolved) in cases)
        {
            var y = ShapeOp.Reshape(x, shape);
            Assert.Equal(resolved, y.Shape.ToArray());
            Assert.Equal(expected, y.ToArray());
        }
    }

    private static readonly (int[][] Parts, int Axis)[] ConcatCases =
    [
        ([[2, 3, 4], [2, 5, 4]], 1),
        ([[2, 3, 4], [2, 5, 4], [2, 1, 4]], -2),
        ([[1, 3], [4, 3]], 0),
        ([[3, 1], [3, 2]], -1),
        ([[4, 3, 5, 7], [4, 3, 5, 7]], 0),
        ([[4, 3, 5, 7], [4, 1, 5, 7]], 1),   // an extra channel (minibatch-stddev style)
        ([[1], [1]], 0),
        ([[5, 2]], 1),
    ];

    /// <summary>Backend x concat case index.</summary>
    public static TheoryData<string, int> ConcatCaseIndices()
    {
        var data = new TheoryData<string, int>();
        foreach (var backend in SimulatorFixture.BackendNames)
            for (int i = 0; i < ConcatCases.Length; i++) data.Add(backend, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(ConcatCaseIndices))]
    public void ConcatMatchesReference(string backendName, int caseIndex)
    {
        var backend = fixture.Get(backendName);
        var (shapes, axis) = ConcatCases[caseIndex];
        using var scope = new TensorScope();
        var parts = shapes.Select((s, i) => TestData.NormalTensor(backend, 10 + i, s)).ToArray();
        int rank = shapes[0].Length;
        var expected = NaiveOps.Concat(parts.Select(TestData.Ref).ToArray(), axis < 0 ? axis + rank : axis);
        TestData.AssertClose(expected, ShapeOp.Concat(parts, axis), Exact, Exact, $"concat on {backendName} along {axis}");
    }

    private static readonly (int[] Shape, int Axis, int Start, int Length)[] SliceCases =
    [
        ([2, 8, 4], 1, 3, 4),
        ([2, 8, 4], -1, 0, 1),
        ([2, 8, 4], 0, 1, 1),
        ([4, 3, 5, 7], 1, 0, 3),   // the whole axis
        ([4, 3, 5, 7], 3, 6, 1),
        ([4, 3, 5, 7], 2, 2, 0),   // empty
        ([1], 0, 0, 1),
    ];

    /// <summary>Backend x slice case index.</summary>
    public static TheoryData<string, int> SliceCaseIndices()
    {
        var data = new TheoryData<string, int>();
        foreach (var backend in SimulatorFixture.BackendNames)
            for (int i = 0; i < SliceCases.Length; i++) data.Add(backend, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(SliceCaseIndices))]
    public void SliceAndPadMatchReference(string backendName, int caseIndex)
    {
        var backend = fixture.Get(backendName);
        var (shape, axis, start, length) = SliceCases[caseIndex];
        int a = axis < 0 ? axis + shape.Length : axis;
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(backend, 5, shape);
        var rx = TestData.Ref(x);
        string at = $"on {backendName} {x.Shape} axis {axis} [{start}, {start + length})";
        TestData.AssertClose(NaiveOps.Slice(rx, a, start, length), ShapeOp.Slice(x, axis, start, length), Exact, Exact, $"slice {at}");
        int extent = shape[a] + 3;
        TestData.AssertClose(NaiveOps.Pad(rx, a, 2, extent), ShapeOp.Pad(x, axis, 2, extent), Exact, Exact, $"pad {at} to {extent} at 2");
        TestData.AssertClose(NaiveOps.Pad(rx, a, 0, shape[a]), ShapeOp.Pad(x, axis, 0, shape[a]), Exact, Exact, $"pad {at} to itself");
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void GatherRowsMatchesReference(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var source = TestData.NormalTensor(backend, 6, [10, 3, 2]);
        foreach (var rows in new[] { new[] { 9, 0, 4, 4 }, [3], [], Enumerable.Range(0, 10).Reverse().ToArray() })
            TestData.AssertClose(NaiveOps.GatherRows(TestData.Ref(source), rows), ShapeOp.GatherRows(source, rows), Exact, Exact,
                $"gather rows [{string.Join(", ", rows)}] on {backendName}");
        var flat = TestData.NormalTensor(backend, 7, [6]);
        TestData.AssertClose(NaiveOps.GatherRows(TestData.Ref(flat), [5, 1]), ShapeOp.GatherRows(flat, [5, 1]), Exact, Exact, $"gather from [6] on {backendName}");
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void GatherRowsRejectsRowsOutsideTheSource(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var source = TestData.NormalTensor(backend, 6, [10, 3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapeOp.GatherRows(source, [2, 10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapeOp.GatherRows(source, [-1]));
    }

    private static readonly (int[] From, int[] To)[] ExpandCases =
    [
        ([1, 3, 1, 1], [4, 3, 5, 7]),
        ([4, 3, 1, 1], [4, 3, 5, 7]),
        ([3, 1], [2, 3, 4]),
        ([1], [5]),
        ([7], [2, 7]),
        ([2, 1, 3], [2, 4, 3]),
        ([2, 3], [2, 3]),
    ];

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void ExpandMatchesReference(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        foreach (var (from, to) in ExpandCases)
        {
            var x = TestData.NormalTensor(backend, 8, from);
            TestData.AssertClose(NaiveOps.Expand(TestData.Ref(x), to), ReduceOp.Expand(x, to), Exact, Exact, $"expand {x.Shape} to [{string.Join(", ", to)}] on {backendName}");
        }
    }
}
