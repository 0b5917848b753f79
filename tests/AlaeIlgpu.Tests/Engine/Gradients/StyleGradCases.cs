using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="StyleOp"/>: StyleALAE's pixel norm, style modulation, noise and minibatch stddev.</summary>
[GradCases(typeof(StyleOp))]
public static class StyleGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["pixel norm"] = new(b => [N(b, 1, 3, 4, 2, 2)], x => StyleOp.PixelNorm(x[0])),
        ["style modulate"] = new(b => [N(b, 1, 2, 3, 2, 3), N(b, 2, 2, 6)], x => StyleOp.StyleModulate(x[0], x[1])),
        ["add noise"] = new(b => [N(b, 1, 2, 3, 2, 3), N(b, 2, 2, 1, 2, 3), N(b, 3, 3)], x => StyleOp.AddNoise(x[0], x[1], x[2])),
        ["minibatch stddev"] = new(b => [N(b, 1, 4, 2, 3, 3)], x => StyleOp.MinibatchStddev(x[0], groupSize: 2)),
    };
}
