using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Imaging;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Serve;

/// <summary>Images to and from the browser: model images as PNG bytes, uploaded files as model input.</summary>
internal static class PngImages
{
    /// <summary>Side, in screen pixels, that a single small image is scaled up to (nearest neighbour) so 28x28 digits are legible.</summary>
    private const int SingleSide = 224;

    /// <summary>The same for each cell of a grid (as the training figures: 28x28 digits at 3x).</summary>
    private const int CellSide = 84;

    /// <summary>Images [count, pixels] of <paramref name="model"/> as one PNG grid of <paramref name="columns"/> columns.</summary>
    public static byte[] Grid(IAutoencoder model, float[] images, int count, int columns)
    {
        int side = count == 1 ? SingleSide : CellSide;
        var layout = new GridLayout(Scale: Math.Max(1, side / model.ImageShape.Height), Gutter: count == 1 ? 0 : 2);
        using var stream = new MemoryStream();
        AutoencoderFigures.WriteGrid(stream, model, images, count, columns, layout);
        return stream.ToArray();
    }

    /// <summary>
    /// An uploaded PNG or JPEG as one image [pixels] of <paramref name="model"/>'s shape and range: centre-cropped,
    /// resized, grayscale for one channel. For one-channel models, <paramref name="invert"/> (or, when null, a bright
    /// border: dark ink on white paper) turns it into the light-on-dark digits MNIST models were trained on.
    /// Returns the image and whether it was inverted.
    /// </summary>
    /// <exception cref="ServeException">400 when the bytes are not a readable image or it is larger than the decoder's limit.</exception>
    public static (float[] Image, bool Inverted) Decode(byte[] upload, IAutoencoder model, bool? invert)
    {
        var (channels, height, width) = model.ImageShape;
        if (height != width) throw new ServeException(StatusCodes.Status409Conflict, $"the model's images are {height}x{width}; uploads are cropped to squares.");
        var bytes = new byte[model.ImageShape.Pixels];   // [channels, side, side]
        using (var stream = new MemoryStream(upload, writable: false))
            if (ImageDecoding.TryDecode(stream, height, channels, bytes, enlarge: true) is { } reason)
                throw ServeException.BadRequest($"the upload is not a usable PNG or JPEG: {reason}.");
        bool inverted = channels == 1 && (invert ?? BorderMean(bytes, width) > 127.5);
        var (low, high) = model.PixelRange;
        var image = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            int level = inverted ? 255 - bytes[i] : bytes[i];
            image[i] = low + (high - low) * level / 255f;
        }
        return (image, inverted);
    }

    // Mean level of the outermost rows and columns of a one-channel square image [side, side].
    private static double BorderMean(byte[] pixels, int side)
    {
        double sum = 0;
        int count = 0;
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
                if (y == 0 || x == 0 || y == side - 1 || x == side - 1) (sum, count) = (sum + pixels[y * side + x], count + 1);
        return sum / count;
    }
}
