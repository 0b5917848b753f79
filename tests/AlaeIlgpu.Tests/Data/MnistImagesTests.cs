using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Tests.Data;

public sealed class MnistImagesTests
{
    [Fact]
    public void DigitsArePaddedByTwoPixelsToThirtyTwo()
    {
        float[] digit = new float[28 * 28];
        digit[0] = 1f;                 // top-left corner
        digit[28 * 28 - 1] = 128 / 255f; // bottom-right corner
        using var set = MnistImages.FromSet(new MnistSet(digit, [3], 28, 28), "one digit");
        byte[] image = new byte[32 * 32];

        set.Read([0], 32, image);

        Assert.Equal((1, 1, 32), (set.Count, set.Channels, set.Resolution));
        Assert.Equal([4, 8, 16, 32], set.Resolutions);
        Assert.Equal(255, image[2 * 32 + 2]);
        Assert.Equal(128, image[29 * 32 + 29]);
        Assert.Equal(255 + 128, image.Sum(b => b));
    }

    [Fact]
    public void EmbeddedDigitsOpenByName()
    {
        using IImageDataset set = ImageDatasets.Open(MnistImages.EmbeddedSource);
        byte[] image = new byte[32 * 32];

        set.Read([0], 32, image);

        Assert.Equal(EmbeddedMnist.DefaultTrainCount, set.Count);
        Assert.True(image.Max() > 200, "a digit has bright strokes");
        Assert.All(Enumerable.Range(0, 32), x => Assert.Equal(0, image[x] + image[32 + x])); // the two padding rows
    }
}
