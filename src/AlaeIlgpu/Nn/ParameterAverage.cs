namespace AlaeIlgpu.Nn;

/// <summary>Exponential moving averages of parameters (ALAE's EMA "generator averaging" copy).</summary>
public static class ParameterAverage
{
    /// <summary>target = target + (source - target) * t for each pair, in place, outside the tape.</summary>
    /// <exception cref="ArgumentException">The two lists differ in length or shapes.</exception>
    public static void Lerp(IReadOnlyList<Parameter> target, IReadOnlyList<Parameter> source, float t)
    {
        if (target.Count != source.Count)
            throw new ArgumentException($"EMA: {target.Count} target parameters but {source.Count} source parameters.");
        for (int i = 0; i < target.Count; i++)
        {
            Tensor to = target[i].Value, from = source[i].Value;
            if (!to.Shape.Equals(from.Shape))
                throw new ArgumentException($"EMA: parameter {i} has shape {to.Shape} in the average and {from.Shape} in the model.");
            if (!ReferenceEquals(to.Backend, from.Backend))
                throw new ArgumentException($"EMA: parameter {i} is on '{to.Backend}' in the average and on '{from.Backend}' in the model.");
            to.Backend.LerpInPlace(to.Storage, from.Storage, t);
        }
    }
}
