using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// The four networks of StyleALAE (F: z -> w, G: styles -> x, E: x -> w, D: w -> logit) and the running average of
/// the styles [2 LayerCount, latent] (official <c>dlatent_avg.buff</c>), which every generation updates; it is a
/// buffer, not a parameter, so it is not averaged into an EMA copy.
/// </summary>
public sealed class StyleAlae
{
    /// <summary>Official state-dict prefix of G.</summary>
    public const string GeneratorPrefix = "generator.";

    /// <summary>Official state-dict prefix of E.</summary>
    public const string EncoderPrefix = "discriminator.";

    /// <summary>Official state-dict prefix of D.</summary>
    public const string DiscriminatorPrefix = "mapping_tl.";

    /// <summary>Official state-dict prefix of F.</summary>
    public const string MappingPrefix = "mapping_fl.";

    /// <summary>Official state-dict name of the running style average.</summary>
    public const string StyleAverageName = "dlatent_avg.buff";

    /// <summary>Builds the networks with weights drawn from <paramref name="random"/> (in the order F, G, E, D).</summary>
    public StyleAlae(Backend backend, RandomGenerator random, StyleAlaeShape shape)
    {
        Shape = shape;
        F = new MappingF(backend, random, shape);
        G = new Generator(backend, random, shape);
        E = new Encoder(backend, random, shape);
        D = new MappingD(backend, random, shape);
        StyleAverage = Tensor.Zeros(backend, shape.StyleSlots, shape.LatentSize).Persist();
    }

    /// <summary>The architecture.</summary>
    public StyleAlaeShape Shape { get; }

    /// <summary>Mapping network z -> w.</summary>
    public MappingF F { get; }

    /// <summary>Generator styles -> image.</summary>
    public Generator G { get; }

    /// <summary>Encoder image -> w.</summary>
    public Encoder E { get; }

    /// <summary>Latent discriminator w -> logit.</summary>
    public MappingD D { get; }

    /// <summary>Running mean of the styles [2 LayerCount, latent] (official <c>dlatent_avg.buff</c>).</summary>
    public Tensor StyleAverage { get; }

    /// <summary>The networks by official prefix, in the order F, G, E, D.</summary>
    public IEnumerable<(string Prefix, Module Network)> Networks() =>
        [(MappingPrefix, F), (GeneratorPrefix, G), (EncoderPrefix, E), (DiscriminatorPrefix, D)];

    /// <summary>Every parameter with its official name (<c>generator.decode_block.1.conv_1.weight</c>, ...).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        Networks().SelectMany(n => n.Network.NamedParameters(n.Prefix));

    /// <summary>Every tensor a checkpoint keeps of the model, by official name: the parameters, then the style average.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedTensors() =>
        [.. NamedParameters().Select(p => (p.Name, p.Parameter.Value)), (StyleAverageName, StyleAverage)];

    /// <summary>
    /// The names and shapes of <see cref="NamedTensors"/> of a model of <paramref name="shape"/>, in order, without
    /// keeping one: a model is built on the <c>cpu</c> for its table and dropped.
    /// </summary>
    public static IReadOnlyList<(string Name, TensorShape Shape)> Layout(StyleAlaeShape shape) =>
        new StyleAlae(CpuBackend.Instance, new RandomGenerator(0), shape).NamedTensors().Select(t => (t.Name, t.Value.Shape)).ToArray();

    /// <summary>
    /// w = F(z) [N, latent], moving the style average toward the batch mean by (1 - <paramref name="averageBeta"/>)
    /// as the official <c>generate</c> does on every call.
    /// </summary>
    public Tensor Map(Tensor z, float averageBeta)
    {
        var w = F.Forward(z);
        using (Autograd.NoGrad())
        {
            var batchMean = ShapeOp.Reshape(ReduceOp.Mean(w.Detach(), [0]), 1, Shape.LatentSize);      // [1, latent]
            StyleAverage.CopyFrom(ElementwiseOp.Lerp(StyleAverage.Detach(), batchMean, 1f - averageBeta));  // [slots, latent]
        }
        return w;
    }
}
