namespace AlaeIlgpu;

/// <summary>
/// A seeded source of Philox streams: each draw uses the next stream offset, so a run is reproducible from
/// (seed, offset) on every backend, and the state is two numbers that a checkpoint can save.
/// </summary>
public sealed class RandomGenerator
{
    /// <summary>Creates a generator at offset 0.</summary>
    public RandomGenerator(ulong seed, ulong offset = 0) => (Seed, Offset) = (seed, offset);

    /// <summary>The key of every stream.</summary>
    public ulong Seed { get; }

    /// <summary>The next stream to hand out.</summary>
    public ulong Offset { get; private set; }

    /// <summary>Returns the current stream offset and advances.</summary>
    public ulong NextStream() => Offset++;

    /// <summary>Restores a saved offset.</summary>
    public void Restore(ulong offset) => Offset = offset;

    /// <summary>A host-side integer in [0, bound) drawn from the next stream (for shuffles and index picks).</summary>
    public int NextInt(int bound)
    {
        var (x0, x1) = Kernels.Philox.Words((uint)Seed, (uint)(Seed >> 32), (uint)Offset, (uint)(Offset >> 32), 0);
        Offset++;
        return (int)((((ulong)x1 << 32) | x0) % (ulong)bound);
    }

    /// <summary>A seeded permutation of 0..n-1 (Fisher-Yates over one Philox stream).</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        ulong stream = NextStream();
        for (int i = n - 1; i > 0; i--)
        {
            var (x0, x1) = Kernels.Philox.Words((uint)Seed, (uint)(Seed >> 32), (uint)stream, (uint)(stream >> 32), (uint)i);
            int j = (int)((((ulong)x1 << 32) | x0) % (ulong)(i + 1));
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
