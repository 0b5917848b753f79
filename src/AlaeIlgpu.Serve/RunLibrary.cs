using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Serve;

/// <summary>
/// The runs a server shows: the given run folders, or else every subfolder of the runs folder that holds a
/// config.json (listed afresh on each request, so a run started after the server appears). Request names are
/// checked to be one folder name, so no request reaches outside these folders.
/// </summary>
internal sealed class RunLibrary
{
    private readonly string _runsFolder;
    private readonly Dictionary<string, string>? _pinned;

    /// <summary>A library of <paramref name="runs"/>, or of the runs in <paramref name="runsFolder"/> when none are given.</summary>
    /// <exception cref="IOException">A given run folder is not a run, or two have the same name.</exception>
    public RunLibrary(string runsFolder, IReadOnlyList<string> runs)
    {
        _runsFolder = Path.GetFullPath(runsFolder);
        if (runs.Count == 0) return;
        _pinned = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in runs)
        {
            var run = RunDirectory.Open(path);
            if (!_pinned.TryAdd(run.Name, run.Path))
                throw new IOException($"{path}: two runs are named '{run.Name}' ({_pinned[run.Name]}); serve them from separate commands.");
        }
    }

    /// <summary>Where the runs come from, for messages.</summary>
    public string Source => _pinned is null ? _runsFolder : string.Join(", ", _pinned.Values);

    /// <summary>The runs, by name.</summary>
    public IReadOnlyList<RunDirectory> List()
    {
        IEnumerable<string> folders = _pinned?.Values
            ?? (Directory.Exists(_runsFolder) ? Directory.EnumerateDirectories(_runsFolder) : []);
        return folders.Select(RunDirectory.At).Where(run => File.Exists(run.ConfigPath)).OrderBy(run => run.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The run named <paramref name="name"/>.</summary>
    /// <exception cref="ServeException">400 when the name is not one folder name, 404 when no such run is served.</exception>
    public RunDirectory Find(string name)
    {
        CheckFileName(name, "run name");
        string? path = _pinned is null ? Path.Combine(_runsFolder, name) : _pinned.GetValueOrDefault(name);
        if (path is null || !File.Exists(Path.Combine(path, "config.json")))
            throw ServeException.NotFound($"no run named '{name}' is served (runs: {Source}).");
        return RunDirectory.At(path);
    }

    /// <summary>Refuses (400) a name that is not one plain file or folder name: empty, "..", separators, control characters.</summary>
    /// <exception cref="ServeException">The name could leave its folder.</exception>
    public static void CheckFileName(string name, string what)
    {
        char[] bad = [.. Path.GetInvalidFileNameChars(), '/', '\\'];
        if (name.Length == 0 || name.Contains("..", StringComparison.Ordinal) || name.IndexOfAny(bad) >= 0)
            throw ServeException.BadRequest($"{what} '{name}' must be a single name without '..', '/' or '\\'.");
    }
}
