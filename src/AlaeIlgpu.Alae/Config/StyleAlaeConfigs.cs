using System.Reflection;

namespace AlaeIlgpu.Alae.Config;

/// <summary>
/// The built-in StyleALAE configurations: the files <c>configs/style-&lt;name&gt;.json</c> of the repository, embedded in
/// this assembly so they load by name from anywhere (the files are the one source of truth). mnist, celeba,
/// celeba-hq256, bedroom and ffhq follow the official configs with the single-GPU batch list; tiny is for tests.
/// </summary>
public static class StyleAlaeConfigs
{
    /// <summary>The names <see cref="Load"/> accepts besides file paths.</summary>
    public static readonly IReadOnlyList<string> Names = ["mnist", "celeba", "celeba-hq256", "bedroom", "ffhq", "tiny"];

    /// <summary>
    /// Loads <paramref name="nameOrPath"/>: an existing JSON file, else one of <see cref="Names"/>.
    /// </summary>
    /// <exception cref="ConfigException">Neither a file nor a known name, or the file is invalid (the message says which key).</exception>
    public static StyleAlaeConfig Load(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return JsonConfig.Load<StyleAlaeConfig>(nameOrPath);
        if (!Names.Contains(nameOrPath))
            throw new ConfigException($"'{nameOrPath}' is neither a configuration file nor a built-in configuration ({string.Join(", ", Names)}).");
        string resource = $"AlaeIlgpu.Alae.Config.style-{nameOrPath}.json";
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource '{resource}' is missing from {typeof(StyleAlaeConfigs).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return JsonConfig.Parse<StyleAlaeConfig>(reader.ReadToEnd(), $"built-in configuration '{nameOrPath}'");
    }
}
