using System.Numerics;

namespace AlaeIlgpu.Alae.Data;

/// <summary>
/// The levels of a multi-resolution image set: sides 4, 8, ..., R (R a power of two), each level made from the one
/// above by 2x2 average pooling of byte pixels, rounded to the nearest integer with ties to even (as StyleGAN's
/// dataset tool, which made the official FFHQ and bedroom sets, rounds).
/// </summary>
public static class LevelPyramid
{
    /// <summary>Side of the smallest level.</summary>
    public const int SmallestSide = 4;

    /// <summary>Side of the largest level a set may have (2^13: one 3-channel image is then 192 MiB).</summary>
    public const int LargestSide = 1 << 13;

    /// <summary>Whether <paramref name="resolution"/> is a power of two in [<see cref="SmallestSide"/>, <see cref="LargestSide"/>].</summary>
    public static bool IsValidResolution(int resolution) =>
        resolution is >= SmallestSide and <= LargestSide && BitOperations.IsPow2(resolution);

    /// <summary>Sides of every level of a set whose top level is <paramref name="resolution"/>, smallest first.</summary>
    /// <exception cref="ArgumentException">The resolution is not a power of two in the allowed range.</exception>
    public static int[] Resolutions(int resolution)
    {
        if (!IsValidResolution(resolution))
            throw new ArgumentException($"Resolution {resolution} is not a power of two in [{SmallestSide}, {LargestSide}].", nameof(resolution));
        int count = BitOperations.Log2((uint)resolution) - 1;
        var sides = new int[count];
        for (int i = 0; i < count; i++) sides[i] = SmallestSide << i;
        return sides;
    }

    /// <summary>
    /// Pools <paramref name="images"/> images [images, channels, side, side] in <paramref name="source"/> to
    /// [images, channels, side/2, side/2] in <paramref name="destination"/>.
    /// </summary>
    public static void Halve(ReadOnlySpan<byte> source, Span<byte> destination, int images, int channels, int side)
    {
        int half = side / 2;
        int planes = images * channels;
        if (source.Length < planes * side * side || destination.Length < planes * half * half)
            throw new ArgumentException($"Halving {images} images of {channels}x{side}x{side} needs {planes * side * side} source and {planes * half * half} destination bytes.");
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<byte> plane = source.Slice(p * side * side, side * side); // [side, side]
            Span<byte> target = destination.Slice(p * half * half, half * half);    // [half, half]
            for (int y = 0; y < half; y++)
            {
                ReadOnlySpan<byte> top = plane.Slice(2 * y * side, side), bottom = plane.Slice((2 * y + 1) * side, side);
                for (int x = 0; x < half; x++)
                    target[y * half + x] = Average(top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1]);
            }
        }
    }

    /// <summary>sum / 4 rounded to the nearest integer, ties (x.5) to the even neighbour.</summary>
    private static byte Average(int sum)
    {
        int quotient = sum >> 2, remainder = sum & 3;
        int rounded = remainder switch { < 2 => quotient, > 2 => quotient + 1, _ => quotient + (quotient & 1) };
        return (byte)rounded;
    }
}
