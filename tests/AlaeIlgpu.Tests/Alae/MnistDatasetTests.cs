using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Tests.Alae;

public sealed class MnistDatasetTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private void WritePart(string imagesName, string labelsName, int count, byte labelBase)
    {
        byte[] pixels = Enumerable.Range(0, count * 4).Select(i => (byte)i).ToArray();
        byte[] labels = Enumerable.Range(0, count).Select(i => (byte)((labelBase + i) % 10)).ToArray();
        IdxFile.Write(_dir.File(imagesName), new IdxArray([count, 2, 2], pixels));
        IdxFile.Write(_dir.File(labelsName), new IdxArray([count], labels));
    }

    [Fact]
    public void LoadsStandardNamesAndTolerantSpellings()
    {
        WritePart("train-images-idx3-ubyte", "train-labels.idx1-ubyte.gz", 5, 0);
        WritePart("t10k-images.idx3-ubyte.gz", "t10k-labels-idx1-ubyte", 3, 4);

        MnistDataset data = MnistDataset.Load(_dir.Path);

        Assert.Equal(5, data.Train.Count);
        Assert.Equal(3, data.Test.Count);
        Assert.Equal([4, 5, 6], data.Test.Labels);
        Assert.Equal(2, data.Train.Rows);
        Assert.Equal(1f / 255f, data.Train.Images[1]);
    }

    [Fact]
    public void MissingFileListsTheNamesTried()
    {
        WritePart("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 2, 0);

        var error = Assert.Throws<FileNotFoundException>(() => MnistDataset.Load(_dir.Path));

        Assert.Contains("t10k-images-idx3-ubyte.gz", error.Message);
        Assert.Contains("t10k-images.idx3-ubyte", error.Message);
    }

    [Fact]
    public void MissingDirectoryIsReported()
    {
        string missing = _dir.File("nope");

        var error = Assert.Throws<DirectoryNotFoundException>(() => MnistDataset.Load(missing));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void CountMismatchAcrossFilesNamesBothFiles()
    {
        WritePart("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 2, 0);
        WritePart("t10k-images-idx3-ubyte", "unused", 3, 0);
        IdxFile.Write(_dir.File("t10k-labels-idx1-ubyte"), new IdxArray([2], [1, 2]));

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_dir.Path));

        Assert.Contains("t10k-images-idx3-ubyte holds 3 images", error.Message);
        Assert.Contains("t10k-labels-idx1-ubyte holds 2 labels", error.Message);
    }
}
