using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Wrong shapes, mixed devices and bad device names fail early with messages that say what was wrong.</summary>
[Collection(SimulatorCollection.Name)]
public class BadInputTests(SimulatorFixture fixture)
{
    private static readonly Backend Cpu = CpuBackend.Instance;

    [Fact]
    public void MismatchedShapesInAddNameBothShapes()
    {
        using var scope = new TensorScope();
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(Cpu, 2, 3) + Tensor.Zeros(Cpu, 4, 3));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 3]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(Cpu, 4, 3, 5, 7) * Tensor.Zeros(Cpu, 1, 5, 1, 1));
        Assert.Contains("[4, 3, 5, 7]", ex.Message);
        Assert.Contains("[1, 5, 1, 1]", ex.Message);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MismatchedShapesInMatMulNameBothShapes(bool transA, bool transB)
    {
        using var scope = new TensorScope();
        var ex = Assert.Throws<ArgumentException>(() => MatMulOp.MatMul(Tensor.Zeros(Cpu, 2, 3), Tensor.Zeros(Cpu, 4, 5), transA, transB));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 5]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MatMulOp.MatMul(Tensor.Zeros(Cpu, 2, 3, 1), Tensor.Zeros(Cpu, 3, 5), transA, transB));
        Assert.Contains("[2, 3, 1]", ex.Message);
        Assert.Contains("[3, 5]", ex.Message);
    }

    [Fact]
    public void MismatchedShapesInLinearNameBothShapes()
    {
        using var scope = new TensorScope();
        var ex = Assert.Throws<ArgumentException>(() => MatMulOp.Linear(Tensor.Zeros(Cpu, 8, 784), Tensor.Zeros(Cpu, 1024, 512)));
        Assert.Contains("[8, 784]", ex.Message);
        Assert.Contains("[1024, 512]", ex.Message);
    }

    [Fact]
    public void MismatchedShapesInConcatNameBothShapes()
    {
        using var scope = new TensorScope();
        var ex = Assert.Throws<ArgumentException>(() => ShapeOp.Concat([Tensor.Zeros(Cpu, 2, 3), Tensor.Zeros(Cpu, 3, 4)], 1));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[3, 4]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => ShapeOp.Concat([Tensor.Zeros(Cpu, 2, 3), Tensor.Zeros(Cpu, 2, 3, 1)], 0));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[2, 3, 1]", ex.Message);
    }

    [Fact]
    public void BroadcastsNeedingMoreThanFourAxesAreRefusedNamingBothShapes()
    {
        using var scope = new TensorScope();
        var ex = Assert.Throws<NotSupportedException>(() => Tensor.Zeros(Cpu, 2, 1, 2, 1, 2) + Tensor.Zeros(Cpu, 1, 2, 1, 2, 1));
        Assert.Contains("[2, 1, 2, 1, 2]", ex.Message);
        Assert.Contains("[1, 2, 1, 2, 1]", ex.Message);
    }

    [Fact]
    public void OutOfRangeSlicesAndAxesAreRejected()
    {
        using var scope = new TensorScope();
        var x = Tensor.Zeros(Cpu, 2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapeOp.Slice(x, 1, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapeOp.Slice(x, 2, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapeOp.Pad(x, 0, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReduceOp.Sum(x, [2]));
        Assert.Throws<ArgumentException>(() => ShapeOp.Reshape(x, 4, -1));
        Assert.Throws<ArgumentException>(() => ReduceOp.Expand(x, new TensorShape(2, 4)));
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(Cpu, [1f, 2f], 3));
    }

    [Fact]
    public void TensorsOnDifferentDevicesAreRejectedNamingBoth()
    {
        using var scope = new TensorScope();
        var onCpu = Tensor.Zeros(Cpu, 2, 2);
        var onSim = Tensor.Zeros(fixture.Get("ilgpu-cpu"), 2, 2);
        Action[] mixes =
        [
            () => _ = onCpu + onSim,
            () => _ = onSim * onCpu,
            () => MatMulOp.MatMul(onCpu, onSim),
            () => ShapeOp.Concat([onSim, onCpu], 0),
            () => onCpu.CopyFrom(onSim),
        ];
        foreach (var mix in mixes)
        {
            var ex = Assert.ThrowsAny<Exception>(mix);
            Assert.True(ex is ArgumentException or InvalidOperationException, $"got {ex.GetType().Name}: {ex.Message}");
            Assert.Contains("'cpu'", ex.Message);
            Assert.Contains("'ilgpu-cpu'", ex.Message);
        }
    }

    [Fact]
    public void ToDeviceMovesDataBetweenBackends()
    {
        using var scope = new TensorScope();
        var onCpu = Tensor.FromArray(Cpu, [1f, 2f, 3f], 3);
        var onSim = onCpu.ToDevice(fixture.Get("ilgpu-cpu"));
        Assert.Same(fixture.Get("ilgpu-cpu"), onSim.Backend);
        Assert.Equal(new[] { 2f, 4f, 6f }, (onSim + onSim).ToDevice(Cpu).ToArray());
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cpu:1")]
    [InlineData("ilgpu-cpu:0")]
    [InlineData("cuda:0:1")]
    [InlineData("cuda:-1")]
    [InlineData("opencl:")]
    public void UnknownDeviceSpecsListTheAcceptedValues(string spec)
    {
        var ex = Assert.Throws<ArgumentException>(() => Devices.Open(spec));
        Assert.Contains(spec, ex.Message);
        Assert.Contains(Devices.Accepted, ex.Message);
    }

    [Fact]
    public void DeviceSpecsAreCaseAndSpaceInsensitive()
    {
        Assert.Same(CpuBackend.Instance, Devices.Open(" CPU "));
        using var simulator = Devices.Open("ILGPU-CPU");
        Assert.Equal("ilgpu-cpu", simulator.Name);
    }

    [Fact]
    public void AutoPicksCudaThenOpenClThenCpu()
    {
        var listed = Devices.List().Select(d => d.Spec).ToList();
        string expected = listed.FirstOrDefault(s => s.StartsWith("cuda", StringComparison.Ordinal))
            ?? listed.FirstOrDefault(s => s.StartsWith("opencl", StringComparison.Ordinal)) ?? "cpu";
        var backend = Devices.Open("auto");
        Assert.Equal(expected, backend.Name);
        if (backend is not CpuBackend) backend.Dispose();
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:3")]
    public void OpeningAMissingCudaDeviceGivesAClearError(string spec)
    {
        bool hasCuda = Devices.List().Any(d => d.Spec.StartsWith("cuda", StringComparison.Ordinal));
        Exception? ex = Record.Exception(() => Devices.Open(spec).Dispose());
        if (hasCuda && spec == "cuda")
            Assert.Null(ex);
        else
        {
            var argument = Assert.IsType<ArgumentException>(ex);
            Assert.Contains("not present", argument.Message);
            Assert.Contains("cuda", argument.Message);
        }
    }
}
