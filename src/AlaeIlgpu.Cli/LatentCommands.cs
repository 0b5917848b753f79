using System.CommandLine;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Imaging;
using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Cli;

/// <summary>
/// The commands between images and w with a StyleALAE run's EMA model: encode (a folder of images to W.npy), decode
/// (W.npy to PNGs), edit (images moved along a direction in w, as a grid); reconstruct --images uses encode and decode.
/// </summary>
public static class LatentCommands
{
    private const string ImagesOption = "--images";

    /// <summary>Builds the commands.</summary>
    public static IEnumerable<Command> Build() => [Encode(), Decode(), Edit()];

    /// <summary>The <c>--images</c> option: a folder of the user's images.</summary>
    public static Option<string> Images(bool required) => new(ImagesOption)
    {
        Description = "Folder of PNG/JPEG/BMP/WebP images (searched recursively, ordinal order): centre-cropped, resized to the model's side, pixels / 127.5 - 1.",
        Required = required,
    };

    /// <summary>The images of <paramref name="folder"/> at the model's side and channels, and their w = E(x) [N, latent].</summary>
    public static (ImageFolderImages Images, float[] W) EncodeFolder(StyleAutoencoder model, string folder)
    {
        var (c, side, _) = model.ImageShape;
        var images = ImageFolder.Read(folder, side, c, ImagesOption);
        return (images, LatentCodec.Encode(model, images.Pixels, images.Names.Count));
    }

    /// <summary>The <c>--psi</c> option of decoding commands.</summary>
    public static Option<double> Psi() => new("--psi") { Description = "Truncation psi in [0, 1] towards the style average on the run's truncation_cutoff slots (1 = none).", DefaultValueFactory = _ => 1.0 };

    /// <summary>The <c>--noise</c> option of decoding commands.</summary>
    public static Option<DecodeNoise> Noise() => new("--noise") { Description = "G's noise: off (the official deterministic stand-in) or random (normal noise from --seed, as the official scripts).", DefaultValueFactory = _ => DecodeNoise.Random };

    /// <summary>The <c>--seed</c> option of decoding commands: the seed of G's noise.</summary>
    public static Option<ulong> NoiseSeed() => new("--seed") { Description = "Seed of G's noise with --noise random: one stream over all images, so each image gets its own noise and the same seed gives the same images.", DefaultValueFactory = _ => LatentCodec.DefaultNoiseSeed };

    private static Command Encode()
    {
        var (device, runArg) = (AlaeCommand.DeviceOption(), RunArgument());
        var images = Images(required: true);
        var output = new Option<string>("--out") { Description = "The .npy file to write: float32 [N, latent], rows in the images' order.", Required = true };
        var command = new Command("encode", "Encode a folder of images with a StyleALAE run's EMA encoder: w = E(x) as a NumPy .npy file.") { runArg, device, images, output };
        command.SetAction(p => CommandGuard.Run(() => WithStyle(p.GetValue(runArg)!, p.GetValue(device), model =>
        {
            var (folder, w) = EncodeFolder(model, p.GetValue(images)!);
            for (int i = 0; i < folder.Names.Count; i++) Console.WriteLine($"{i,5} {folder.Names[i]}");
            NpyFile.Write(p.GetValue(output)!, new NumpyArray([folder.Names.Count, model.LatentSize], w));
            Console.WriteLine($"written {p.GetValue(output)} [{folder.Names.Count}, {model.LatentSize}]");
        })));
        return command;
    }

    private static Command Decode()
    {
        var (device, runArg, psi, noise, seed) = (AlaeCommand.DeviceOption(), RunArgument(), Psi(), Noise(), NoiseSeed());
        var wFile = new Option<string>("--w") { Description = "The .npy file of w: [N, latent] or [latent], float32 or float64 (as 'alae encode' writes).", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the images: one PNG per row of w (0000.png, 0001.png, ...).", Required = true };
        var raw = new Option<string?>("--npy") { Description = "Also write the images as float32 [N, C, R, R] in [-1, 1] to this .npy file." };
        var command = new Command("decode", "Decode w with a StyleALAE run's EMA generator: G(w) with w on every style slot.") { runArg, device, wFile, psi, noise, seed, output, raw };
        command.SetAction(p => CommandGuard.Run(() => WithStyle(p.GetValue(runArg)!, p.GetValue(device), model =>
        {
            var (w, count) = ReadW(p.GetValue(wFile)!, model.LatentSize);
            var images = LatentCodec.Decode(model, w, count, p.GetValue(psi), p.GetValue(noise), p.GetValue(seed));
            string folder = p.GetValue(output)!;
            Directory.CreateDirectory(folder);
            var (c, h, width) = model.ImageShape;
            for (int i = 0; i < count; i++)
                ImageGrid.SaveImagePng(Path.Combine(folder, $"{i:D4}.png"), images[(i * model.ImageShape.Pixels)..((i + 1) * model.ImageShape.Pixels)], c, h, width, -1f, 1f);
            Console.WriteLine($"written {count} images to {folder}");
            if (p.GetValue(raw) is { } npy)
            {
                NpyFile.Write(npy, new NumpyArray([count, c, h, width], images));
                Console.WriteLine($"written {npy} [{count}, {c}, {h}, {width}]");
            }
        })));
        return command;
    }

    private static Command Edit()
    {
        var (device, runArg, psi, noise, seed) = (AlaeCommand.DeviceOption(), RunArgument(), Psi(), Noise(), NoiseSeed());
        var images = Images(required: true);
        var direction = new Option<string>("--direction") { Description = "A direction in w: .npy of shape (latent,), float64 or float32 (e.g. the official principal_directions/direction_N.npy).", Required = true };
        var steps = new Option<string>("--steps") { Description = "FROM:TO:COUNT: the multiples of the direction added to each image's w (columns).", DefaultValueFactory = _ => "-3:3:7" };
        var output = new Option<string>("--output", "-o") { Description = "PNG grid to write (relative paths go into the run folder).", DefaultValueFactory = _ => "edit.png" };
        var command = new Command("edit", "Move encoded images along a direction in w: a grid with one row per image and one column per step, G(E(x) + s d).")
        {
            runArg, device, images, direction, steps, psi, noise, seed, output,
        };
        command.SetAction(p => CommandGuard.Run(() =>
        {
            float[] s = LatentEdit.ParseSteps(p.GetValue(steps)!, "--steps");
            var run = RunDirectory.Open(p.GetValue(runArg)!);
            return WithStyle(run.Path, p.GetValue(device), model =>
            {
                float[] d = LatentEdit.ReadDirection(p.GetValue(direction)!, model.LatentSize, "--direction");
                var (folder, w) = EncodeFolder(model, p.GetValue(images)!);
                int count = folder.Names.Count * s.Length;
                var edited = LatentCodec.Decode(model, LatentEdit.Walk(w, folder.Names.Count, d, s), count, p.GetValue(psi), p.GetValue(noise),
                    p.GetValue(seed));
                string path = Path.IsPathRooted(p.GetValue(output)!) ? p.GetValue(output)! : run.File(p.GetValue(output)!);
                AutoencoderFigures.SaveGrid(path, model, edited, count, columns: s.Length);
                Console.WriteLine($"steps {string.Join(" ", s)}");
                Console.WriteLine($"written {path}");
            });
        }));
        return command;
    }

    private static (float[] W, int Count) ReadW(string path, int latentSize)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--w {path}: no such file.");
        var array = NpyFile.Read(path);
        return array.Shape switch
        {
            [var n, var l] when l == latentSize => (array.Data, n),
            [var l] when l == latentSize => (array.Data, 1),
            _ => throw new InvalidDataException($"--w {path}: shape ({string.Join(", ", array.Shape)}), the model needs [N, {latentSize}] (its latent size)."),
        };
    }

    private static Argument<string> RunArgument() => new("run") { Description = "The StyleALAE run folder (runs/NAME)." };

    /// <summary>Opens the StyleALAE run's EMA model on the device and runs the action.</summary>
    /// <exception cref="ArgumentException">The run is not a StyleALAE run.</exception>
    public static int WithStyle(string runPath, string? deviceSpec, Action<StyleAutoencoder> action)
    {
        var run = RunDirectory.Open(runPath);
        if (RunCatalog.KindOf(run) is not StyleModelKind kind)
            throw new ArgumentException($"{run.Path} is not a StyleALAE run: encode, decode, edit and --images need a StyleALAE encoder and generator.");
        using var backend = CommandGuard.OpenDevice(deviceSpec);
        action(kind.OpenEma(run, backend.Value));
        return ExitCodes.Ok;
    }
}
