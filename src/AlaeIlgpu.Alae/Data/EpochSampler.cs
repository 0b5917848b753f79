namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// Which dataset rows each training sample uses: sample s of a run is row order(e)[s mod N] with epoch e = s / N, and
/// every epoch is a fresh permutation seeded by (seed, e). The rows of any batch follow from its first sample number
/// alone, so resuming a run needs no loader state, and every model family draws its batches the same way.
/// </summary>
public sealed class EpochSampler
{
    private readonly ulong _seed;
    private int[]? _order;
    private long _orderEpoch = -1;

    /// <summary>A sampler over <paramref name="count"/> rows, shuffled per epoch with <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    public EpochSampler(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        (Count, _seed) = (count, seed);
    }

    /// <summary>Rows in the dataset.</summary>
    public int Count { get; }

    /// <summary>Passes over the data that <paramref name="samples"/> drawn samples make.</summary>
    public double Epochs(long samples) => (double)samples / Count;

    /// <summary>The rows of samples <paramref name="firstSample"/> .. <paramref name="firstSample"/> + batch - 1.</summary>
    public int[] Rows(long firstSample, int batch)
    {
        var rows = new int[batch];
        for (int j = 0; j < batch; j++)
        {
            long sample = firstSample + j;
            long epoch = sample / Count;
            if (epoch != _orderEpoch)
            {
                _order = new RandomGenerator(_seed, (ulong)epoch).Permutation(Count);
                _orderEpoch = epoch;
            }
            rows[j] = _order![sample % Count];
        }
        return rows;
    }
}
