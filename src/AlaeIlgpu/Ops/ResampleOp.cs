using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Ops;

/// <summary>
/// Differentiable depthwise resampling of NCHW tensors (upfirdn2d: zero-insertion upsampling, padding, a fixed FIR
/// filter, decimation): StyleALAE's 3x3 binomial blur, nearest 2x upsampling and 2x2 average pooling.
/// </summary>
/// <remarks>
/// Resampling is linear in x, so its backward is its adjoint (up and down swapped, the filter flipped), applied to the
/// incoming gradient; the adjoint's own backward is the forward resampling again, so gradients of any order work.
/// The filters are constants, not trained.
/// </remarks>
public static class ResampleOp
{
    private static readonly float[] BlurFilter = ResampleFilters.Blur3x3();
    private static readonly float[] NearestFilter = ResampleFilters.Nearest2x();
    private static readonly float[] AverageFilter = ResampleFilters.Average2x2();

    /// <summary>StyleALAE's 3x3 binomial blur <c>[1,2,1]^T [1,2,1] / 16</c>, depthwise, zero pad 1: [N, C, H, W] -> same.</summary>
    /// <exception cref="ArgumentException">x is not rank 4.</exception>
    public static Tensor Blur(Tensor x) =>
        Resample(x, BlurFilter, Geometry(x, "blur", (planes, h, w) => ResampleGeometry.Blur(planes, h, w)));

    /// <summary>Nearest-neighbour 2x upsampling: [N, C, H, W] -> [N, C, 2H, 2W].</summary>
    /// <exception cref="ArgumentException">x is not rank 4.</exception>
    public static Tensor UpsampleNearest2x(Tensor x) =>
        Resample(x, NearestFilter, Geometry(x, "nearest 2x upsampling", ResampleGeometry.UpsampleNearest2x));

    /// <summary>2x2 average pooling: [N, C, H, W] -> [N, C, H/2, W/2].</summary>
    /// <exception cref="ArgumentException">x is not rank 4, or its height or width is odd (the message names its shape).</exception>
    public static Tensor AveragePool2x2(Tensor x) =>
        Resample(x, AverageFilter, Geometry(x, "2x2 average pooling", ResampleGeometry.AveragePool2x2));

    /// <summary>
    /// A general resampling of x [N, C, H, W] by <paramref name="geometry"/> (whose planes are N * C and whose input is
    /// [H, W]) with a row-major [Fh, Fw] <paramref name="filter"/> applied as a correlation: [N, C, Ho, Wo].
    /// </summary>
    /// <exception cref="ArgumentException">x does not match the geometry or the filter length does not.</exception>
    public static Tensor Resample(Tensor x, float[] filter, ResampleGeometry geometry)
    {
        var g = geometry;
        if (x.Shape.Rank != 4 || x.Shape[0] * x.Shape[1] != g.Planes || x.Shape[2] != g.Height || x.Shape[3] != g.Width)
            throw new ArgumentException($"resample: x {x.Shape} does not match the geometry {g}.");
        if (filter.Length != g.FilterLength)
            throw new ArgumentException($"resample: the filter has {filter.Length} taps, the geometry {g} needs {g.FilterLength}.");
        return Apply(x, (float[])filter.Clone(), g, adjoint: false);
    }

    // The forward resampling of x or, with adjoint, its adjoint (x then has the geometry's output extents).
    private static Tensor Apply(Tensor x, float[] filter, ResampleGeometry g, bool adjoint)
    {
        var (h, w) = adjoint ? (g.Height, g.Width) : (g.OutHeight, g.OutWidth);
        var y = Tensor.Empty(x.Backend, new TensorShape(x.Shape[0], x.Shape[1], h, w));
        x.Backend.Resample(x.Storage, filter, y.Storage, g, adjoint);
        return Autograd.Record(y, adjoint ? "resample-adjoint" : "resample", [x], gy => [Apply(gy, filter, g, !adjoint)]);
    }

    // The geometry for x's planes, with x's shape and the op's name in any error.
    private static ResampleGeometry Geometry(Tensor x, string op, Func<int, int, int, ResampleGeometry> create)
    {
        if (x.Shape.Rank != 4) throw new ArgumentException($"{op} needs an [N, C, H, W] tensor, got {x.Shape}.");
        try
        {
            return create(x.Shape[0] * x.Shape[1], x.Shape[2], x.Shape[3]);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{op} of x {x.Shape}: {e.Message}", nameof(x), e);
        }
    }
}
