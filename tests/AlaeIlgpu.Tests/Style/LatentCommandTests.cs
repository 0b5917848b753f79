using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Cli;
using AlaeIlgpu.Tests.Alae;
using SixLabors.ImageSharp;
using Xunit.Abstractions;

namespace AlaeIlgpu.Tests.Style;

/// <summary>
/// <c>alae encode</c>, <c>decode</c>, <c>reconstruct --images</c> and <c>edit</c> on the imported official tiny32 model:
/// encoding the fixture's PNGs and decoding with noise off reproduces the official E(x) and G(E(x)); the edit grid has a
/// row per image and a column per step; random noise differs from pass to pass and repeats with its seed; bad options
/// are refused naming them.
/// </summary>
[Collection(MlpConsoleCollection.Name)]
public class LatentCommandTests(ITestOutputHelper output)
{
    private static (int ExitCode, string Output, string Error) Alae(params string[] args) => MlpCommandTests.Alae(args);

    [Fact]
    public void EncodeThenDecodeOfTheImportedModelReproducesTheOfficialReconstruction()
    {
        using var dir = new TempDirectory();
        string run = Import(dir);
        string w = dir.File("w.npy"), images = dir.File("decoded"), raw = dir.File("reconstruct.npy");
        Ok(Alae("encode", run, "--device", "cpu", "--images", Fixtures.Tiny32("images"), "--out", w));
        Ok(Alae("decode", run, "--device", "cpu", "--w", w, "--noise", "off", "--out", images, "--npy", raw));

        var encoded = NpyFile.Read(w);
        Assert.Equal([4, 16], encoded.Shape);
        Check("encode.npy", encoded, OfficialForwardTests.OutputTolerance);
        var decoded = NpyFile.Read(raw);
        Assert.Equal([4, 3, 32, 32], decoded.Shape);
        Check("reconstruct.npy", decoded, OfficialForwardTests.OutputTolerance);
        Assert.Equal(4, Directory.GetFiles(images, "*.png").Length);
        Assert.Equal((32, 32), Size(Path.Combine(images, "0003.png")));
    }

    [Fact]
    public void ReconstructImagesAndEditWriteTheirGrids()
    {
        using var dir = new TempDirectory();
        string run = Import(dir);
        Ok(Alae("reconstruct", run, "--device", "cpu", "--images", Fixtures.Tiny32("images")));
        // 4 images over 4 reconstructions: 2 rows of 4 cells of 32 px at 3x with 2 px gutters
        Assert.Equal((2 + 4 * 98, 2 + 2 * 98), Size(Path.Combine(run, "reconstructions.png")));

        string direction = dir.File("direction.npy");
        NpyFile.Write(direction, new NumpyArray([16], Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? 0.25f : -0.25f).ToArray()));
        var (_, text, _) = Ok(Alae("edit", run, "--device", "cpu", "--images", Fixtures.Tiny32("images"), "--direction", direction, "--steps", "-2:2:5"));
        Assert.Contains("steps -2 -1 0 1 2", text);
        Assert.Equal((2 + 5 * 98, 2 + 4 * 98), Size(Path.Combine(run, "edit.png")));
    }

    [Fact]
    public void BadStepsADirectionOfTheWrongLengthAndAMisshapedWAreRefusedByOption()
    {
        using var dir = new TempDirectory();
        string run = Import(dir);
        string direction = dir.File("direction.npy");
        NpyFile.Write(direction, new NumpyArray([15], new float[15]));
        string images = Fixtures.Tiny32("images");

        var (code, _, error) = Alae("edit", run, "--device", "cpu", "--images", images, "--direction", direction, "--steps", "-3:3");
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("--steps '-3:3' must be FROM:TO:COUNT", error);
        (code, _, error) = Alae("edit", run, "--device", "cpu", "--images", images, "--direction", direction);
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains($"--direction {direction}: shape (15)", error);
        (code, _, error) = Alae("decode", run, "--device", "cpu", "--w", direction, "--out", dir.File("out"));
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("the model needs [N, 16]", error);
        (code, _, error) = Alae("encode", run, "--device", "cpu", "--images", dir.File("none"), "--out", dir.File("w.npy"));
        Assert.Equal(ExitCodes.Error, code);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public void RandomNoiseDiffersAcrossPassesAndRepeatsWithItsSeed()
    {
        using var dir = new TempDirectory();
        string run = Import(dir);
        const int Rows = 2 * LatentCodec.MaxBatch;   // tiny32 decodes MaxBatch rows a pass: two passes
        var first = NpyFile.Read(Fixtures.Tiny32("encode.npy")).Data[..StyleFixture.Shape.LatentSize];
        string w = dir.File("w.npy");
        NpyFile.Write(w, new NumpyArray([Rows, first.Length], Enumerable.Repeat(first, Rows).SelectMany(v => v).ToArray()));

        float[][] Decode(string seed, string name)
        {
            string npy = dir.File(name + ".npy");
            Ok(Alae("decode", run, "--device", "cpu", "--w", w, "--noise", "random", "--seed", seed, "--out", dir.File(name), "--npy", npy));
            var images = NpyFile.Read(npy).Data;
            return images.Chunk(images.Length / Rows).ToArray();
        }

        var a = Decode("3", "a");
        Assert.NotEqual(a[0], a[1]);                          // within a pass
        Assert.NotEqual(a[0], a[LatentCodec.MaxBatch]);       // the same row position in the next pass
        Assert.Equal(a, Decode("3", "again"));
        Assert.NotEqual(a[0], Decode("4", "other")[0]);
    }

    private static string Import(TempDirectory dir)
    {
        Ok(Alae("import", Fixtures.Tiny32("model.pth"), "--runs", dir.Path, "--name", "tiny32"));
        return Path.Combine(dir.Path, "tiny32");
    }

    private static (int, string, string) Ok((int Code, string Output, string Error) result)
    {
        Assert.True(result.Code == ExitCodes.Ok, result.Output + result.Error);
        return result;
    }

    private static (int Width, int Height) Size(string png)
    {
        var info = Image.Identify(png);
        return (info.Width, info.Height);
    }

    private void Check(string file, NumpyArray actual, double tolerance)
    {
        double relative = StyleFixture.AssertClose(NpyFile.Read(Fixtures.Tiny32(file)).Data, actual.Data, tolerance, file);
        output.WriteLine($"{file}: largest difference {relative:G3} of the largest magnitude");
    }
}
