using AlaeIlgpu.Nn;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Alae.Training;

/// <summary>
/// The named tensors of a trainer's state, gathered from each part's own names (module parameters, optimizer state,
/// extra buffers) rather than from hand-written lists; <see cref="Checkpoint"/> saves and restores them.
/// </summary>
public sealed class CheckpointContents
{
    private readonly List<(string Name, Tensor Value)> _entries = [];
    private readonly List<(string Name, Tensor Value)[]> _optimizers = [];

    /// <summary>The entries in the order they were added.</summary>
    public IReadOnlyList<(string Name, Tensor Value)> Entries => _entries;

    /// <summary>
    /// The entries of each optimizer added by <see cref="Optimizer"/>: a file may lack an optimizer's entries as a whole
    /// (a run that never trained here, such as an imported checkpoint), which loads as zero moments, a fresh optimizer's.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<(string Name, Tensor Value)>> Optimizers => _optimizers;

    /// <summary>Adds named parameters under <paramref name="prefix"/> (for example "ema." + "G.fc1.weight").</summary>
    public CheckpointContents Parameters(string prefix, IEnumerable<(string Name, Parameter Parameter)> parameters)
    {
        foreach (var (name, p) in parameters) Add(prefix + name, p.Value);
        return this;
    }

    /// <summary>Adds every parameter of <paramref name="module"/> under <paramref name="prefix"/>.</summary>
    public CheckpointContents Module(string prefix, Module module) => Parameters(prefix, module.NamedParameters());

    /// <summary>
    /// Adds the moments of <paramref name="optimizer"/> under <paramref name="prefix"/> (its step count goes in the header);
    /// see <see cref="Optimizers"/> for a file without them.
    /// </summary>
    public CheckpointContents Optimizer(string prefix, LreqAdam optimizer)
    {
        var state = optimizer.State().Select(e => (prefix + e.Name, e.Value)).ToArray();
        foreach (var (name, v) in state) Add(name, v);
        _optimizers.Add(state);
        return this;
    }

    /// <summary>Adds a buffer that is not a parameter (a running average, a counter tensor).</summary>
    public CheckpointContents Buffer(string name, Tensor value)
    {
        Add(name, value);
        return this;
    }

    private void Add(string name, Tensor value)
    {
        if (_entries.Any(e => e.Name == name)) throw new ArgumentException($"Checkpoint entry '{name}' is added twice.", nameof(name));
        _entries.Add((name, value));
    }
}
