"""PyTorch peer of StyleALAE (ALAE_REFERENCE.md sections 1 and 3), written for this project's comparisons.

It is not part of the build: it runs where PyTorch is installed and answers two questions.

  bench  how many images/s one full training iteration (step I with R1 by double backprop, steps II and III,
         EMA update, style mixing p 0.9, noise on) reaches in PyTorch on the same CPU cores or GPU as ours,
         at any LOD, in a fade-in with --blend below 1:
           python3 style_alae_torch.py bench --config mnist --lod 3 --batch 32 --device cpu --threads 2
  check  that these networks are the official ones: loads a checkpoint exported by the official classes
         (a folder holding weights_ema.npz and the official outputs, as the fixture set official-alae/tiny32)
         by official parameter names, reproduces its outputs with noise off, replays its two recorded
         training iterations (step/), and prints the largest relative difference:
           python3 style_alae_torch.py check /path/to/tiny32

The networks, losses, LREQ Adam and iteration follow the official code as the reference describes it:
implicit equalized learning rate, InstanceNorm eps 1e-5 in E and 1e-8 in G, E's double LReLU after FromRGB,
AdaIN x * (1 + ys) + yb, D affine with the logit at output unit d, the deterministic stand-in for noise when
noise is off, w-average lerped on every generate, E frozen in step II, both optimizers stepping in step III,
the EMA copy with its own init. Module and parameter names are the official ones (generator, discriminator
= E, mapping_tl = D, mapping_fl = F, dlatent_avg), so official weights load with load_state_dict.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from mlp_alae_torch import EqLinear, LreqAdam, load_split, sync

CONFIGS = {
    "mnist": dict(layer_count=4, startf=64, maxf=256, latent=32, mapping=4, channels=1, lr=0.0015),
    "tiny32": dict(layer_count=4, startf=8, maxf=16, latent=16, mapping=3, channels=3, lr=0.0015),
    "celeba": dict(layer_count=6, startf=64, maxf=256, latent=256, mapping=8, channels=3, lr=0.0015),
}
FUSED_RESOLUTION = 128      # resampling convs are fused (4x4 kernel from the 3x3 weight) from this size up
R1_GAMMA = 10.0
MIXING_PROB = 0.9
W_AVG_BETA = 0.995


# ----------------------------------------------------------------------------------------------- layers
class EqConv2d(torch.nn.Module):
    """Equalized-lr conv (implicit mode); fan-in counts the 3x3 kernel even when fused to 4x4.

    resample: None, "down" (stride-2 conv, 4x4 kernel = mean of the 3x3 weight's four shifts) or
    "up" (stride-2 transposed conv, 4x4 kernel = sum of the four shifts; weight stored [in, out, 3, 3]).
    """

    def __init__(self, n_in, n_out, kernel, bias=True, gain=math.sqrt(2.0), resample=None):
        super().__init__()
        std = gain / math.sqrt(kernel * kernel * n_in)
        shape = (n_in, n_out, kernel, kernel) if resample == "up" else (n_out, n_in, kernel, kernel)
        self.weight = torch.nn.Parameter(torch.randn(shape) * std)
        self.weight.lr_coef = std
        self.bias = None
        if bias:
            self.bias = torch.nn.Parameter(torch.zeros(n_out))
            self.bias.lr_coef = 1.0
        self.resample, self.pad = resample, kernel // 2

    def forward(self, x):
        if self.resample is None:
            return F.conv2d(x, self.weight, self.bias, padding=self.pad)
        w = F.pad(self.weight, (1, 1, 1, 1))                                   # [*, *, 5, 5]
        w = w[:, :, 1:, 1:] + w[:, :, :-1, 1:] + w[:, :, 1:, :-1] + w[:, :, :-1, :-1]  # [*, *, 4, 4]
        if self.resample == "down":
            return F.conv2d(x, w * 0.25, self.bias, stride=2, padding=1)
        return F.conv_transpose2d(x, w, self.bias, stride=2, padding=1)


class Blur(torch.nn.Module):
    """Depthwise [1, 2, 1]^T [1, 2, 1] / 16, zero pad 1; the kernel is a buffer, saved as blur.weight."""

    def __init__(self, channels):
        super().__init__()
        f = torch.tensor([1.0, 2.0, 1.0])
        self.register_buffer("weight", (f[:, None] * f[None, :] / 16.0).expand(channels, 1, 3, 3).clone())

    def forward(self, x):
        return F.conv2d(x, self.weight, groups=x.shape[1], padding=1)


def channel_bias(channels):
    return torch.nn.Parameter(torch.zeros(1, channels, 1, 1))


def style_stats(x):
    """[mean; std] over H, W per channel, std without eps: [N, C, H, W] -> [N, 2C]."""
    m = x.mean(dim=(2, 3), keepdim=True)
    std = torch.sqrt(((x - m) ** 2).mean(dim=(2, 3), keepdim=True))
    return torch.cat((m, std), dim=1).flatten(1)


def pixel_norm(z):
    return z * torch.rsqrt(torch.mean(z * z, dim=1, keepdim=True) + 1e-8)


# ----------------------------------------------------------------------------------------------- E
class FromRGB(torch.nn.Module):
    def __init__(self, channels, n_out):
        super().__init__()
        self.from_rgb = EqConv2d(channels, n_out, 1)

    def forward(self, x):
        return F.leaky_relu(self.from_rgb(x), 0.2)


class EncodeBlock(torch.nn.Module):
    def __init__(self, n_in, n_out, latent, fused):
        super().__init__()
        self.conv_1 = EqConv2d(n_in, n_in, 3, bias=False)
        self.bias_1 = channel_bias(n_in)
        self.blur = Blur(n_in)
        self.conv_2 = EqConv2d(n_in, n_out, 3, bias=False, resample="down" if fused else None)
        self.bias_2 = channel_bias(n_out)
        self.style_1 = EqLinear(2 * n_in, latent)
        self.style_2 = EqLinear(2 * n_out, latent)
        self.fused = fused

    def forward(self, x):
        x = F.leaky_relu(self.conv_1(x) + self.bias_1, 0.2)     # [N, in, R, R]
        s1 = style_stats(x)
        x = self.conv_2(self.blur(F.instance_norm(x, eps=1e-5)))
        if not self.fused:
            x = F.avg_pool2d(x, 2, 2)                           # [N, out, R/2, R/2]
        x = F.leaky_relu(x + self.bias_2, 0.2)
        s2 = style_stats(x)
        return F.instance_norm(x, eps=1e-5), self.style_1(s1) + self.style_2(s2)


class Encoder(torch.nn.Module):
    def __init__(self, layer_count, startf, maxf, latent, channels):
        super().__init__()
        self.from_rgb, self.encode_block = torch.nn.ModuleList(), torch.nn.ModuleList()
        n_in, resolution = startf, 2 ** (layer_count + 1)
        for i in range(layer_count):
            n_out = min(maxf, startf * 2 ** (i + 1))
            self.from_rgb.append(FromRGB(channels, n_in))
            self.encode_block.append(EncodeBlock(n_in, n_out, latent, resolution >= FUSED_RESOLUTION))
            n_in, resolution = n_out, resolution // 2
        self.layer_count = layer_count

    def entry(self, x, lod):
        return F.leaky_relu(self.from_rgb[self.layer_count - lod - 1](x), 0.2)   # the official double LReLU

    def forward(self, x, lod, blend=1.0):
        """x [N, C, R, R] at R = 4 * 2^lod -> w [N, latent]; in a fade-in (blend < 1) the new block fades in."""
        first = self.layer_count - lod - 1
        h = self.entry(x, lod)
        if blend < 1.0:
            h, w = self.encode_block[first](h)
            w = w * blend
            h = torch.lerp(self.entry(F.avg_pool2d(x, 2, 2), lod - 1), h, blend)
            first += 1
        else:
            w = 0.0
        for block in self.encode_block[first:]:
            h, s = block(h)
            w = w + s
        return w


# ----------------------------------------------------------------------------------------------- G
class DecodeBlock(torch.nn.Module):
    def __init__(self, n_in, n_out, latent, first, fused, layer):
        super().__init__()
        if not first:
            self.conv_1 = EqConv2d(n_in, n_out, 3, bias=False, resample="up" if fused else None)
        self.blur = Blur(n_out)
        self.noise_weight_1, self.bias_1 = channel_bias(n_out), channel_bias(n_out)
        self.style_1 = EqLinear(latent, 2 * n_out, gain=1.0)
        self.conv_2 = EqConv2d(n_out, n_out, 3, bias=False)
        self.noise_weight_2, self.bias_2 = channel_bias(n_out), channel_bias(n_out)
        self.style_2 = EqLinear(latent, 2 * n_out, gain=1.0)
        self.first, self.fused, self.layer = first, fused, layer

    def add_noise(self, x, weight, noise):
        if noise:
            return x + weight * torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device)
        s = math.sqrt(self.layer + 1)                   # the official deterministic stand-in when noise is off
        return x + s * torch.exp(-x * x / (2.0 * s * s)) / math.sqrt(2.0 * math.pi) * 0.8

    @staticmethod
    def adain(x, style):
        ys, yb = style.view(-1, 2, x.shape[1], 1, 1).unbind(1)
        return x * (1.0 + ys) + yb

    def forward(self, x, w1, w2, noise):
        if not self.first:
            if not self.fused:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = self.blur(self.conv_1(x))                                   # [N, out, 2R, 2R]
        x = F.leaky_relu(self.add_noise(x, self.noise_weight_1, noise) + self.bias_1, 0.2)
        x = self.adain(F.instance_norm(x, eps=1e-8), self.style_1(w1))
        x = F.leaky_relu(self.add_noise(self.conv_2(x), self.noise_weight_2, noise) + self.bias_2, 0.2)
        return self.adain(F.instance_norm(x, eps=1e-8), self.style_2(w2))


class ToRGB(torch.nn.Module):
    def __init__(self, n_in, channels):
        super().__init__()
        self.to_rgb = EqConv2d(n_in, channels, 1, gain=0.03)

    def forward(self, x):
        return self.to_rgb(x)


class Generator(torch.nn.Module):
    def __init__(self, layer_count, startf, maxf, latent, channels):
        super().__init__()
        n_in = min(maxf, startf * 2 ** (layer_count - 1))
        self.const = torch.nn.Parameter(torch.ones(1, n_in, 4, 4))
        self.decode_block, self.to_rgb = torch.nn.ModuleList(), torch.nn.ModuleList()
        for i in range(layer_count):
            n_out = min(maxf, startf * 2 ** (layer_count - 1 - i))
            fused = 2 ** (i + 2) >= FUSED_RESOLUTION
            self.decode_block.append(DecodeBlock(n_in, n_out, latent, i == 0, fused, i))
            self.to_rgb.append(ToRGB(n_out, channels))
            n_in = n_out

    def forward(self, styles, lod, blend=1.0, noise=True):
        """styles [N, 2 * layer_count, latent] -> image [N, C, R, R], R = 4 * 2^lod."""
        x = self.const              # [1, C, 4, 4]: as in the official code, block 0's first noise is batch-shared
        last = lod if blend >= 1.0 else lod - 1
        for i in range(last + 1):
            x = self.decode_block[i](x, styles[:, 2 * i], styles[:, 2 * i + 1], noise)
        if blend >= 1.0:
            return self.to_rgb[lod](x)
        prev = F.interpolate(self.to_rgb[lod - 1](x), scale_factor=2, mode="nearest")
        x = self.decode_block[lod](x, styles[:, 2 * lod], styles[:, 2 * lod + 1], noise)
        return torch.lerp(prev, self.to_rgb[lod](x), blend)


# ----------------------------------------------------------------------------------------------- F, D, model
class MappingBlock(torch.nn.Module):
    def __init__(self, latent):
        super().__init__()
        self.fc = EqLinear(latent, latent, lrmul=0.1)

    def forward(self, x):
        return F.leaky_relu(self.fc(x), 0.2)


class MappingF(torch.nn.Module):
    def __init__(self, latent, layers):
        super().__init__()
        self.map_blocks = torch.nn.ModuleList([MappingBlock(latent) for _ in range(layers)])

    def forward(self, z):
        x = pixel_norm(z)
        for block in self.map_blocks:
            x = block(x)
        return x


class MappingD(torch.nn.Module):
    """Three affine layers d -> d -> d -> 2d, no activation; the logit is output unit d."""

    def __init__(self, latent):
        super().__init__()
        widths = [latent, latent, latent, 2 * latent]
        self.map_blocks = torch.nn.ModuleList([EqLinear(a, b, lrmul=0.1) for a, b in zip(widths, widths[1:])])

    def forward(self, w):
        for block in self.map_blocks:
            w = block(w)
        return w[:, w.shape[1] // 2]


class WAverage(torch.nn.Module):
    def __init__(self, slots, latent):
        super().__init__()
        self.register_buffer("buff", torch.zeros(slots, latent))


class StyleAlae(torch.nn.Module):
    def __init__(self, layer_count, startf, maxf, latent, mapping, channels, **_):
        super().__init__()
        self.generator = Generator(layer_count, startf, maxf, latent, channels)
        self.discriminator = Encoder(layer_count, startf, maxf, latent, channels)
        self.mapping_tl = MappingD(latent)
        self.mapping_fl = MappingF(latent, mapping)
        self.dlatent_avg = WAverage(2 * layer_count, latent)
        self.slots, self.latent = 2 * layer_count, latent

    def styles(self, w):
        return w[:, None, :].expand(-1, self.slots, -1)                 # [N, slots, latent]

    def generate(self, z, lod, blend, noise=True, z_mix=None, mixing_cutoff=0):
        """F then G; the w average follows every call; slots >= mixing_cutoff take F(z_mix). Returns (w, x)."""
        w = self.mapping_fl(z)
        styles = self.styles(w)
        with torch.no_grad():
            self.dlatent_avg.buff.lerp_(styles.mean(0), 1.0 - W_AVG_BETA)
        if z_mix is not None:
            slot = torch.arange(self.slots, device=z.device)[None, :, None]
            styles = torch.where(slot < mixing_cutoff, styles, self.styles(self.mapping_fl(z_mix)))
        return w, self.generator(styles, lod, blend, noise)

    def discriminate(self, x, lod, blend):
        return self.mapping_tl(self.discriminator(x, lod, blend))


# ----------------------------------------------------------------------------------------------- training
class Trainer:
    def __init__(self, model, ema, lod, blend, lr, batch):
        self.model, self.ema, self.lod, self.blend, self.batch = model, ema, lod, blend, batch
        if ema is not None:
            ema.requires_grad_(False)
        self.enc_opt = LreqAdam(list(model.discriminator.parameters()) + list(model.mapping_tl.parameters()), lr=lr)
        self.dec_opt = LreqAdam(list(model.generator.parameters()) + list(model.mapping_fl.parameters()), lr=lr)
        self.ema_beta = 0.5 ** (batch / 10000.0)

    def latents(self, device):
        return torch.randn(self.batch, self.model.latent, device=device)

    def mixed(self, z, noise, mixing):
        """generate with style mixing at probability 0.9 (cutoff uniform over the active slots) if mixing."""
        if mixing and random.random() < MIXING_PROB:
            cutoff = random.randint(1, 2 * (self.lod + 1))
            return self.model.generate(z, self.lod, self.blend, noise, self.latents(z.device), cutoff)[1]
        return self.model.generate(z, self.lod, self.blend, noise)[1]

    def iteration(self, x, zs=None, noise=True, mixing=True):
        """One official iteration on the real batch x (already blended); zs: fixed latents of steps I, II, III."""
        m, lod, blend = self.model, self.lod, self.blend
        z1, z2, z3 = zs if zs is not None else [self.latents(x.device) for _ in range(3)]
        # step I: E and D, softplus losses + R1 by double backprop
        self.enc_opt.zero_grad(set_to_none=False)
        with torch.no_grad():
            fake = self.mixed(z1, noise, mixing)
        m.discriminator.requires_grad_(True)
        real = x.detach().requires_grad_(True)
        d_real, d_fake = m.discriminate(real, lod, blend), m.discriminate(fake, lod, blend)
        grad, = torch.autograd.grad(d_real.sum(), real, create_graph=True, retain_graph=True)
        r1 = grad.pow(2).sum(dim=(1, 2, 3))
        loss_d = (F.softplus(d_fake) + F.softplus(-d_real) + r1 * (R1_GAMMA * 0.5)).mean()
        loss_d.backward()
        self.enc_opt.step()
        grads = [{n: p.grad.clone() for n, p in m.named_parameters() if p.grad is not None}]
        # step II: F and G against the frozen E (D is not frozen; its gradient is zeroed before it is used)
        self.dec_opt.zero_grad(set_to_none=False)
        m.discriminator.requires_grad_(False)
        loss_g = F.softplus(-m.discriminate(self.mixed(z2, noise, mixing), lod, blend)).mean()
        loss_g.backward()
        self.dec_opt.step()
        grads.append({n: p.grad.clone() for n, p in m.named_parameters()
                      if p.grad is not None and n.startswith(("generator", "mapping_fl"))})
        # step III: latent reconstruction without mixing; both optimizers step (D with zero gradients)
        self.enc_opt.zero_grad(set_to_none=False)
        self.dec_opt.zero_grad(set_to_none=False)
        m.discriminator.requires_grad_(True)
        w, rec = m.generate(z3, lod, blend, noise)
        loss_ae = torch.mean((m.discriminator(rec, lod, blend) - w.detach()) ** 2)
        loss_ae.backward()
        self.enc_opt.step()
        self.dec_opt.step()
        grads.append({n: p.grad.clone() for n, p in m.named_parameters() if p.grad is not None})
        if self.ema is not None:
            with torch.no_grad():
                for p_s, p in zip(self.ema.parameters(), m.parameters()):
                    p_s.lerp_(p, 1.0 - self.ema_beta)
        return [loss_d.item(), loss_g.item(), loss_ae.item()], grads


def resolution(lod):
    return 4 * 2 ** lod


def fade_real(x, blend):
    """The official real-image blend in a fade-in: lerp toward the nearest-upsampled 2x2 average."""
    if blend >= 1.0:
        return x
    return x * blend + F.interpolate(F.avg_pool2d(x, 2, 2), scale_factor=2, mode="nearest") * (1.0 - blend)


def bench_images(lod, channels):
    """The embedded digits in [-1, 1], padded to 32x32, resized to the LOD's resolution, channels repeated."""
    x = load_split()[0].view(-1, 1, 28, 28) * 2.0 - 1.0
    x = F.pad(x, (2, 2, 2, 2), value=-1.0)                                  # [N, 1, 32, 32]
    size = resolution(lod)
    x = F.adaptive_avg_pool2d(x, size) if size <= 32 else F.interpolate(x, size=size, mode="nearest")
    return x.expand(-1, channels, -1, -1).contiguous()


# ----------------------------------------------------------------------------------------------- commands
def bench(args):
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.blend < 1.0 and args.lod == 0:
        raise SystemExit("--blend below 1 needs --lod 1 or more (a fade-in grows from the LOD below)")
    cfg = CONFIGS[args.config]
    torch.manual_seed(1)
    random.seed(1)
    model, ema = StyleAlae(**cfg).to(args.device), StyleAlae(**cfg).to(args.device)
    trainer = Trainer(model, ema, args.lod, args.blend, cfg["lr"], args.batch)
    images = bench_images(args.lod, cfg["channels"]).to(args.device)
    order, cursor = torch.randperm(images.shape[0], device=args.device), 0
    times = []
    for i in range(args.warmup + args.iterations):
        if cursor + args.batch > images.shape[0]:
            order, cursor = torch.randperm(images.shape[0], device=args.device), 0
        x = fade_real(images[order[cursor:cursor + args.batch]], args.blend)
        cursor += args.batch
        sync(args.device)
        start = time.perf_counter()
        trainer.iteration(x)
        sync(args.device)
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    times.sort()
    mean, median = sum(times) / len(times), times[len(times) // 2]
    print(json.dumps(dict(peer=f"pytorch {torch.__version__}", config=args.config, lod=args.lod, blend=args.blend,
                          batch=args.batch, device=args.device, threads=torch.get_num_threads(),
                          iterations=len(times), mean_ms=mean * 1e3, median_ms=median * 1e3, min_ms=times[0] * 1e3,
                          images_per_s_mean=args.batch / mean, images_per_s_median=args.batch / median)))


def load_weights(model, path):
    """Loads an .npz of official names into the model: every parameter and dlatent_avg.buff required, the
    fixed blur kernels optional."""
    with np.load(path) as arrays:
        state = {name: torch.from_numpy(arrays[name]) for name in arrays.files}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith("blur.weight")]
    if missing or unexpected:
        raise SystemExit(f"{path}: missing {missing}, unexpected {unexpected}")


def relative_difference(ours, theirs):
    """max |ours - theirs| / max |theirs|: the error relative to the output's scale."""
    theirs = torch.as_tensor(theirs, dtype=ours.dtype)
    return ((ours - theirs).abs().max() / theirs.abs().max().clamp_min(1e-30)).item()


def check_outputs(folder, cfg, dtype):
    npy = lambda name: torch.from_numpy(np.load(os.path.join(folder, name + ".npy"))).to(dtype)
    model = StyleAlae(**cfg).to(dtype)
    load_weights(model, os.path.join(folder, "weights_ema.npz"))
    model.eval()
    lod, g, e = cfg["layer_count"] - 1, model.generator, model.discriminator
    out = {}
    with torch.no_grad():
        w = model.mapping_fl(npy("z"))
        styles = model.styles(w)
        x = npy("x")
        slot = torch.arange(model.slots)[None, :, None]
        truncated = torch.lerp(npy("dlatent_avg"), styles, torch.where(slot < 8, torch.tensor(0.7), torch.tensor(1.0)).to(dtype))
        encoded = e(x, lod)
        out["mapping_w"] = relative_difference(w, npy("mapping_w"))
        out["generate"] = relative_difference(g(styles, lod, 1.0, False), npy("generate"))
        out["generate_blend0.5"] = relative_difference(g(styles, lod, 0.5, False), npy("generate_blend0.5"))
        out["generate_truncated"] = relative_difference(g(truncated, lod, 1.0, False), npy("generate_truncated"))
        out["encode"] = relative_difference(encoded, npy("encode"))
        out["encode_blend0.5"] = relative_difference(e(x, lod, 0.5), npy("encode_blend0.5"))
        out["encode_half"] = relative_difference(e(npy("x_half"), lod - 1), npy("encode_half"))
        out["discriminate"] = relative_difference(model.mapping_tl(encoded), npy("discriminate"))
        out["reconstruct"] = relative_difference(g(model.styles(encoded), lod, 1.0, False), npy("reconstruct"))
    return out


def check_steps(folder, cfg, dtype):
    """Replays step/: two official iterations from init.npz with fixed latents, mixing and noise off.

    Compares the losses of both iterations and the gradients of iteration 1 (tensors the official run left
    all zero, the unused LODs' layers, are skipped). The weights after each iteration are not compared:
    Adam's first steps are about sign(gradient) times the step, so a gradient that is zero up to rounding
    (G's block-0 bias_1 before an InstanceNorm of a constant map) moves by a full step either way."""
    step = os.path.join(folder, "step")
    arrays = lambda name: np.load(os.path.join(step, name + ".npz"))
    with open(os.path.join(step, "step.json")) as f:
        recorded = json.load(f)
    settings = recorded["settings"]
    model = StyleAlae(**cfg).to(dtype)
    load_weights(model, os.path.join(step, "init.npz"))
    x = torch.from_numpy(np.load(os.path.join(folder, "x.npy"))).to(dtype)
    z = {k: torch.from_numpy(v).to(dtype) for k, v in arrays("latents").items()}
    trainer = Trainer(model, None, settings["lod"], settings["blend"], settings["learning_rate"], x.shape[0])
    out = {}
    for it, names in ((1, ("z1", "z2", "z3")), (2, ("z4", "z5", "z6"))):
        losses, grads = trainer.iteration(x, [z[n] for n in names], noise=False, mixing=False)
        for key, ours in zip(("loss_d", "loss_g", "lae"), losses):
            theirs = recorded["losses"][it - 1][key]
            out[f"iter{it}.{key}"] = abs(ours - theirs) / abs(theirs)
        if it == 1:
            for k, ours_step in enumerate(grads, 1):
                with arrays(f"grads_step{k}") as theirs_step:
                    out[f"iter1.grads_step{k}"] = max(relative_difference(ours_step[n], theirs_step[n])
                                                     for n in theirs_step.files if theirs_step[n].any())
    return out


def check(args):
    torch.set_num_threads(args.threads)
    cfg = CONFIGS[args.config]
    dtype = getattr(torch, args.dtype)
    result = dict(peer=f"pytorch {torch.__version__}", config=args.config, dtype=args.dtype)
    groups = [("outputs", check_outputs(args.folder, cfg, dtype))]
    if os.path.isdir(os.path.join(args.folder, "step")):
        groups.append(("training", check_steps(args.folder, cfg, dtype)))
    for group, out in groups:
        for name, diff in out.items():
            print(f"{group:9s} {name:24s} {diff:.3e}")
        result[f"{group}_max_relative_difference"] = max(out.values())
        result[f"{group}_worst"] = max(out, key=out.get)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--config", choices=sorted(CONFIGS), default="mnist")
    b.add_argument("--lod", type=int, default=3)
    b.add_argument("--blend", type=float, default=1.0)
    b.add_argument("--batch", type=int, default=32)
    b.add_argument("--device", default="cpu")
    b.add_argument("--threads", type=int, default=0)
    b.add_argument("--warmup", type=int, default=3)
    b.add_argument("--iterations", type=int, default=10)
    c = sub.add_parser("check")
    c.add_argument("folder", help="a folder with weights_ema.npz and the official outputs (*.npy), optionally step/")
    c.add_argument("--config", choices=sorted(CONFIGS), default="tiny32")
    c.add_argument("--threads", type=int, default=2)
    c.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                   help="float32 is the official run's precision: the rounding-sensitive gradients then agree best")
    args = parser.parse_args()
    dict(bench=bench, check=check)[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
