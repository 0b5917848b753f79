using System.Text.RegularExpressions;
using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using static AlaeIlgpu.Alae.Style.OfficialCheckpointLayout;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// Writes a StyleALAE run as an official ALAE checkpoint (<see cref="OfficialCheckpointLayout"/>), which the official
/// scripts load and <see cref="OfficialCheckpointImport"/> reads back bit for bit: the trained networks under their
/// official names, their EMA copies as <c>*_s</c>, the trained model's style average as <c>dlatent_avg</c> (the official
/// checkpoints hold one, the trained model's), and the fixed blur kernels the official modules keep as buffers.
/// The optimizer state is not written (<c>auxiliary</c> is empty).
/// </summary>
public static partial class OfficialCheckpointExport
{
    /// <summary>Writes the run <paramref name="runPath"/> to <paramref name="outPath"/> (replaced atomically).</summary>
    /// <exception cref="ArgumentException">The run is not a StyleALAE run with the official (AdaIN) generator.</exception>
    /// <exception cref="IOException">The run or its checkpoint cannot be read.</exception>
    public static StyleAlaeShape Export(string runPath, string outPath)
    {
        var run = RunDirectory.Open(runPath);
        if (RunCatalog.KindOf(run) is not StyleModelKind kind)
            throw new ArgumentException($"{run.Path} is not a StyleALAE run; only StyleALAE has an official checkpoint layout.");
        var shape = StyleModelKind.ShapeOf(kind.SavedConfig(run));
        if (shape.Variant != GeneratorVariant.AdaIn)
            throw new ArgumentException($"{run.ConfigPath}: model.generator is '{shape.Variant}'; the official checkpoints hold the AdaIN generator only.");
        var model = new StyleAlae(CpuBackend.Instance, new RandomGenerator(0), shape);
        var ema = new StyleAlae(CpuBackend.Instance, new RandomGenerator(1), shape);
        Checkpoint.Load(run.CheckpointPath, StyleModelKind.ModelName, StyleAlaeTrainer.Contents(model, ema));
        TorchCheckpointWriter.Write(outPath, Root(model, ema));
        return shape;
    }

    /// <summary>The official checkpoint's object: <c>{"models": {...}, "auxiliary": {}}</c>.</summary>
    public static TorchDict Root(StyleAlae model, StyleAlae ema)
    {
        var models = new List<KeyValuePair<string, object>>();
        foreach (var (source, suffix) in new[] { (model, ""), (ema, EmaSuffix) })
        {
            foreach (string prefix in NetworkPrefixes)
                models.Add(new(Module(prefix) + suffix, StateDict(source.Networks().Single(n => n.Prefix == prefix).Network)));
            if (suffix.Length == 0) models.Add(new(AverageModule, new TorchDict([new(StyleAlae.StyleAverageName[(AverageModule.Length + 1)..], Saved(model.StyleAverage))], Ordered: true)));
        }
        return new TorchDict([new(ModelsKey, new TorchDict(models)), new(AuxiliaryKey, new TorchDict([]))]);
    }

    // The network's parameters in registration order, with each block's blur kernel where the official module
    // registers it: before G's style_1 and before E's conv_2.
    private static TorchDict StateDict(Module network)
    {
        var items = new List<KeyValuePair<string, object>>();
        foreach (var (name, parameter) in network.NamedParameters(""))
        {
            if (BlurBefore().Match(name) is { Success: true } m)
            {
                int channels = m.Groups["param"].Value == "style_1" ? parameter.Value.Shape[0] / 2 : parameter.Value.Shape[1];
                items.Add(new(m.Groups["block"].Value + OfficialWeights.BlurBufferSuffix, Blur(channels)));
            }
            items.Add(new(name, Saved(parameter.Value)));
        }
        return new TorchDict(items, Ordered: true);
    }

    private static TorchSaveTensor Saved(Tensor tensor) => new(tensor.Shape.ToArray(), tensor.ToArray);

    // The official Blur module's buffer [C, 1, 3, 3].
    private static TorchSaveTensor Blur(int channels) => new([channels, 1, 3, 3], () => OfficialWeights.BlurKernel(channels));

    // G's decode_block.i.style_1.weight ([2C, latent]: C channels) and E's encode_block.i.conv_2.weight ([Cout, C, 3, 3]).
    [GeneratedRegex(@"^(?<block>decode_block\.\d+)\.(?<param>style_1)\.weight$|^(?<block>encode_block\.\d+)\.(?<param>conv_2)\.weight$")]
    private static partial Regex BlurBefore();
}
