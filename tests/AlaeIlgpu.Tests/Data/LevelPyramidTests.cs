using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Tests.Data;

public sealed class LevelPyramidTests
{
    [Fact]
    public void HalvingAveragesEach2x2BlockRoundingTiesToEven()
    {
        // One 1-channel 4x4 image; block sums 5 (1.25 -> 1), 7 (1.75 -> 2), 10 (2.5 -> 2), 1018 (254.5 -> 254).
        byte[] image =
        [
            1, 1, 1, 2,
            1, 2, 2, 2,
            2, 3, 255, 255,
            2, 3, 255, 253,
        ];
        byte[] half = new byte[4];

        LevelPyramid.Halve(image, half, images: 1, channels: 1, side: 4);

        Assert.Equal([1, 2, 2, 254], half);
    }

    [Fact]
    public void ResolutionsRunFromFourToTheTop()
    {
        Assert.Equal([4, 8, 16, 32], LevelPyramid.Resolutions(32));
        Assert.Equal([4], LevelPyramid.Resolutions(4));
        Assert.Throws<ArgumentException>(() => LevelPyramid.Resolutions(48));
        Assert.Throws<ArgumentException>(() => LevelPyramid.Resolutions(2));
    }
}
