using AlaeIlgpu.Kernels;
using AlaeIlgpu.Ops;
using static AlaeIlgpu.Tests.Engine.GradInputs;

namespace AlaeIlgpu.Tests.Engine.Gradients;

/// <summary>Gradient cases of <see cref="ResampleOp"/>: blur, nearest upsampling, average pooling and a general upfirdn.</summary>
[GradCases(typeof(ResampleOp))]
public static class ResampleGradCases
{
    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, GradCase> Cases { get; } = new Dictionary<string, GradCase>
    {
        ["blur"] = new(b => [N(b, 1, 2, 2, 4, 5)], x => ResampleOp.Blur(x[0])),
        ["upsample nearest 2x"] = new(b => [N(b, 1, 2, 2, 3, 2)], x => ResampleOp.UpsampleNearest2x(x[0])),
        ["average pool 2x2"] = new(b => [N(b, 1, 2, 2, 4, 6)], x => ResampleOp.AveragePool2x2(x[0])),
        ["resample up 2, 4x4 filter"] = new(b => [N(b, 1, 1, 2, 3, 2)],
            x => ResampleOp.Resample(x[0], TestData.Normal(7, 16), ResampleGeometry.Create(2, 3, 2, 2, 1, 4, 4, 2, 1, 2, 1))),
    };
}
