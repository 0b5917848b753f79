using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Tests.Alae;

public sealed class CsvAppenderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EachRowIsOnDiskBeforeDispose()
    {
        string path = _dir.File("losses.csv");
        using var csv = new CsvAppender(path, ["step", "loss_d", "loss_g"]);

        csv.Append(1, 0.5, -1.25);
        csv.Append(2, 1e-9, 3);

        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        Assert.Equal("step,loss_d,loss_g\n1,0.5,-1.25\n2,1E-09,3\n", reader.ReadToEnd());
    }

    [Fact]
    public void ReopeningAppendsWithoutASecondHeader()
    {
        string path = _dir.File("losses.csv");
        using (var csv = new CsvAppender(path, ["step", "loss"])) csv.Append(1, 2);
        using (var csv = new CsvAppender(path, ["step", "loss"])) csv.Append(2, 3);

        Assert.Equal(["step,loss", "1,2", "2,3"], File.ReadAllLines(path));
    }

    [Fact]
    public void DifferentHeaderOrWrongValueCountIsRejected()
    {
        string path = _dir.File("losses.csv");
        using (var csv = new CsvAppender(path, ["step", "loss"]))
        {
            Assert.Throws<ArgumentException>(() => csv.Append(1));
        }

        var error = Assert.Throws<InvalidDataException>(() => new CsvAppender(path, ["step", "other"]));
        Assert.Contains("step,loss", error.Message);
    }
}
