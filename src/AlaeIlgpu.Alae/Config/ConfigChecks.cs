namespace AlaeIlgpu.Alae.Config;

/// <summary>Range checks for configuration values; each failure names the dotted key.</summary>
public static class ConfigChecks
{
    /// <summary>Requires <paramref name="value"/> &gt; 0.</summary>
    public static void Positive(string key, double value)
    {
        if (!(value > 0)) throw new ConfigException($"'{key}' must be positive, not {value}.");
    }

    /// <summary>Requires <paramref name="value"/> &gt;= 0.</summary>
    public static void NonNegative(string key, double value)
    {
        if (!(value >= 0)) throw new ConfigException($"'{key}' must be zero or positive, not {value}.");
    }

    /// <summary>Requires <paramref name="low"/> &lt;= <paramref name="value"/> &lt;= <paramref name="high"/> (or &lt; when <paramref name="highExclusive"/>).</summary>
    public static void InRange(string key, double value, double low, double high, bool highExclusive = false)
    {
        bool below = highExclusive ? value < high : value <= high;
        if (!(value >= low && below))
            throw new ConfigException($"'{key}' must be in [{low}, {high}{(highExclusive ? ")" : "]")}, not {value}.");
    }
}
