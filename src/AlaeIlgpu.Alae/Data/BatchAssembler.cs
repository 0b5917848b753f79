namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// Builds training batches on the calling thread: rows from an <see cref="EpochSampler"/>, bytes from an
/// <see cref="IImageDataset"/>, scaled to [-1, 1] as x / 127.5 - 1 (as the official code), and when mirroring is on,
/// each image flipped left-right with probability 1/2. Whether sample s is flipped is a hash of (seed, s), not a draw
/// from a stateful generator, so a resumed run flips exactly as the uninterrupted one would.
/// </summary>
/// <remarks>Not thread-safe (the sampler caches its epoch's permutation); <see cref="BatchLoader"/> owns one per thread.</remarks>
public sealed class BatchAssembler
{
    private readonly IImageDataset _dataset;
    private readonly EpochSampler _sampler;
    private readonly ulong _mirrorSeed;
    private byte[] _bytes = [];

    /// <summary>Batches of <paramref name="dataset"/> in the order of <paramref name="sampler"/>.</summary>
    /// <param name="dataset">The images.</param>
    /// <param name="sampler">Which rows each sample uses; its count must equal the dataset's.</param>
    /// <param name="mirror">Whether images are flipped left-right at random.</param>
    /// <param name="mirrorSeed">Seed of the flips (for example the run's seed).</param>
    public BatchAssembler(IImageDataset dataset, EpochSampler sampler, bool mirror, ulong mirrorSeed)
    {
        if (sampler.Count != dataset.Count)
            throw new ArgumentException($"The sampler covers {sampler.Count} rows but the dataset has {dataset.Count}.", nameof(sampler));
        (_dataset, _sampler, Mirror, _mirrorSeed) = (dataset, sampler, mirror, mirrorSeed);
    }

    /// <summary>Whether images are flipped left-right at random.</summary>
    public bool Mirror { get; }

    /// <summary>Colour channels C of every batch.</summary>
    public int Channels => _dataset.Channels;

    /// <summary>Floats a batch of <paramref name="request"/> takes: [B, C, R, R].</summary>
    public int Length(BatchRequest request) => checked(request.BatchSize * _dataset.Channels * request.Resolution * request.Resolution);

    /// <summary>Whether sample <paramref name="sample"/> is mirrored (always false when mirroring is off).</summary>
    public bool IsFlipped(long sample) =>
        Mirror && (new SplitMix64(_mirrorSeed ^ unchecked((ulong)sample * 0xD1B54A32D192ED03UL)).NextUInt64() >> 63) != 0;

    /// <summary>Fills <paramref name="destination"/> ([B, C, R, R], exactly <see cref="Length"/> floats) with the batch.</summary>
    /// <exception cref="ArgumentException">The side is not stored or the destination has the wrong length.</exception>
    public void Fill(BatchRequest request, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(request.FirstSample);
        if (destination.Length != Length(request))
            throw new ArgumentException($"A batch of {request.BatchSize} x {_dataset.Channels}x{request.Resolution}x{request.Resolution} needs {Length(request)} floats, not {destination.Length}.", nameof(destination));
        if (_bytes.Length < destination.Length) _bytes = new byte[destination.Length];
        Span<byte> bytes = _bytes.AsSpan(0, destination.Length);
        _dataset.Read(_sampler.Rows(request.FirstSample, request.BatchSize), request.Resolution, bytes);
        int side = request.Resolution, imageLength = _dataset.Channels * side * side;
        for (int b = 0; b < request.BatchSize; b++)
        {
            Scale(bytes.Slice(b * imageLength, imageLength), destination.Slice(b * imageLength, imageLength), side,
                IsFlipped(request.FirstSample + b));
        }
    }

    /// <summary>x / 127.5 - 1 for every pixel of one image [C, side, side], columns reversed when <paramref name="flip"/>.</summary>
    private static void Scale(ReadOnlySpan<byte> image, Span<float> destination, int side, bool flip)
    {
        for (int row = 0; row < image.Length; row += side)
        {
            ReadOnlySpan<byte> source = image.Slice(row, side);
            Span<float> target = destination.Slice(row, side);
            for (int x = 0; x < side; x++) target[flip ? side - 1 - x : x] = ImageDecoding.ToSigned(source[x]);
        }
    }
}
