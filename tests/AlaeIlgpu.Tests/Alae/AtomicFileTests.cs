using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Tests.Alae;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void WriterThatThrowsLeavesTheOldFileIntactAndNoTemporaryFiles()
    {
        string path = _dir.File("checkpoint.bin");
        File.WriteAllText(path, "old content");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial new"u8);
            throw new InvalidOperationException("disk full");
        }));

        Assert.Equal("old content", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void ReplacesExistingFileAndCreatesMissingDirectories()
    {
        string path = Path.Combine(_dir.Path, "run", "nested", "config.json");

        AtomicFile.WriteAllText(path, "first");
        AtomicFile.WriteAllText(path, "second");

        Assert.Equal("second", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}
