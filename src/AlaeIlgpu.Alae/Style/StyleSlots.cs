using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// Operations on G's style tensor [N, slots, latent] (two slots per resolution block): repeating one w over the slots,
/// reading a slot, style mixing and the truncation trick (docs/style-alae.md; official model.py <c>generate</c>).
/// </summary>
public static class StyleSlots
{
    /// <summary>w [N, latent] repeated over <paramref name="slots"/> slots: [N, slots, latent].</summary>
    public static Tensor Broadcast(Tensor w, int slots)
    {
        int n = w.Shape[0], latent = w.Shape[1];
        return ReduceOp.Expand(ShapeOp.Reshape(w, n, 1, latent), new TensorShape(n, slots, latent));
    }

    /// <summary>Slot <paramref name="slot"/> of styles [N, slots, latent]: [N, latent].</summary>
    public static Tensor Slot(Tensor styles, int slot) =>
        ShapeOp.Reshape(ShapeOp.Slice(styles, 1, slot, 1), styles.Shape[0], styles.Shape[2]);

    /// <summary>
    /// Style mixing: slots below <paramref name="cutoff"/> take <paramref name="first"/>, the rest <paramref name="second"/>
    /// (both [N, slots, latent]).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ or the cutoff is outside [0, slots].</exception>
    public static Tensor Mix(Tensor first, Tensor second, int cutoff)
    {
        int slots = first.Shape[1];
        if (!first.Shape.Equals(second.Shape) || cutoff < 0 || cutoff > slots)
            throw new ArgumentException($"style mixing of {first.Shape} and {second.Shape} at cutoff {cutoff} needs equal [N, slots, latent] shapes and 0 <= cutoff <= slots.");
        if (cutoff == 0) return second;
        if (cutoff == slots) return first;
        return ShapeOp.Concat([ShapeOp.Slice(first, 1, 0, cutoff), ShapeOp.Slice(second, 1, cutoff, slots - cutoff)], 1);
    }

    /// <summary>
    /// The truncation trick: slots below <paramref name="cutoff"/> become average + psi (styles - average); the rest are
    /// unchanged. <paramref name="average"/> is the running w average [slots, latent]. No gradient flows to the average.
    /// </summary>
    /// <exception cref="ArgumentException">The average is not [slots, latent] or the cutoff is negative.</exception>
    public static Tensor Truncate(Tensor styles, Tensor average, float psi, int cutoff)
    {
        int slots = styles.Shape[1], latent = styles.Shape[2];
        if (!average.Shape.Equals(new TensorShape(slots, latent)) || cutoff < 0)
            throw new ArgumentException($"truncation of styles {styles.Shape} needs an average [{slots}, {latent}] and a cutoff >= 0; got {average.Shape}, cutoff {cutoff}.");
        int kept = Math.Min(cutoff, slots);
        if (kept == 0) return styles;
        var avg = ShapeOp.Reshape(average.Detach(), 1, slots, latent);
        var truncated = ElementwiseOp.Lerp(ShapeOp.Slice(avg, 1, 0, kept), ShapeOp.Slice(styles, 1, 0, kept), psi);
        return kept == slots ? truncated : ShapeOp.Concat([truncated, ShapeOp.Slice(styles, 1, kept, slots - kept)], 1);
    }
}
