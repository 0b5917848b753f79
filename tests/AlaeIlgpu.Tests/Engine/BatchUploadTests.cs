using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// Batches uploaded through page-locked staging (<see cref="Tensor.FromBatch"/>, gathered rows) arrive intact on the
/// simulator without a host wait, also when several are in flight and their host arrays are reused at once.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class BatchUploadTests(SimulatorFixture fixture)
{
    [Fact]
    public void StagedBatchesArriveIntactWithoutWaiting()
    {
        const int Batches = 5;
        var simulator = fixture.Simulator;
        using var scope = new TensorScope();
        var source = Tensor.FromArray(simulator, TestData.Normal(1, 40 * 6), 40, 6);   // [40, 6]
        var host = new float[3 * 4];
        var expected = new List<float[]>();
        var uploaded = new List<Tensor>();

        long before = simulator.HostSynchronizations;
        for (int b = 0; b < Batches; b++)
        {
            for (int i = 0; i < host.Length; i++) host[i] = b * 100 + i;   // the same host array, rewritten per batch
            expected.Add((float[])host.Clone());
            uploaded.Add(Tensor.FromBatch(simulator, host, 3, 4));
            uploaded.Add(ShapeOp.GatherRows(source, [b, 39 - b, b * 3]));
        }
        long waits = simulator.HostSynchronizations - before;

        Assert.Equal(0, waits);
        float[] rows = source.ToArray();
        for (int b = 0; b < Batches; b++)
        {
            Assert.Equal(expected[b], uploaded[2 * b].ToArray());
            int[] picked = [b, 39 - b, b * 3];
            Assert.Equal(picked.SelectMany(r => rows.AsSpan(r * 6, 6).ToArray()), uploaded[2 * b + 1].ToArray());
        }
    }
}
