namespace AlaeIlgpu.Cli;

/// <summary>The exit codes of every <c>alae</c> command (README.md and docs/design.md list them).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad input or a failure: a missing or damaged file, a bad config key or value, a kernel mismatch in <c>check</c>.</summary>
    public const int Error = 1;

    /// <summary>Bad usage: an unknown option or command, options that cannot go together, or a device that cannot be opened.</summary>
    public const int Usage = 2;

    /// <summary>Training stopped on a NaN or infinite loss (the last checkpoint is kept).</summary>
    public const int Diverged = 3;

    /// <summary>Training was interrupted by SIGINT (Ctrl+C) after saving a checkpoint: 128 + 2, as shells report it.</summary>
    public const int Interrupted = 130;

    /// <summary>Training was stopped by SIGTERM after saving a checkpoint: 128 + 15.</summary>
    public const int Terminated = 143;
}
