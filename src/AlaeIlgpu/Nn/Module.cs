namespace AlaeIlgpu.Nn;

/// <summary>
/// A network part with named parameters and sub-modules. Names compose with dots (<c>layers.0.weight</c>) and are
/// the keys of checkpoints.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Parameter Parameter)> _parameters = new();
    private readonly List<(string Name, Module Module)> _children = new();

    /// <summary>Registers a parameter under <paramref name="name"/>.</summary>
    protected Parameter AddParameter(string name, Tensor value, float learningRateScale = 1f)
    {
        var p = new Parameter(value, learningRateScale);
        _parameters.Add((name, p));
        return p;
    }

    /// <summary>Registers a sub-module under <paramref name="name"/>.</summary>
    protected T AddModule<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }

    /// <summary>Every parameter of this module and its sub-modules, with dotted names, in registration order.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return (prefix + name, p);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedParameters($"{prefix}{name}.")) yield return item;
    }

    /// <summary>Every parameter, in registration order.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(x => x.Parameter);

    /// <summary>Turns gradient tracking of every parameter on or off (freezing a network for a step).</summary>
    public void SetRequiresGrad(bool value)
    {
        foreach (var p in Parameters()) p.Value.RequiresGrad = value;
    }

    /// <summary>Total number of trainable elements.</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.Value.Count);
}
