using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Serve;

/// <summary>
/// The EMA autoencoders of the served runs on one device, each loaded once from its checkpoint (again only when the
/// checkpoint file changes, as a training run rewrites it). Model calls are serialized: the engine keeps per-thread
/// autograd and scope state and a model's tensors are not meant to be used by two threads at once, and one small
/// model call is a few milliseconds, so queued requests wait briefly instead of competing for the cores.
/// </summary>
internal sealed class ModelHost(Backend backend)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, LoadedModel> _models = new(StringComparer.Ordinal);

    /// <summary>The device the models run on.</summary>
    public Backend Backend { get; } = backend;

    /// <summary>Runs <paramref name="work"/> on the run's model, alone.</summary>
    /// <exception cref="ServeException">409 when the run has no checkpoint yet; 503 when its checkpoint cannot be read (being rewritten or damaged).</exception>
    public async Task<T> UseAsync<T>(RunDirectory run, Func<LoadedModel, T> work)
    {
        await _gate.WaitAsync();
        try
        {
            return work(Load(run));
        }
        finally
        {
            _gate.Release();
        }
    }

    private LoadedModel Load(RunDirectory run)
    {
        if (!run.HasCheckpoint)
            throw new ServeException(StatusCodes.Status409Conflict, $"run '{run.Name}' has no checkpoint yet ({run.CheckpointPath}); its model can be shown after the first checkpoint.");
        var written = File.GetLastWriteTimeUtc(run.CheckpointPath);
        if (_models.TryGetValue(run.Path, out var cached) && cached.CheckpointTime == written) return cached;
        var kind = RunCatalog.KindOf(run);
        try
        {
            int iteration = Checkpoint.ReadHeader(run.CheckpointPath).Iteration;
            var model = new LoadedModel(kind, run, kind.OpenAutoencoder(run, Backend), iteration, written);
            _models[run.Path] = model;
            return model;
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new ServeException(StatusCodes.Status503ServiceUnavailable,
                $"run '{run.Name}': {run.CheckpointPath} cannot be read now ({error.Message}); a training run may be rewriting it, retry in a moment.");
        }
    }
}

/// <summary>One run's EMA autoencoder, with its held-out images and their latent basis read on first use.</summary>
internal sealed class LoadedModel(IModelKind kind, RunDirectory run, IAutoencoder model, int iteration, DateTime checkpointTime)
{
    /// <summary>Held-out images encoded for the latent basis (the Explore page's walks pick among them).</summary>
    public const int BasisImages = 256;

    /// <summary>Principal directions the Explore page offers as sliders.</summary>
    public const int BasisDirections = 8;

    // Images encoded at once: bounds the memory of a large StyleALAE's encoder pass.
    private const int EncodeBatch = 32;

    private IHeldOutImages? _heldOut;
    private LatentBasis? _basis;

    /// <summary>The run's model kind.</summary>
    public IModelKind Kind { get; } = kind;

    /// <summary>The EMA autoencoder.</summary>
    public IAutoencoder Model { get; } = model;

    /// <summary>The checkpoint's iteration.</summary>
    public int Iteration { get; } = iteration;

    /// <summary>When the checkpoint it was read from was written.</summary>
    public DateTime CheckpointTime { get; } = checkpointTime;

    /// <summary>The run's held-out images.</summary>
    public IHeldOutImages HeldOut => _heldOut ??= Kind.OpenHeldOut(run);

    /// <summary>The first <see cref="BasisImages"/> held-out images encoded, and the principal directions of their w.</summary>
    public LatentBasis Basis => _basis ??= EncodeBasis();

    private LatentBasis EncodeBasis()
    {
        int count = Math.Min(BasisImages, HeldOut.Count), latent = Model.LatentSize;
        var latents = new float[count * latent];   // [count, latent]
        for (int first = 0; first < count; first += EncodeBatch)
        {
            int n = Math.Min(EncodeBatch, count - first);
            Model.Encode(HeldOut.Read(first, n), n).CopyTo(latents, first * latent);
        }
        return new LatentBasis(latents, count, latent, BasisDirections);
    }
}
