using AlaeIlgpu.Alae.IO;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Serialization;

namespace AlaeIlgpu.Alae.Style;

/// <summary>A tensor stored by official name: its shape, known without reading it, and how to read its values (C order).</summary>
/// <param name="Shape">Extents, outermost first.</param>
/// <param name="Read">Reads the values into a span of exactly their count; called when the tensor is copied or written.</param>
public sealed record OfficialTensor(int[] Shape, FillValues Read)
{
    /// <summary>Arrays already in memory (an <c>.npz</c>) as official tensors.</summary>
    public static IReadOnlyDictionary<string, OfficialTensor> Of(IReadOnlyDictionary<string, NumpyArray> arrays) =>
        arrays.ToDictionary(a => a.Key, a => new OfficialTensor(a.Value.Shape, a.Value.Data.CopyTo), StringComparer.Ordinal);

    /// <summary>The values, read into a new array.</summary>
    public float[] ReadAll()
    {
        var values = new float[Shape.Aggregate(1L, (p, d) => p * d)];
        Read(values);
        return values;
    }
}

/// <summary>
/// Reads StyleALAE weights stored by official state-dict name (<c>generator.*</c> = G, <c>discriminator.*</c> = E,
/// <c>mapping_tl.*</c> = D, <c>mapping_fl.*</c> = F, <c>dlatent_avg.buff</c>), as the official checkpoints and the
/// <c>.npz</c> fixtures hold them: already equalized (implicit mode), so they are used as they are. A checkpoint's
/// tensors are read one at a time as they are copied (<see cref="OfficialTensor"/>), so no second copy of a network
/// is held.
/// </summary>
public static class OfficialWeights
{
    /// <summary>Name ending of the official blur buffers (<c>decode_block.3.blur.weight</c>): fixed kernels, not parameters here.</summary>
    public const string BlurBufferSuffix = ".blur.weight";

    /// <summary>
    /// The architecture the tensors imply: layer count from G's blocks, latent size and mapping layers from F, image
    /// channels from ToRGB, start channels from E's top FromRGB, and the channel cap as the widest block.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor the inference needs is missing; the message names it and <paramref name="source"/>.</exception>
    public static StyleAlaeShape InferShape(IReadOnlyDictionary<string, NumpyArray> arrays, string source) =>
        InferShape(OfficialTensor.Of(arrays), source);

    /// <summary>The architecture the tensors' shapes imply (see the overload for arrays); reads no values.</summary>
    /// <exception cref="InvalidDataException">A tensor the inference needs is missing; the message names it and <paramref name="source"/>.</exception>
    public static StyleAlaeShape InferShape(IReadOnlyDictionary<string, OfficialTensor> arrays, string source)
    {
        int layers = Count(arrays, i => $"{StyleAlae.GeneratorPrefix}decode_block.{i}.style_1.weight");
        int mapping = Count(arrays, i => $"{StyleAlae.MappingPrefix}map_blocks.{i}.fc.weight");
        if (layers == 0 || mapping == 0)
            throw new InvalidDataException($"{source}: no '{StyleAlae.GeneratorPrefix}decode_block.0.style_1.weight' or '{StyleAlae.MappingPrefix}map_blocks.0.fc.weight'; not StyleALAE weights by official name.");
        int latent = Get(arrays, $"{StyleAlae.MappingPrefix}map_blocks.0.fc.weight", source).Shape[1];
        int channels = Get(arrays, $"{StyleAlae.GeneratorPrefix}to_rgb.0.to_rgb.weight", source).Shape[0];
        int start = Get(arrays, $"{StyleAlae.EncoderPrefix}from_rgb.0.from_rgb.weight", source).Shape[0];
        int widest = Enumerable.Range(0, layers).Max(i => Get(arrays, $"{StyleAlae.GeneratorPrefix}to_rgb.{i}.to_rgb.weight", source).Shape[1]);
        return new StyleAlaeShape(layers, start, widest, latent, mapping, channels);
    }

    /// <summary>
    /// Copies every parameter of <paramref name="model"/> and its style average from <paramref name="arrays"/> by official
    /// name. The blur kernels (fixed buffers, not parameters here) are checked to be the official kernel.
    /// </summary>
    /// <exception cref="InvalidDataException">A name is missing, a shape differs, or a tensor has no place in the model; the
    /// message names the key and <paramref name="source"/>.</exception>
    public static void Load(StyleAlae model, IReadOnlyDictionary<string, NumpyArray> arrays, string source) =>
        Load(model, OfficialTensor.Of(arrays), source);

    /// <summary>Copies every parameter and the style average from lazily read tensors (see the overload for arrays).</summary>
    /// <exception cref="InvalidDataException">A name is missing, a shape differs, or a tensor has no place in the model; the
    /// message names the key and <paramref name="source"/>.</exception>
    public static void Load(StyleAlae model, IReadOnlyDictionary<string, OfficialTensor> arrays, string source)
    {
        var targets = model.NamedTensors().ToArray();
        var matched = Match(targets.Select(t => (t.Name, t.Value.Shape)).ToArray(), model.Shape, arrays, source);
        foreach (var ((_, target), tensor) in targets.Zip(matched)) target.Backend.Upload(tensor.ReadAll(), target.Storage);
    }

    /// <summary>
    /// The tensor of <paramref name="arrays"/> for each row of <paramref name="layout"/> (the names and shapes of the
    /// <see cref="StyleAlae.NamedTensors"/> of a model of <paramref name="shape"/>: <see cref="StyleAlae.Layout"/>), in its order, after
    /// checking every name and shape and that nothing else is there but the official blur kernels (whose values are
    /// checked); reads no other values.
    /// </summary>
    /// <exception cref="InvalidDataException">A name is missing, a shape differs, or a tensor has no place in the model; the
    /// message names the key and <paramref name="source"/>.</exception>
    public static IReadOnlyList<OfficialTensor> Match(
        IReadOnlyList<(string Name, TensorShape Shape)> layout, StyleAlaeShape shape, IReadOnlyDictionary<string, OfficialTensor> arrays, string source)
    {
        var matched = layout.Select(row => Matching(arrays, row.Name, row.Shape, source)).ToArray();
        foreach (var (name, blur) in arrays.Where(a => a.Key.EndsWith(BlurBufferSuffix, StringComparison.Ordinal)))
            CheckBlur(name, blur, source);
        var used = layout.Select(row => row.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = arrays.Keys.Where(k => !used.Contains(k) && !k.EndsWith(BlurBufferSuffix, StringComparison.Ordinal)).ToArray();
        if (unknown.Length > 0)
            throw new InvalidDataException($"{source}: {unknown.Length} tensor(s) have no place in a StyleALAE of {shape}: {string.Join(", ", unknown.Take(5))}.");
        return matched;
    }

    /// <summary>The official Blur module's buffer for <paramref name="channels"/> channels: [1, 2, 1]^T [1, 2, 1] / 16 each, [C, 1, 3, 3].</summary>
    public static float[] BlurKernel(int channels)
    {
        float[] kernel = ResampleFilters.Blur3x3();
        return Enumerable.Repeat(kernel, channels).SelectMany(k => k).ToArray();
    }

    private static void CheckBlur(string name, OfficialTensor blur, string source)
    {
        if (blur.Shape is not [var channels, 1, 3, 3] || !blur.ReadAll().AsSpan().SequenceEqual(BlurKernel(channels)))
            throw new InvalidDataException($"{source}: '{name}' of shape ({string.Join(", ", blur.Shape)}) is not the official blur kernel [1, 2, 1]^T [1, 2, 1] / 16 per channel.");
    }

    private static OfficialTensor Matching(IReadOnlyDictionary<string, OfficialTensor> arrays, string name, TensorShape shape, string source)
    {
        var array = Get(arrays, name, source);
        if (!array.Shape.AsSpan().SequenceEqual(shape.Dims))
            throw new InvalidDataException($"{source}: '{name}' has shape ({string.Join(", ", array.Shape)}), the model needs {shape}.");
        return array;
    }

    private static OfficialTensor Get(IReadOnlyDictionary<string, OfficialTensor> arrays, string name, string source) =>
        arrays.TryGetValue(name, out var array) ? array : throw new InvalidDataException($"{source}: no tensor '{name}'.");

    private static int Count(IReadOnlyDictionary<string, OfficialTensor> arrays, Func<int, string> name)
    {
        int n = 0;
        while (arrays.ContainsKey(name(n))) n++;
        return n;
    }
}
