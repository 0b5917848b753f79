using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Tests.Data;

public sealed class BatchLoaderTests
{
    private const int Count = 10, Channels = 3, Resolution = 8;
    private readonly byte[] _top = PackedImageFileTests.Pixels(Count, Channels, Resolution);

    private InMemoryImageDataset Dataset() => new(_top, Count, Channels, Resolution, "test set");

    private static BatchAssembler Assembler(IImageDataset set, bool mirror, ulong seed = 5) =>
        new(set, new EpochSampler(set.Count, seed), mirror, seed);

    [Fact]
    public void PixelsAreTheSampledBytesScaledToMinusOneOne()
    {
        using var set = Dataset();
        var request = new BatchRequest(FirstSample: 13, BatchSize: 4, Resolution: 4);
        float[] batch = new float[Assembler(set, mirror: false).Length(request)];

        Assembler(set, mirror: false).Fill(request, batch);

        int[] rows = new EpochSampler(Count, 5).Rows(13, 4);
        byte[] expected = new byte[batch.Length];
        set.Read(rows, 4, expected);
        Assert.Equal(expected.Select(b => b / 127.5f - 1f), batch);
        Assert.All(batch, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void ABatchDependsOnlyOnItsSampleNumbersSoAResumedRunSeesTheSame()
    {
        using var set = Dataset();
        var whole = new BatchRequest(0, 2 * Count + 3, Resolution);
        var resumed = new BatchRequest(Count + 1, 7, Resolution);
        float[] all = new float[Assembler(set, true).Length(whole)], part = new float[Assembler(set, true).Length(resumed)];

        Assembler(set, mirror: true).Fill(whole, all);
        Assembler(set, mirror: true).Fill(resumed, part);

        int image = Channels * Resolution * Resolution;
        Assert.Equal(all.AsSpan((Count + 1) * image, part.Length).ToArray(), part);
    }

    [Fact]
    public void MirroringFlipsAboutHalfTheImagesLeftRight()
    {
        using var set = Dataset();
        BatchAssembler mirrored = Assembler(set, mirror: true), plain = Assembler(set, mirror: false);
        var request = new BatchRequest(0, 400, 4);
        float[] flipped = new float[mirrored.Length(request)], straight = new float[flipped.Length];

        mirrored.Fill(request, flipped);
        plain.Fill(request, straight);

        int flips = Enumerable.Range(0, 400).Count(s => mirrored.IsFlipped(s));
        Assert.InRange(flips, 160, 240); // 400 fair coins: 200 +- 4 standard deviations (10 each)
        for (int s = 0; s < 400; s++)
        {
            for (int row = 0; row < Channels * 4; row++)
            {
                int start = (s * Channels * 4 + row) * 4;
                float[] expected = straight[start..(start + 4)];
                if (mirrored.IsFlipped(s)) Array.Reverse(expected);
                Assert.Equal(expected, flipped[start..(start + 4)]);
            }
        }
        Assert.False(plain.IsFlipped(1));
    }

    [Fact]
    public void TheLoaderDeliversTheRequestsInOrderThenStops()
    {
        using var set = Dataset();
        BatchRequest[] requests = [new(0, 3, 4), new(3, 3, 8), new(6, 2, 8)];
        using var loader = new BatchLoader(Assembler(set, mirror: true), requests);
        var reference = Assembler(set, mirror: true);

        foreach (BatchRequest request in requests)
        {
            Assert.True(loader.TryNext(out ImageBatch? batch));
            using (batch)
            {
                float[] expected = new float[reference.Length(request)];
                reference.Fill(request, expected);
                Assert.Equal(request, batch.Request);
                Assert.Equal(expected, batch.Pixels.ToArray());
            }
        }
        Assert.False(loader.TryNext(out _));
    }

    [Fact]
    public void AReadErrorSurfacesOnTheConsumerWithItsMessage()
    {
        using var set = new FailingDataset(Dataset(), failAfterReads: 2);
        using var loader = new BatchLoader(Assembler(set, mirror: false), Endless(4));

        for (int i = 0; i < 2; i++)
        {
            Assert.True(loader.TryNext(out ImageBatch? batch));
            batch.Dispose();
        }
        var error = Assert.Throws<InvalidDataException>(() => loader.TryNext(out _));
        Assert.Equal(FailingDataset.Message, error.Message);
    }

    [Fact]
    public void TheLoaderStaysBoundedAheadAndDisposingStopsItsThread()
    {
        using var set = new FailingDataset(Dataset(), failAfterReads: int.MaxValue);
        var loader = new BatchLoader(Assembler(set, mirror: false), Endless(2), depth: 2);
        Assert.True(loader.TryNext(out ImageBatch? first));
        first.Dispose();
        Thread.Sleep(200);

        Assert.InRange(set.Reads, 1, 1 + loader.Depth + 1); // consumed, queued, and one waiting to be queued
        loader.Dispose();
        Assert.False(loader.IsLoading);
        Assert.Throws<ObjectDisposedException>(() => loader.TryNext(out _));
    }

    private static IEnumerable<BatchRequest> Endless(int batch)
    {
        for (long sample = 0; ; sample += batch) yield return new BatchRequest(sample, batch, 4);
    }

    /// <summary>Counts reads and throws <see cref="InvalidDataException"/> once a number of them succeeded.</summary>
    private sealed class FailingDataset(IImageDataset inner, int failAfterReads) : IImageDataset
    {
        public const string Message = "damaged.alaepack: level 4x4 does not match its SHA-256 checksum.";
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);
        public int Count => inner.Count;
        public int Channels => inner.Channels;
        public int Resolution => inner.Resolution;
        public IReadOnlyList<int> Resolutions => inner.Resolutions;

        public void Read(ReadOnlySpan<int> rows, int resolution, Span<byte> destination)
        {
            if (Interlocked.Increment(ref _reads) > failAfterReads) throw new InvalidDataException(Message);
            inner.Read(rows, resolution, destination);
        }

        public void Dispose() => inner.Dispose();
    }
}
