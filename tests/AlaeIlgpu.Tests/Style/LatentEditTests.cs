using System.Text;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Tests.Alae;

namespace AlaeIlgpu.Tests.Style;

/// <summary>The parts of <c>alae edit</c>: the FROM:TO:COUNT steps, the direction file (float64 as the official ones) and the walk.</summary>
public class LatentEditTests
{
    [Theory]
    [InlineData("-3:3:7", new[] { -3f, -2f, -1f, 0f, 1f, 2f, 3f })]
    [InlineData("0.5:1.5:3", new[] { 0.5f, 1f, 1.5f })]
    [InlineData("2:-2:2", new[] { 2f, -2f })]
    [InlineData("4:9:1", new[] { 4f })]
    public void StepsAreEvenlySpacedFromFromToTo(string text, float[] expected) =>
        Assert.Equal(expected, LatentEdit.ParseSteps(text, "--steps"));

    [Theory]
    [InlineData("-3:3")]
    [InlineData("-3:3:7:1")]
    [InlineData("a:3:7")]
    [InlineData("-3:3:0")]
    [InlineData("-3:3:2.5")]
    [InlineData("-3:nan:7")]
    [InlineData("")]
    public void MalformedStepsAreRefusedNamingTheOption(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => LatentEdit.ParseSteps(text, "--steps"));
        Assert.Contains($"--steps '{text}' must be FROM:TO:COUNT", error.Message);
    }

    [Fact]
    public void AFloat64DirectionAsTheOfficialFilesReadsAndAWrongLengthIsRefused()
    {
        using var dir = new TempDirectory();
        string path = dir.File("direction_0.npy");
        double[] values = Enumerable.Range(0, 16).Select(i => i / 7.0).ToArray();
        WriteFloat64Npy(path, values);
        Assert.Equal(values.Select(v => (float)v), LatentEdit.ReadDirection(path, 16, "--direction"));
        var error = Assert.Throws<InvalidDataException>(() => LatentEdit.ReadDirection(path, 512, "--direction"));
        Assert.Contains($"--direction {path}: shape (16), the model needs a direction of shape (512,)", error.Message);
    }

    [Fact]
    public void TheWalkAddsEachStepTimesTheDirectionRowByImage()
    {
        float[] w = [1, 2, 10, 20];        // two images, latent 2
        float[] direction = [1, -1];
        float[] walked = LatentEdit.Walk(w, 2, direction, [-1f, 0f, 2f]);
        Assert.Equal(new float[] { 0, 3, 1, 2, 3, 0, 9, 21, 10, 20, 12, 18 }, walked);
    }

    // A NumPy .npy of float64 '<f8' (what np.save writes for the official principal directions).
    private static void WriteFloat64Npy(string path, double[] values)
    {
        string dictionary = $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({values.Length},), }}";
        string header = dictionary.PadRight(64 - 10 - 1) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, 0]);
        file.Write(Encoding.ASCII.GetBytes(header));
        foreach (double v in values) file.Write(BitConverter.GetBytes(v));
    }
}
