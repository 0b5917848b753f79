"""Outside-oracle fixtures for the engine's op families, written with PyTorch in float64.

For every case of every family it stores, under "<case>__<what>" in one .npz per family:
  in<i>    the inputs (drawn, rounded to float32, then used in float64, so the stored inputs are exactly the ones
           the reference saw)
  out      the forward output
  r        a random cotangent; grad<i> = d sum(out * r) / d in<i>
  grad2_<i>  second order: with g = d sum(softplus(out) * r) / d in0 taken with create_graph, the gradient of
           sum(g^2) with respect to every input. The softplus makes the incoming gradient depend on the output, as
           R1's does (the layers after an op are not linear), so each op's backward is differentiated both in
           its incoming gradient and in its inputs.
  f32err   [3]: PyTorch's own float32 run of the same case against the float64 one, max |f32 - f64| / max |f64|
           for the output, the first and the second order (the worst input): how well-conditioned the case is.
Arrays are stored as float32. The C# side (tests/AlaeIlgpu.Tests/Engine/TorchOracleTests.cs) replays each case
by name, so a case added here needs its op there.

  python3 op_fixtures_torch.py [--out tests/AlaeIlgpu.Tests/Fixtures/torch-ops]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "tests", "AlaeIlgpu.Tests", "Fixtures", "torch-ops")


# ----------------------------------------------------------------------------------------------- inputs
class Draw:
    """Seeded inputs, rounded to float32 so that the stored values are the reference's exact inputs."""

    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)

    def normal(self, *shape, scale=1.0, mean=0.0):
        return (torch.randn(shape, generator=self.gen, dtype=torch.float64) * scale + mean).float().double()

    def away_from_zero(self, *shape, gap=0.1):
        """|v| in [gap, gap + 1.5) with random sign: no input sits near a kink (leaky ReLU at 0)."""
        magnitude = gap + 1.5 * torch.rand(shape, generator=self.gen, dtype=torch.float64)
        sign = torch.randint(0, 2, shape, generator=self.gen).double() * 2 - 1
        return (magnitude * sign).float().double()


# ----------------------------------------------------------------------------------------------- ops
def shift_sum(w):
    """The 3x3 weight zero-padded to 5x5 and summed over its four 2x2 shifts: a 4x4 kernel (ALAE's fused convs)."""
    w = F.pad(w, (1, 1, 1, 1))
    return w[:, :, 1:, 1:] + w[:, :, :-1, 1:] + w[:, :, 1:, :-1] + w[:, :, :-1, :-1]


def blur(x):
    f = torch.tensor([1.0, 2.0, 1.0], dtype=x.dtype)
    k = (f[:, None] * f[None, :] / 16.0).expand(x.shape[1], 1, 3, 3)
    return F.conv2d(x, k, groups=x.shape[1], padding=1)


def style_stats(x):
    """[mean; std] per channel over H, W, std without eps: [N, C, H, W] -> [N, 2C] (E's style statistics)."""
    m = x.mean(dim=(2, 3))
    std = torch.sqrt(((x - m[:, :, None, None]) ** 2).mean(dim=(2, 3)))
    return torch.cat((m, std), dim=1)


def adain(x, style):
    c = x.shape[1]
    return x * (1.0 + style[:, :c, None, None]) + style[:, c:, None, None]


def modulated_conv(x, w, s, demodulate):
    """StyleGAN2: per-sample weight w * s (over input channels), demodulated by 1/sqrt(sum w'^2 + 1e-8)."""
    n, cin, h, wd = x.shape
    cout, k = w.shape[0], w.shape[2]
    wm = w[None] * s[:, None, :, None, None]                                     # [N, Cout, Cin, K, K]
    if demodulate:
        wm = wm * torch.rsqrt(wm.pow(2).sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
    y = F.conv2d(x.reshape(1, n * cin, h, wd), wm.reshape(n * cout, cin, k, k), padding=k // 2, groups=n)
    return y.reshape(n, cout, h, wd)


def pixel_norm(x):
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


def families():
    """family -> list of (case, op, inputs). Shapes are small and odd where the op allows."""
    d = Draw(2024)
    conv = [(f"k{k}s{s}", lambda x, w, b, s=s, k=k: F.conv2d(x, w, b, stride=s, padding=k // 2),
             [d.normal(2, 3, 5, 6), d.normal(4, 3, k, k, scale=0.3), d.normal(4)]) for k in (3, 1) for s in (1, 2)]
    conv.append(("k3s1_nobias", lambda x, w: F.conv2d(x, w, padding=1), [d.normal(1, 2, 4, 3), d.normal(3, 2, 3, 3)]))
    return {
        "conv2d": conv,
        "conv_transpose2d": [
            (f"k{k}s2", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1),
             [d.normal(2, 3, 4, 3), d.normal(3, 4, k, k, scale=0.3), d.normal(4)]) for k in (3, 4)],
        "fused_conv": [
            ("down", lambda x, w, b: F.conv2d(x, shift_sum(w) * 0.25, b, stride=2, padding=1),
             [d.normal(2, 3, 6, 4), d.normal(4, 3, 3, 3, scale=0.3), d.normal(4)]),
            ("up", lambda x, w, b: F.conv_transpose2d(x, shift_sum(w), b, stride=2, padding=1),
             [d.normal(2, 3, 3, 2), d.normal(3, 4, 3, 3, scale=0.3), d.normal(4)])],
        "blur": [("odd", blur, [d.normal(2, 3, 5, 6)])],
        "avg_pool": [("2x2", lambda x: F.avg_pool2d(x, 2, 2), [d.normal(2, 3, 6, 4)])],
        "upsample_nearest": [("2x", lambda x: F.interpolate(x, scale_factor=2, mode="nearest"), [d.normal(2, 3, 3, 4)])],
        "instance_norm": [
            ("eps1e-5_unit", lambda x: F.instance_norm(x, eps=1e-5), [d.normal(2, 3, 4, 5)]),
            # variance about eps: the eps changes the output by a factor of about 1/sqrt(2)
            ("eps1e-5_lowvar", lambda x: F.instance_norm(x, eps=1e-5), [d.normal(2, 3, 4, 5, scale=3e-3, mean=6e-3)]),
            ("eps1e-8_lowvar", lambda x: F.instance_norm(x, eps=1e-8), [d.normal(2, 3, 4, 5, scale=1e-4, mean=2e-4)])],
        "style_stats": [
            ("unit", style_stats, [d.normal(2, 3, 4, 5)]),
            ("lowvar", style_stats, [d.normal(2, 3, 4, 5, scale=1e-3, mean=2e-3)])],
        "adain": [("plain", adain, [d.normal(2, 3, 4, 5), d.normal(2, 6, scale=0.5)])],
        "modulated_conv": [
            (name, lambda x, w, s, dm=dm: modulated_conv(x, w, s, dm),
             [d.normal(2, 3, 5, 4), d.normal(4, 3, 3, 3, scale=0.3), d.normal(2, 3, mean=1.0, scale=0.3)])
            for name, dm in (("demodulated", True), ("modulated", False))],
        "pixel_norm": [("2d", pixel_norm, [d.normal(4, 8)])],
        "leaky_relu": [(f"slope{s}", lambda x, s=s: F.leaky_relu(x, s), [d.away_from_zero(3, 7)]) for s in (0.2, 0.01)],
        "softplus": [("plain", F.softplus, [d.normal(3, 7, scale=2.0)])],
        "matmul": [
            (f"t{int(ta)}{int(tb)}", lambda a, b, ta=ta, tb=tb: (a.t() if ta else a) @ (b.t() if tb else b),
             [d.normal(*((5, 3) if ta else (3, 5))), d.normal(*((4, 5) if tb else (5, 4)))])
            for ta in (False, True) for tb in (False, True)],
        "linear": [("bias", lambda x, w, b: F.linear(x, w, b), [d.normal(4, 5), d.normal(3, 5, scale=0.5), d.normal(3)])],
    }


# ----------------------------------------------------------------------------------------------- fixtures
def derivatives(op, inputs, r):
    """(out, first-order gradients, second-order gradients) in the inputs' dtype; zeros where unused."""
    xs = [t.clone().requires_grad_(True) for t in inputs]
    out = op(*xs)
    grads = torch.autograd.grad((out * r).sum(), xs, allow_unused=True)
    g, = torch.autograd.grad((F.softplus(op(*xs)) * r).sum(), xs[0], create_graph=True)
    grads2 = torch.autograd.grad(g.pow(2).sum(), xs, allow_unused=True)
    fill = lambda gs: [torch.zeros_like(x) if gi is None else gi.detach() for gi, x in zip(gs, xs)]
    return out.detach(), fill(grads), fill(grads2)


def scaled_error(ours, reference):
    return ((ours.double() - reference).abs().max() / reference.abs().max()).item()


def case_arrays(op, inputs, seed):
    gen = torch.Generator().manual_seed(seed)
    r = torch.randn(op(*inputs).shape, generator=gen, dtype=torch.float64).float().double()
    out, grads, grads2 = derivatives(op, inputs, r)
    out32, grads32, grads2_32 = derivatives(op, [x.float() for x in inputs], r.float())
    # PyTorch's own float32 error per order: how well-conditioned the case is for a float32 implementation
    f32err = [scaled_error(out32, out),
              max(scaled_error(a, b) for a, b in zip(grads32, grads)),
              max(scaled_error(a, b) for a, b in zip(grads2_32, grads2))]
    arrays = {"out": out, "r": r, "f32err": torch.tensor(f32err)}
    for i, x in enumerate(inputs):
        arrays[f"in{i}"], arrays[f"grad{i}"], arrays[f"grad2_{i}"] = x, grads[i], grads2[i]
    return {k: np.ascontiguousarray(v.numpy(), dtype=np.float32) for k, v in arrays.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    seed, total = 1, 0
    for family, cases in families().items():
        arrays = {}
        for case, op, inputs in cases:
            for key, value in case_arrays(op, inputs, seed).items():
                arrays[f"{case}__{key}"] = value
            seed += 1
        path = os.path.join(args.out, family + ".npz")
        np.savez(path, **arrays)
        total += os.path.getsize(path)
        print(f"{family:18s} {len(cases)} cases  {os.path.getsize(path):7d} bytes")
    print(f"total {total} bytes, pytorch {torch.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    sys.exit(main())
