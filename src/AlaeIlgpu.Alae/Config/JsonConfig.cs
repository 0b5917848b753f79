using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Alae.Config;

/// <summary>
/// Loads, saves and overrides typed configurations stored as JSON with snake_case keys, one object per section
/// (for example <c>{"training": {"batch_size": 128}}</c>). Keys not in the type, values of the wrong type, and
/// <c>--set</c> overrides naming no key throw <see cref="ConfigException"/> with the key and the list of valid keys.
/// </summary>
/// <remarks>
/// A section is a property whose type is a class other than <see cref="string"/>; every other property is a leaf
/// with a dotted key such as <c>training.batch_size</c>. Keys missing from a file keep the type's defaults.
/// </remarks>
public static class JsonConfig
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
    };

    /// <summary>Reads a configuration file; every key must exist in <typeparamref name="T"/>.</summary>
    public static T Load<T>(string path) where T : class, new()
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the configuration: {error.Message}", error);
        }
        return Parse<T>(text, path);
    }

    /// <summary>Parses configuration text, naming it <paramref name="name"/> in errors.</summary>
    public static T Parse<T>(string text, string name) where T : class, new()
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException error)
        {
            throw new ConfigException($"{name}: not valid JSON: {error.Message}", error);
        }
        if (root is not JsonObject rootObject)
            throw new ConfigException($"{name}: the configuration must be a JSON object.");
        CheckKeys(rootObject, typeof(T), "", name, ValidKeys<T>());
        return Deserialize<T>(rootObject, name);
    }

    /// <summary>Writes <paramref name="config"/> as indented JSON, atomically.</summary>
    public static void Save<T>(string path, T config) where T : class =>
        AtomicFile.WriteAllText(path, ToJson(config) + "\n");

    /// <summary>The configuration as indented JSON text.</summary>
    public static string ToJson<T>(T config) where T : class => JsonSerializer.Serialize(config, Options);

    /// <summary>
    /// Applies overrides of the form <c>key=value</c>, in order. A key is dotted (<c>training.batch_size</c>) or a
    /// plain leaf name (<c>batch_size</c>) when that name occurs in one section only. Values are parsed as the
    /// key's type with invariant culture; <c>null</c> clears a nullable key.
    /// </summary>
    public static T ApplyOverrides<T>(T config, IEnumerable<string> overrides) where T : class, new()
    {
        IReadOnlyDictionary<string, Type> keys = ValidKeys<T>();
        JsonObject root = JsonSerializer.SerializeToNode(config, Options)!.AsObject();
        foreach (string assignment in overrides)
        {
            string key = OverrideKey(assignment, keys);
            SetLeaf(root, key, ParseValue(key, keys[key], assignment[(assignment.IndexOf('=') + 1)..].Trim()));
        }
        return Deserialize<T>(root, "--set");
    }

    /// <summary>The dotted key an override <c>key=value</c> sets in <typeparamref name="T"/> (a plain leaf name resolved as <see cref="ApplyOverrides{T}"/> does).</summary>
    /// <exception cref="ConfigException">The assignment has no '=' or names no key, or an ambiguous one.</exception>
    public static string OverrideKey<T>(string assignment) => OverrideKey(assignment, ValidKeys<T>());

    private static string OverrideKey(string assignment, IReadOnlyDictionary<string, Type> keys)
    {
        int equals = assignment.IndexOf('=');
        if (equals <= 0)
            throw new ConfigException($"--set '{assignment}': expected key=value.");
        return ResolveKey(assignment[..equals].Trim(), keys);
    }

    /// <summary>Every dotted leaf key of <typeparamref name="T"/> with its property type, in declaration order.</summary>
    public static IReadOnlyDictionary<string, Type> ValidKeys<T>()
    {
        var keys = new Dictionary<string, Type>(StringComparer.Ordinal);
        CollectKeys(typeof(T), "", keys);
        return keys;
    }

    private static void CollectKeys(Type type, string prefix, Dictionary<string, Type> keys)
    {
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            string key = prefix + Options.PropertyNamingPolicy!.ConvertName(property.Name);
            if (IsSection(property.PropertyType)) CollectKeys(property.PropertyType, key + ".", keys);
            else keys[key] = property.PropertyType;
        }
    }

    private static bool IsSection(Type type) => type.IsClass && type != typeof(string);

    private static void CheckKeys(JsonObject node, Type type, string prefix, string name, IReadOnlyDictionary<string, Type> keys)
    {
        foreach ((string property, JsonNode? value) in node)
        {
            string key = prefix + property;
            PropertyInfo? match = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .FirstOrDefault(p => Options.PropertyNamingPolicy!.ConvertName(p.Name) == property);
            if (match is null)
                throw new ConfigException($"{name}: unknown key '{key}'. Valid keys: {string.Join(", ", keys.Keys)}.");
            if (!IsSection(match.PropertyType)) continue;
            if (value is not JsonObject section)
                throw new ConfigException($"{name}: '{key}' must be an object (a section) holding {SectionKeys(key, keys)}.");
            CheckKeys(section, match.PropertyType, key + ".", name, keys);
        }
    }

    private static string SectionKeys(string section, IReadOnlyDictionary<string, Type> keys) =>
        string.Join(", ", keys.Keys.Where(k => k.StartsWith(section + ".", StringComparison.Ordinal)));

    private static T Deserialize<T>(JsonObject root, string name) where T : class, new()
    {
        T config;
        try
        {
            config = root.Deserialize<T>(Options) ?? new T();
        }
        catch (JsonException error)
        {
            string key = (error.Path ?? "$").TrimStart('$').TrimStart('.');
            throw new ConfigException($"{name}: invalid value for '{key}': {error.Message}", error);
        }
        try
        {
            (config as IValidatedConfig)?.Validate();
        }
        catch (ConfigException error)
        {
            throw new ConfigException($"{name}: {error.Message}", error);
        }
        return config;
    }

    private static string ResolveKey(string key, IReadOnlyDictionary<string, Type> keys)
    {
        if (keys.ContainsKey(key)) return key;
        string[] matches = keys.Keys.Where(k => k.EndsWith("." + key, StringComparison.Ordinal)).ToArray();
        return matches.Length switch
        {
            1 => matches[0],
            0 => throw new ConfigException($"--set: unknown key '{key}'. Valid keys: {string.Join(", ", keys.Keys)}."),
            _ => throw new ConfigException($"--set: key '{key}' is ambiguous; use one of {string.Join(", ", matches)}."),
        };
    }

    private static JsonNode? ParseValue(string key, Type type, string text)
    {
        Type? underlying = Nullable.GetUnderlyingType(type);
        bool nullable = underlying is not null || !type.IsValueType;
        if (nullable && text == "null") return null;
        Type target = underlying ?? type;
        JsonNode? parsed = target switch
        {
            _ when target == typeof(string) => JsonValue.Create(text),
            _ when target == typeof(bool) => bool.TryParse(text, out bool b) ? JsonValue.Create(b) : null,
            _ when target == typeof(int) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? JsonValue.Create(i) : null,
            _ when target == typeof(long) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? JsonValue.Create(l) : null,
            _ when target == typeof(ulong) => ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong u) ? JsonValue.Create(u) : null,
            _ when target == typeof(double) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) ? JsonValue.Create(d) : null,
            _ => throw new ConfigException($"--set: key '{key}' has type {target.Name}, which overrides do not support."),
        };
        return parsed ?? throw new ConfigException($"--set: '{text}' is not a valid {Describe(target)} for key '{key}'.");
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(bool) => "boolean (true or false)",
        _ when type == typeof(int) => "32-bit integer",
        _ when type == typeof(long) => "64-bit integer",
        _ when type == typeof(ulong) => "non-negative 64-bit integer",
        _ when type == typeof(double) => "finite number",
        _ => type.Name,
    };

    private static void SetLeaf(JsonObject root, string key, JsonNode? value)
    {
        string[] parts = key.Split('.');
        JsonObject node = root;
        foreach (string part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = new JsonObject();
                node[part] = child;
            }
            node = child;
        }
        node[parts[^1]] = value;
    }
}
