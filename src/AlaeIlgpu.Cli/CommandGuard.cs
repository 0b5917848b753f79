using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Cli;

/// <summary>Turns the expected failures of a command into a one-line message and an exit code instead of a stack trace.</summary>
public static class CommandGuard
{
    /// <summary>
    /// Runs <paramref name="body"/>: bad input (missing files, damaged data, unknown config keys, a folder that is not
    /// a run) ends with exit code 1, options that cannot go together with 2, a diverged run with 3.
    /// </summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException e)
        {
            return Fail(e.Message, ExitCodes.Usage);
        }
        catch (TrainingDivergedException e)
        {
            return Fail(e.Message, ExitCodes.Diverged);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ConfigException or ArgumentException or UnauthorizedAccessException)
        {
            return Fail(e.Message, ExitCodes.Error);
        }
    }

    /// <summary>Opens the device of <c>--device</c> (disposed with the result), or throws <see cref="UsageException"/> for a bad spec.</summary>
    public static OwnedBackend OpenDevice(string? spec) =>
        AlaeCommand.OpenDevice(spec) is { } backend ? new OwnedBackend(backend) : throw new UsageException();

    private static int Fail(string message, int code)
    {
        if (message.Length > 0) Console.Error.WriteLine($"error: {message}");
        return code;
    }
}

/// <summary>Options that cannot go together, or a device that cannot be opened (exit code 2); an empty message was already printed.</summary>
public sealed class UsageException(string message = "") : Exception(message);

/// <summary>A backend that is disposed when done, unless it is the process-wide cpu backend.</summary>
public sealed class OwnedBackend(Backend value) : IDisposable
{
    /// <summary>The backend.</summary>
    public Backend Value { get; } = value;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Value is not CpuBackend) Value.Dispose();
    }
}
