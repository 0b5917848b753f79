using System.Collections;
using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>
/// The .pth reader on hand-made zip checkpoints: float16 storages widened, strided views with an offset gathered in C
/// order, integer tensors refused by name, unknown classes kept as inert placeholders, and damaged pickles refused
/// naming the file.
/// </summary>
public class TorchCheckpointTests
{
    // float16 0, 1, ..., 5 (exactly representable).
    private static readonly byte[] HalfStorage = Enumerable.Range(0, 6).SelectMany(i => BitConverter.GetBytes((Half)i)).ToArray();

    [Fact]
    public void AHalfTensorViewWithOffsetAndStridesReadsInCOrderAsFloat32()
    {
        using var dir = new TempDirectory();
        string path = dir.File("view.pth");
        // t = storage[1:].as_strided((2, 2), (1, 2)): a transposed 2x2 view [[1, 3], [2, 4]].
        var pickle = new TorchPickleWriter().EmptyDict().Mark().Text("t").RebuildTensor("HalfStorage", "0", 6, 1, [2, 2], [1, 2]).SetItems().Finish();
        TorchFiles.WriteZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HalfStorage });

        using var checkpoint = TorchCheckpoint.Open(path);
        var tensor = Assert.IsType<TorchTensor>(Assert.IsAssignableFrom<Hashtable>(checkpoint.Root)["t"]);
        var array = checkpoint.Read(tensor, "t");
        Assert.Equal([2, 2], array.Shape);
        Assert.Equal([1f, 3f, 2f, 4f], array.Data);
    }

    [Fact]
    public void AnIntegerTensorIsRefusedByNameAndUnknownClassesStayInert()
    {
        using var dir = new TempDirectory();
        string path = dir.File("mixed.pth");
        // {"step": LongStorage tensor, "tracker": numpy.core.multiarray.scalar("x") with state {"n": 1}}
        var pickle = new TorchPickleWriter().EmptyDict().Mark()
            .Text("step").RebuildTensor("LongStorage", "0", 1, 0, [1], [1])
            .Text("tracker").Global("numpy.core.multiarray", "scalar").Text("x").Op(0x85).Reduce().EmptyDict().Text("n").Int(1).Op((byte)'s').Op((byte)'b')
            .SetItems().Finish();
        TorchFiles.WriteZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = new byte[8] });

        using var checkpoint = TorchCheckpoint.Open(path);
        var root = Assert.IsAssignableFrom<Hashtable>(checkpoint.Root);
        var tracker = Assert.IsType<PickledObject>(root["tracker"]);
        Assert.Equal("numpy.core.multiarray.scalar", tracker.ClassName);
        Assert.Equal(["x"], tracker.Arguments);
        Assert.Equal(1, Assert.IsAssignableFrom<Hashtable>(tracker.State)["n"]);
        var error = Assert.Throws<InvalidDataException>(() => checkpoint.Read((TorchTensor)root["step"]!, "aux.step"));
        Assert.Contains(path, error.Message);
        Assert.Contains("'aux.step' is stored as torch.LongStorage", error.Message);
    }

    [Fact]
    public void AnUnknownOpcodeOrAMissingStorageIsRefusedNamingTheFile()
    {
        using var dir = new TempDirectory();
        string badOpcode = dir.File("opcode.pth");
        TorchFiles.WriteZip(badOpcode, new TorchPickleWriter().EmptyDict().Op(0xff).Finish(), new Dictionary<string, byte[]>());
        var error = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Open(badOpcode));
        Assert.Contains(badOpcode, error.Message);
        Assert.Contains("unknown pickle opcode 0xff", error.Message);

        string noStorage = dir.File("nostorage.pth");
        TorchFiles.WriteZip(noStorage, new TorchPickleWriter().EmptyDict().Mark().Text("t").RebuildTensor("FloatStorage", "7", 1, 0, [1], [1]).SetItems().Finish(),
                            new Dictionary<string, byte[]>());
        using var checkpoint = TorchCheckpoint.Open(noStorage);
        var missing = Assert.Throws<InvalidDataException>(() => checkpoint.Read((TorchTensor)((Hashtable)checkpoint.Root!)["t"]!, "t"));
        Assert.Contains("'archive/data/7'", missing.Message);
    }

    [Fact]
    public void AFileThatIsNeitherFormatIsRefused()
    {
        using var dir = new TempDirectory();
        string path = dir.File("text.pth");
        File.WriteAllText(path, "hello");
        var error = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Open(path));
        Assert.Contains($"{path}: not a PyTorch checkpoint", error.Message);
    }
}
