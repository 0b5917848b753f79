using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>The real images during a resolution fade-in (official train_alae.py).</summary>
public static class ProgressiveBlend
{
    /// <summary>
    /// x [N, C, H, W] at the new resolution blended with its own lower-resolution version:
    /// blend x + (1 - blend) nearest_up(avgpool(x)). At blend 1 x is returned as it is.
    /// </summary>
    public static Tensor RealImages(Tensor x, float blend) =>
        blend >= 1f ? x : x * blend + ResampleOp.UpsampleNearest2x(ResampleOp.AveragePool2x2(x)) * (1f - blend);
}
