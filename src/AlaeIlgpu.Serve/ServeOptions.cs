namespace AlaeIlgpu.Serve;

/// <summary>What <c>alae serve</c> serves and where it listens.</summary>
/// <param name="RunsFolder">The folder whose run subfolders are listed (when <paramref name="Runs"/> is empty).</param>
/// <param name="Runs">Run folders to serve instead of the whole runs folder (empty: every run in <paramref name="RunsFolder"/>).</param>
/// <param name="Host">The address to listen on (127.0.0.1 by default: this machine only).</param>
/// <param name="Port">The port; 0 picks a free one.</param>
public sealed record ServeOptions(string RunsFolder, IReadOnlyList<string> Runs, string Host = ServeOptions.LoopbackHost, int Port = ServeOptions.DefaultPort)
{
    /// <summary>The default address: reachable from this machine only.</summary>
    public const string LoopbackHost = "127.0.0.1";

    /// <summary>The default port.</summary>
    public const int DefaultPort = 5180;

    /// <summary>Largest upload accepted by the reconstruct page, in bytes (4 MiB: a photo from a phone fits).</summary>
    public const int MaxUploadBytes = 4 << 20;

    /// <summary>Whether <see cref="Host"/> is reachable from this machine only ("localhost" or a loopback address).</summary>
    public bool IsLoopback =>
        Host == "localhost" || (System.Net.IPAddress.TryParse(Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}
