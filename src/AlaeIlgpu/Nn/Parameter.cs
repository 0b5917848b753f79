namespace AlaeIlgpu.Nn;

/// <summary>
/// A trainable tensor with its learning-rate scale. ALAE's equalized learning rate stores weights already He-scaled
/// and multiplies each update by this scale (gain / sqrt(fan_in) * lr multiplier for weights, the lr multiplier for
/// biases; 1 for everything else), so the optimizer reads it from here.
/// </summary>
public sealed class Parameter
{
    /// <summary>Wraps a persistent tensor that requires gradients.</summary>
    public Parameter(Tensor value, float learningRateScale = 1f)
    {
        Value = value.Persist();
        Value.RequiresGrad = true;
        Value.Storage.HoldsWeights = true;
        LearningRateScale = learningRateScale;
    }

    /// <summary>The data (a leaf tensor).</summary>
    public Tensor Value { get; }

    /// <summary>Multiplier on this parameter's optimizer step.</summary>
    public float LearningRateScale { get; }

    /// <summary>Accumulated gradient, or null before the first backward.</summary>
    public Tensor? Grad => Value.Grad;

    /// <summary>
    /// Drops the gradient (back to the pool), so the next backward pass hands its result over instead of adding it to
    /// zeros: PyTorch's <c>zero_grad(set_to_none=True)</c>.
    /// </summary>
    public void ClearGrad()
    {
        Value.Grad?.Dispose();
        Value.Grad = null;
    }

    /// <summary>Sets every element of the gradient to zero (allocating it if needed), as the optimizer expects.</summary>
    public void ZeroGrad()
    {
        if (Value.Grad is null) Value.Grad = Tensor.Zeros(Value.Backend, Value.Shape.ToArray()).Persist();
        else Value.Backend.Fill(Value.Grad.Storage, 0f);
    }
}
