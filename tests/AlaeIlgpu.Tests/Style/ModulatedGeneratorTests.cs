using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Engine;

namespace AlaeIlgpu.Tests.Style;

/// <summary>The modulated-convolution variant of G: shapes at every level and blend, and gradients against finite differences.</summary>
public class ModulatedGeneratorTests
{
    private static readonly StyleAlaeShape Tiny = new(LayerCount: 2, StartChannels: 3, MaxChannels: 4, LatentSize: 5, MappingLayers: 1, Channels: 2, GeneratorVariant.ModConv);

    /// <summary>
    /// Step for the piecewise-smooth check: leaky ReLUs make G's output kinked, and 1e-3 keeps most probes on one side
    /// of every kink.
    /// </summary>
    private const float Step = 1e-3f;

    /// <summary>float32 rounding of a loss of order 1 (~1e-7) over 2h = 2e-3 gives ~1e-4; with headroom.</summary>
    private const double Atol = 5e-4;

    /// <summary>O(h) truncation of one-sided differences near a kink.</summary>
    private const double Rtol = 2e-2;

    [Theory]
    [InlineData(0, 1f, 4)]
    [InlineData(1, 1f, 8)]
    [InlineData(1, 0.5f, 8)]
    public void ImagesHaveTheLevelsSize(int lod, float blend, int side)
    {
        using var scope = new TensorScope();
        var g = new Generator(CpuBackend.Instance, new RandomGenerator(1), Tiny);
        var w = GradCheck.Random(CpuBackend.Instance, 2, 1f, 3, Tiny.LatentSize);
        var image = g.ForwardW(w, lod, blend, GeneratorNoise.From(new RandomGenerator(3)));
        Assert.Equal([3, Tiny.Channels, side, side], image.Shape.ToArray());
        Assert.All(image.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ItsStyleLayersScaleInputChannels()
    {
        var g = new Generator(CpuBackend.Instance, new RandomGenerator(1), Tiny);
        var names = g.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.Shape.ToArray());
        Assert.Equal([4, Tiny.LatentSize], names["decode_block.1.style_1.weight"]);   // block 1's input: 4 channels of block 0
        Assert.Equal([3, Tiny.LatentSize], names["decode_block.1.style_2.weight"]);
        Assert.Equal([3, 4, 3, 3], names["decode_block.1.conv_1.weight"]);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var b = CpuBackend.Instance;
        var g = new Generator(b, new RandomGenerator(1), Tiny);
        var weights = g.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value);
        var styles = GradCheck.Random(b, 2, 1f, 2, Tiny.StyleSlots, Tiny.LatentSize);
        var probe = GradCheck.Random(b, 4, 10f, 2, Tiny.Channels, 8, 8);   // a fixed linear read-out of the image
        Tensor Loss(Tensor[] t) => ReduceOp.Sum(g.Forward(t[0], 1, 0.7f, GeneratorNoise.Off) * probe);
        GradCheck.CheckPiecewiseSmooth(Loss, [styles, weights["decode_block.1.conv_1.weight"], weights["decode_block.0.style_2.weight"]],
            Step, Atol, Rtol);
    }
}
