using AlaeIlgpu.Kernels;
using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="Conv2dOp"/>: 3x3, 1x1 and strided convolutions, both adjoints, the transposed and the fused resampling convolutions.</summary>
[GradCases(typeof(Conv2dOp))]
public static class Conv2dGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["conv2d 3x3 + bias"] = new(b => [N(b, 1, 2, 3, 5, 4), W(b, 2, 4, 3, 3, 3), N(b, 3, 4)], x => Conv2dOp.Conv2d(x[0], x[1], x[2], 1, 1)),
        ["conv2d 1x1 (FromRGB)"] = new(b => [N(b, 1, 2, 3, 3, 3), W(b, 2, 4, 3, 1, 1), N(b, 3, 4)], x => Conv2dOp.Conv2d(x[0], x[1], x[2])),
        ["conv2d stride 2 odd"] = new(b => [N(b, 1, 1, 2, 5, 6), W(b, 2, 3, 2, 3, 3)], x => Conv2dOp.Conv2d(x[0], x[1], null, 2, 1)),
        ["conv2d input grad"] = new(b => [N(b, 1, 2, 3, 3, 2), W(b, 2, 3, 2, 3, 3)],
            x => Conv2dOp.InputGradient(x[0], x[1], Conv2dGeometry.Create(2, 2, 5, 4, 3, 3, 3, 2, 1))),
        ["conv2d weight grad"] = new(b => [N(b, 1, 2, 2, 5, 4), N(b, 2, 2, 3, 3, 2)],
            x => Conv2dOp.WeightGradient(x[0], x[1], Conv2dGeometry.Create(2, 2, 5, 4, 3, 3, 3, 2, 1))),
        ["conv transpose2d stride 2 + bias"] = new(b => [N(b, 1, 2, 3, 2, 3), W(b, 2, 3, 2, 4, 4), N(b, 3, 2)],
            x => Conv2dOp.ConvTranspose2d(x[0], x[1], x[2], 2, 1)),
        ["fused downsample conv"] = new(b => [N(b, 1, 2, 2, 4, 6), W(b, 2, 3, 2, 3, 3), N(b, 3, 3)], x => Conv2dOp.FusedDownsample(x[0], x[1], x[2])),
        ["fused upsample conv"] = new(b => [N(b, 1, 2, 3, 2, 2), W(b, 2, 3, 2, 3, 3)], x => Conv2dOp.FusedUpsample(x[0], x[1])),
    };
}
