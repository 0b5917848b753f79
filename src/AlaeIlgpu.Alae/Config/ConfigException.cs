namespace AlaeIlgpu.Alae.Config;

/// <summary>A configuration file or <c>--set</c> override that cannot be used; the message says which key and why.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public ConfigException(string message) : base(message) { }

    /// <summary>Creates the exception with its message and the error that caused it.</summary>
    public ConfigException(string message, Exception inner) : base(message, inner) { }
}
