namespace AlaeIlgpu.Alae.Config;

/// <summary>A configuration that checks its own values after <see cref="JsonConfig"/> loads or overrides it.</summary>
public interface IValidatedConfig
{
    /// <summary>Throws <see cref="ConfigException"/> naming the first key whose value is out of range.</summary>
    void Validate();
}
