using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// One resolution block of G: [N, Cin, H, W] and two style vectors -> [N, C, 2H, 2W] (or 4x4 for block 0). Holds the
/// parts both variants share: after each of its two convolutions, noise scaled by a per-channel weight (official
/// <c>noise_weight_1/2</c> [1, C, 1, 1], init 0) and a bias (<c>bias_1/2</c> [1, C, 1, 1], init 0).
/// </summary>
public abstract class GeneratorBlock : Module
{
    /// <summary>Leaky ReLU slope after every convolution.</summary>
    protected const float Slope = 0.2f;

    private readonly int _index;
    private readonly Parameter[] _noiseWeights, _biases;

    /// <summary>Registers the noise weights and biases of block <paramref name="index"/> with <paramref name="channels"/> outputs.</summary>
    protected GeneratorBlock(Backend backend, int index, int channels)
    {
        _index = index;
        OutChannels = channels;
        _noiseWeights = new Parameter[2];
        _biases = new Parameter[2];
        for (int i = 0; i < 2; i++)
        {
            _noiseWeights[i] = AddParameter($"noise_weight_{i + 1}", Tensor.Zeros(backend, 1, channels, 1, 1));
            _biases[i] = AddParameter($"bias_{i + 1}", Tensor.Zeros(backend, 1, channels, 1, 1));
        }
    }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Whether this block upsamples (every block but the 4x4 one).</summary>
    protected bool Upsamples => _index > 0;

    /// <summary>
    /// x [N, Cin, H, W] (block 0: the constant [N, C, 4, 4]) -> [N, C, H', W'], styled by the w of its two slots,
    /// <paramref name="style1"/> and <paramref name="style2"/> [N, latent].
    /// </summary>
    public abstract Tensor Forward(Tensor x, Tensor style1, Tensor style2, GeneratorNoise noise);

    /// <summary>x + noise, then + bias, after convolution <paramref name="conv"/> (0 or 1) of this block.</summary>
    protected Tensor NoiseAndBias(Tensor x, int conv, GeneratorNoise noise) =>
        noise.Apply(x, _noiseWeights[conv].Value, _index) + _biases[conv].Value;
}
