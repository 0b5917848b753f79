using System.Globalization;

namespace AlaeIlgpu.Serve;

/// <summary>Reads query parameters, turning a bad value into a 400 error that names the parameter.</summary>
internal static class Query
{
    /// <summary>The integer parameter <paramref name="name"/> in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/> when absent.</summary>
    public static int Int(HttpRequest request, string name, int fallback, int min, int max)
    {
        string? text = request.Query[name];
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw ServeException.BadRequest($"query '{name}': '{text}' is not an integer from {min} to {max}.");
        return value;
    }

    /// <summary>The number <paramref name="name"/> in [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public static double? Number(HttpRequest request, string name, double min, double max)
    {
        string? text = request.Query[name];
        return text is null ? null : Parse(text, name, min, max);
    }

    /// <summary>A comma-separated list of at most <paramref name="maxCount"/> numbers in [<paramref name="min"/>, <paramref name="max"/>] (empty when absent).</summary>
    public static double[] Numbers(HttpRequest request, string name, int maxCount, double min, double max)
    {
        string? text = request.Query[name];
        if (string.IsNullOrEmpty(text)) return [];
        string[] parts = text.Split(',');
        if (parts.Length > maxCount) throw ServeException.BadRequest($"query '{name}': {parts.Length} values, at most {maxCount} allowed.");
        return parts.Select(part => Parse(part, name, min, max)).ToArray();
    }

    private static double Parse(string text, string name, double min, double max) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= min && value <= max
            ? value
            : throw ServeException.BadRequest($"query '{name}': '{text}' is not a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
}
