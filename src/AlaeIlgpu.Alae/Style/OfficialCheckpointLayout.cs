namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// Where an official ALAE checkpoint (<c>.pth</c> of podgorskiy/ALAE) keeps our networks:
/// <c>{"models": {network: state dict, ..., network_s: state dict of its EMA copy, "dlatent_avg": {"buff": ...}},
/// "auxiliary": {optimizers, scheduler, tracker}}</c>. Read by <see cref="OfficialCheckpointImport"/>, written by
/// <see cref="OfficialCheckpointExport"/>.
/// </summary>
public static class OfficialCheckpointLayout
{
    /// <summary>Key of the networks.</summary>
    public const string ModelsKey = "models";

    /// <summary>Key of the optimizer, scheduler and tracker states (not imported; exported empty).</summary>
    public const string AuxiliaryKey = "auxiliary";

    /// <summary>Suffix of the EMA copies in <c>models</c>.</summary>
    public const string EmaSuffix = "_s";

    /// <summary>The style average's module in <c>models</c> (its one buffer is <c>buff</c>: <see cref="StyleAlae.StyleAverageName"/>).</summary>
    public static readonly string AverageModule = StyleAlae.StyleAverageName[..StyleAlae.StyleAverageName.IndexOf('.')];

    /// <summary>The networks' state-dict prefixes in the order the official checkpoints list them: E, G, D, F.</summary>
    public static readonly IReadOnlyList<string> NetworkPrefixes =
        [StyleAlae.EncoderPrefix, StyleAlae.GeneratorPrefix, StyleAlae.DiscriminatorPrefix, StyleAlae.MappingPrefix];

    /// <summary>The module name in <c>models</c> of a network prefix ("generator." -> "generator").</summary>
    public static string Module(string prefix) => prefix.TrimEnd('.');

    /// <summary>Every module <c>models</c> holds, in the official order: the four networks, the average, the four EMA copies.</summary>
    public static IReadOnlyList<string> Modules() =>
        [.. NetworkPrefixes.Select(Module), AverageModule, .. NetworkPrefixes.Select(p => Module(p) + EmaSuffix)];
}
