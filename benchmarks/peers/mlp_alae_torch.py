"""PyTorch peer of the MLP ALAE (the algorithm of docs/alae-walkthrough.md), written for this project's comparisons.

It is not part of the build: it runs where PyTorch is installed (the GPU machine) and answers two questions.

  bench  how many images/s one full iteration (three steps, R1 by double backprop, EMA update) reaches in
         PyTorch on the same CPU cores or GPU as our Perf_TrainStep:
           python3 mlp_alae_torch.py bench --device cpu --threads 2
  train  what the official algorithm reaches on our 8,000/2,000 split of the embedded digits, per seed, with
         the paper's classifiers (scikit-learn 1-NN and LinearSVC C=0.02, max_iter 5000):
           python3 mlp_alae_torch.py train --device cuda --seed 1 --iterations 6000 --out result.json
  gemm   torch.matmul GFLOP/s for Perf_Gemm's shapes (the cuBLAS peer of our tiled CUDA GEMM).
  lockstep  the fixture of tests/AlaeIlgpu.Tests/Alae/MlpLockstepTests.cs: a small MLP ALAE from NumPy-drawn weights,
         batches and latents, run 5 iterations in float64 (and in float32, for the conditioning):
           python3 mlp_alae_torch.py lockstep

The networks, losses, LREQ Adam and iteration follow the official code as the reference describes it: implicit
equalized learning rate (He-scaled init, per-parameter step coefficients), beta1 = 0, gradients zeroed (not
dropped) so D's Adam state advances in step III, E frozen in step II, the EMA copy with its own init.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

MASK64 = (1 << 64) - 1
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "mnist-embedded")
LOCKSTEP_OUT = os.path.join(HERE, "..", "..", "tests", "AlaeIlgpu.Tests", "Fixtures", "mlp-lockstep")


# ----------------------------------------------------------------------------------------------- data
def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, count = struct.unpack(">II", raw[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", raw[8:16])
        return torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8).reshape(count, rows * cols)
    if magic == 0x801:
        return torch.frombuffer(bytearray(raw[8:]), dtype=torch.uint8).long()
    raise ValueError(f"{path}: magic {magic:#x} is not an IDX image or label file")


class SplitMix64:
    """The same generator and bounded draw (Lemire) as AlaeIlgpu.Alae.Data.SplitMix64, so the split matches."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_int(self, bound):
        product = self.next_u64() * bound
        high, low = product >> 64, product & MASK64
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                product = self.next_u64() * bound
                high, low = product >> 64, product & MASK64
        return high

    def permutation(self, count):
        order = list(range(count))
        for i in range(count - 1, 0, -1):
            j = self.next_int(i + 1)
            order[i], order[j] = order[j], order[i]
        return order


def load_split(train_count=8000, held_out_count=2000, split_seed=0):
    images = read_idx(os.path.join(DATA, "images-idx3-ubyte.gz")).float() / 255.0
    labels = read_idx(os.path.join(DATA, "labels-idx1-ubyte.gz"))
    order = torch.tensor(SplitMix64(split_seed).permutation(images.shape[0]))
    train, held = order[:train_count], order[train_count:train_count + held_out_count]
    return images[train], labels[train], images[held], labels[held]


# ----------------------------------------------------------------------------------------------- model
class EqLinear(torch.nn.Module):
    """Equalized-lr linear in the official 'implicit' mode: weights stored He-scaled, the scale goes to the step."""

    def __init__(self, n_in, n_out, gain=math.sqrt(2.0), lrmul=1.0):
        super().__init__()
        std = gain / math.sqrt(n_in)
        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in) * std)
        self.bias = torch.nn.Parameter(torch.zeros(n_out))
        self.weight.lr_coef = std * lrmul
        self.bias.lr_coef = lrmul

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class MappingF(torch.nn.Module):
    def __init__(self, latent=50, layers=6):
        super().__init__()
        self.layers = torch.nn.ModuleList([EqLinear(latent, latent, lrmul=0.1) for _ in range(layers)])

    def forward(self, z):
        x = z * torch.rsqrt(torch.mean(z * z, dim=1, keepdim=True) + 1e-8)
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.2)
        return x


class GeneratorG(torch.nn.Module):
    def __init__(self, latent=50, hidden=1024, pixels=784):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = EqLinear(latent, hidden), EqLinear(hidden, hidden), EqLinear(hidden, pixels)

    def forward(self, w):
        h = F.leaky_relu(self.fc1(w), 0.01)
        h = F.leaky_relu(self.fc2(h), 0.01)
        return self.fc3(h)


class EncoderE(torch.nn.Module):
    def __init__(self, latent=50, hidden=1024, pixels=784):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = EqLinear(pixels, hidden), EqLinear(hidden, hidden), EqLinear(hidden, latent)

    def features(self, x):
        h = F.leaky_relu(self.fc1(x), 0.2)
        long = F.leaky_relu(self.fc2(h), 0.2)
        return long, F.leaky_relu(self.fc3(long), 0.01)

    def forward(self, x):
        return self.features(x)[1]


class DiscriminatorD(torch.nn.Module):
    def __init__(self, latent=50, layers=3):
        super().__init__()
        self.layers = torch.nn.ModuleList([EqLinear(latent, latent, lrmul=0.1) for _ in range(layers)])

    def forward(self, w):
        for layer in self.layers:
            w = layer(w)
        return w[:, :1]


class Alae(torch.nn.Module):
    def __init__(self, latent=50, hidden=1024, pixels=784, mapping_layers=6, d_layers=3):
        super().__init__()
        self.F, self.G = MappingF(latent, mapping_layers), GeneratorG(latent, hidden, pixels)
        self.E, self.D = EncoderE(latent, hidden, pixels), DiscriminatorD(latent, d_layers)
        self.register_buffer("w_avg", torch.zeros(latent))

    def map(self, z):
        w = self.F(z)
        with torch.no_grad():
            self.w_avg.lerp_(w.mean(0), 1 - 0.995)
        return w


class LreqAdam(torch.optim.Optimizer):
    """Adam with beta1 = 0 and a per-parameter step coefficient, as the official custom_adam.py."""

    def __init__(self, params, lr=0.002, beta2=0.99, eps=1e-8):
        super().__init__(params, dict(lr=lr, beta2=beta2, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["v"] = torch.zeros_like(p)
                state["step"] += 1
                v = state["v"]
                v.mul_(group["beta2"]).addcmul_(p.grad, p.grad, value=1 - group["beta2"])
                denom = v.sqrt().add_(group["eps"])
                size = group["lr"] * math.sqrt(1 - group["beta2"] ** state["step"]) * getattr(p, "lr_coef", 1.0)
                p.addcdiv_(p.grad, denom, value=-size)


class Trainer:
    """The model, its EMA copy and the two optimizers; `step` is one iteration on given data and latents."""

    def __init__(self, model, ema, batch, images=None):
        self.model, self.ema, self.batch, self.images = model, ema, batch, images
        self.ema.requires_grad_(False)
        self.enc_opt = LreqAdam(list(model.E.parameters()) + list(model.D.parameters()))
        self.dec_opt = LreqAdam(list(model.F.parameters()) + list(model.G.parameters()))
        self.ema_beta = 0.5 ** (batch / 10000.0)
        self.order, self.cursor = None, 0

    @classmethod
    def seeded(cls, images, device, seed, batch=128):
        """The full-size model and its EMA copy (own random init, as the official code) from torch's seeded RNG."""
        torch.manual_seed(seed)
        return cls(Alae().to(device), Alae().to(device), batch, images.to(device))

    def next_batch(self):
        if self.order is None or self.cursor + self.batch > self.images.shape[0]:
            self.order, self.cursor = torch.randperm(self.images.shape[0], device=self.images.device), 0
        rows = self.order[self.cursor:self.cursor + self.batch]
        self.cursor += self.batch
        return self.images[rows]

    def iteration(self):
        x = self.next_batch()
        latent, dev = self.model.w_avg.shape[0], self.images.device
        z1, z2, z3 = (torch.randn(self.batch, latent, device=dev) for _ in range(3))
        return self.step(x, z1, z2, z3)

    def step(self, x, z1, z2, z3, on_backward=None):
        """One iteration on the real batch x and the latents of steps I, II, III; on_backward(step) runs after each
        backward pass, before the optimizers step (the lockstep fixture reads the gradients there)."""
        m = self.model
        # step I: E and D, softplus losses + R1 (gamma 10) by double backprop
        self.enc_opt.zero_grad(set_to_none=False)
        with torch.no_grad():
            fake = m.G(m.map(z1))
        m.E.requires_grad_(True)
        real = x.detach().requires_grad_(True)
        d_real, d_fake = m.D(m.E(real)), m.D(m.E(fake))
        grad, = torch.autograd.grad(d_real.sum(), real, create_graph=True, retain_graph=True)
        r1 = grad.pow(2).sum(dim=1)
        loss_d = (F.softplus(d_fake).squeeze(1) + F.softplus(-d_real).squeeze(1) + r1 * 5.0).mean()
        loss_d.backward()
        if on_backward:
            on_backward("I")
        self.enc_opt.step()
        # step II: F and G against the frozen E
        self.dec_opt.zero_grad(set_to_none=False)
        m.E.requires_grad_(False)
        fake = m.G(m.map(z2))
        loss_g = F.softplus(-m.D(m.E(fake))).mean()
        loss_g.backward()
        if on_backward:
            on_backward("II")
        self.dec_opt.step()
        # step III: latent reconstruction, both optimizers step
        self.enc_opt.zero_grad(set_to_none=False)
        self.dec_opt.zero_grad(set_to_none=False)
        m.E.requires_grad_(True)
        w = m.map(z3)
        loss_ae = torch.mean((m.E(m.G(w)) - w.detach()) ** 2)
        loss_ae.backward()
        if on_backward:
            on_backward("III")
        self.enc_opt.step()
        self.dec_opt.step()
        # EMA
        with torch.no_grad():
            for p_s, p in zip(self.ema.parameters(), m.parameters()):
                p_s.mul_(self.ema_beta).add_(p, alpha=1 - self.ema_beta)
        return loss_d, loss_g, loss_ae

# ----------------------------------------------------------------------------------------------- commands
def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def bench(args):
    if args.threads:
        torch.set_num_threads(args.threads)
    images = load_split()[0]
    trainer = Trainer.seeded(images, args.device, seed=1)
    for _ in range(args.warmup):
        trainer.iteration()
    sync(args.device)
    times = []
    for _ in range(args.iters):
        start = time.perf_counter()
        trainer.iteration()
        sync(args.device)
        times.append(time.perf_counter() - start)
    times.sort()
    mean = sum(times) / len(times)
    print(json.dumps(dict(peer=f"pytorch {torch.__version__}", device=args.device, threads=torch.get_num_threads(),
                          mean_ms=mean * 1e3, median_ms=times[len(times) // 2] * 1e3, min_ms=times[0] * 1e3,
                          images_per_s=128 / mean)))


def features(encoder, images, device):
    longs, shorts = [], []
    with torch.no_grad():
        for start in range(0, images.shape[0], 1000):
            long, short = encoder.features(images[start:start + 1000].to(device))
            longs.append(long.cpu())
            shorts.append(short.cpu())
    return torch.cat(longs).numpy(), torch.cat(shorts).numpy()


def classify(train_x, train_y, test_x, test_y):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import LinearSVC
    nn = KNeighborsClassifier(n_neighbors=1).fit(train_x, train_y).score(test_x, test_y)
    svm = LinearSVC(C=0.02, max_iter=5000).fit(train_x, train_y).score(test_x, test_y)
    return float(nn), float(svm)


def train(args):
    train_x, train_y, test_x, test_y = load_split()
    trainer = Trainer.seeded(train_x, args.device, seed=args.seed)
    start, curve = time.perf_counter(), []
    for i in range(1, args.iterations + 1):
        losses = trainer.iteration()
        if i % 1000 == 0 or i == args.iterations:
            _, tr = features(trainer.model.E, train_x, args.device)
            _, te = features(trainer.model.E, test_x, args.device)
            d = torch.cdist(torch.from_numpy(te), torch.from_numpy(tr))
            nn = (train_y[d.argmin(1)] == test_y).float().mean().item()
            curve.append(dict(iteration=i, short_1nn=nn, losses=[float(l) for l in losses]))
            print(f"seed {args.seed} it {i}: short 1-NN {nn:.4f} losses {[round(float(l), 4) for l in losses]}", flush=True)
    seconds = time.perf_counter() - start
    tr_long, tr_short = features(trainer.model.E, train_x, args.device)
    te_long, te_short = features(trainer.model.E, test_x, args.device)
    result = dict(seed=args.seed, iterations=args.iterations, train_seconds=seconds, curve=curve)
    result["short"] = classify(tr_short, train_y.numpy(), te_short, test_y.numpy())
    result["long"] = classify(tr_long, train_y.numpy(), te_long, test_y.numpy())
    print(json.dumps(result), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)


def gemm(args):
    shapes = [(1024, 1024, 1024, False, False), (512, 512, 512, False, False), (128, 1024, 784, False, False),
              (128, 784, 1024, False, True), (784, 1024, 128, True, False)]
    for m, n, k, ta, tb in shapes:
        a = torch.randn((k, m) if ta else (m, k), device=args.device)
        b = torch.randn((n, k) if tb else (k, n), device=args.device)
        op = lambda: torch.matmul(a.t() if ta else a, b.t() if tb else b)
        for _ in range(10):
            op()
        sync(args.device)
        reps = 200
        start = time.perf_counter()
        for _ in range(reps):
            op()
        sync(args.device)
        seconds = (time.perf_counter() - start) / reps
        print(json.dumps(dict(peer=f"torch.matmul {torch.__version__}", device=args.device, m=m, n=n, k=k,
                              trans_a=ta, trans_b=tb, us=seconds * 1e6, gflops=2 * m * n * k / seconds / 1e9)))

# ----------------------------------------------------------------------------------------------- lockstep
LOCKSTEP_SHAPE = dict(latent=8, hidden=32, pixels=196, mapping_layers=6, d_layers=3)
LOCKSTEP_BATCH, LOCKSTEP_ITERATIONS, LOCKSTEP_SNAPSHOTS = 16, 5, (1, 5)
LOCKSTEP_UPDATED = dict(I="ED", II="FG", III="EFG")   # the networks whose gradients each step's update reads


def lockstep_inputs(seed):
    """Initial weights of the model and of the EMA copy (He-scaled normal weights, zero biases, as EqLinear's init),
    real digits 2x2-average-pooled to 14x14 and the latents z[iteration, step], all float32 from one NumPy seed."""
    rng = np.random.default_rng(seed)
    names = [(name, tuple(p.shape)) for name, p in Alae(**LOCKSTEP_SHAPE).named_parameters()]
    arrays = {}
    for copy in ("init", "ema_init"):
        for name, shape in names:
            scale = math.sqrt(2.0) / math.sqrt(shape[1]) if name.endswith("weight") else 0.0
            arrays[f"{copy}.{name}"] = rng.standard_normal(shape) * scale
    digits = read_idx(os.path.join(DATA, "images-idx3-ubyte.gz")).numpy().astype(np.float64) / 255.0
    pooled = digits.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(-1, 196)
    rows = rng.choice(pooled.shape[0], size=LOCKSTEP_ITERATIONS * LOCKSTEP_BATCH, replace=False)
    arrays["x"] = pooled[rows].reshape(LOCKSTEP_ITERATIONS, LOCKSTEP_BATCH, 196)
    arrays["z"] = rng.standard_normal((LOCKSTEP_ITERATIONS, 3, LOCKSTEP_BATCH, LOCKSTEP_SHAPE["latent"]))
    return {k: v.astype(np.float32) for k, v in arrays.items()}


def lockstep_run(inputs, dtype):
    """The iterations in `dtype` from the inputs: losses [iteration, step], the gradients of iteration 1's three
    backward passes for the networks each step updates (grad1.<step>.<name>: I E and D, II F and G, III E, F and G;
    D's zeros of step III left out), and after iterations 1 and 5 the parameters (after<k>.), the w average
    (after<k>.w_avg) and the EMA parameters (ema<k>.)."""
    model, ema = Alae(**LOCKSTEP_SHAPE).to(dtype), Alae(**LOCKSTEP_SHAPE).to(dtype)
    with torch.no_grad():
        for copy, net in (("init", model), ("ema_init", ema)):
            for name, p in net.named_parameters():
                p.copy_(torch.from_numpy(inputs[f"{copy}.{name}"]))
    trainer = Trainer(model, ema, LOCKSTEP_BATCH)
    x, z = (torch.from_numpy(inputs[k]).to(dtype) for k in ("x", "z"))
    out, losses = {}, []

    def record(step):
        for name, p in model.named_parameters():
            if name[0] in LOCKSTEP_UPDATED[step]:
                out[f"grad1.{step}.{name}"] = p.grad.detach().clone()

    for i in range(LOCKSTEP_ITERATIONS):
        losses.append(torch.stack(trainer.step(x[i], z[i, 0], z[i, 1], z[i, 2], record if i == 0 else None)).detach())
        if i + 1 in LOCKSTEP_SNAPSHOTS:
            out[f"after{i + 1}.w_avg"] = model.w_avg.clone()
            for copy, net in ((f"after{i + 1}", model), (f"ema{i + 1}", ema)):
                for name, p in net.named_parameters():
                    out[f"{copy}.{name}"] = p.detach().clone()
    out["losses"] = torch.stack(losses)
    return {k: v.double().numpy() for k, v in out.items()}


def lockstep_spread(ref, f32, inputs):
    """float32 against float64, in the test's measures: losses relative; gradients and w averages as max |diff| over
    the array's max |value|; parameters and EMA as max |diff| over the largest movement from the initial value."""
    def movement_error(key):
        copy, name = key.split(".", 1)
        start = inputs[("ema_init." if copy.startswith("ema") else "init.") + name]
        return np.abs(f32[key] - ref[key]).max() / np.abs(ref[key] - start).max()

    spread = {"losses": float((np.abs(f32["losses"] - ref["losses"]) / np.abs(ref["losses"])).max())}
    for group in ("grad1", "after1", "after5", "ema1", "ema5"):
        keys = [k for k in ref if k.startswith(group + ".") and not k.endswith("w_avg")]
        errors = {k: (np.abs(f32[k] - ref[k]).max() / np.abs(ref[k]).max() if group == "grad1" else movement_error(k)) for k in keys}
        worst = max(errors, key=errors.get)
        spread[group] = float(errors[worst])
        print(f"  {group:7s} worst at {worst}")
    spread["w_avg"] = max(float(np.abs(f32[k] - ref[k]).max() / np.abs(ref[k]).max()) for k in ref if k.endswith("w_avg"))
    return spread


def lockstep(args):
    torch.set_num_threads(args.threads)
    inputs = lockstep_inputs(args.seed)
    ref = lockstep_run(inputs, torch.float64)
    spread = lockstep_spread(ref, lockstep_run(inputs, torch.float32), inputs)
    for key, value in spread.items():
        print(f"float32 vs float64 {key:13s} {value:.2e}")
    arrays = {**inputs, **ref, **{f"f32err.{k}": np.array(v) for k, v in spread.items()}}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "mlp-lockstep.npz")
    np.savez_compressed(path, **{k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items()})
    print(f"{path}: {len(arrays)} arrays, {os.path.getsize(path)} bytes; pytorch {torch.__version__}, numpy {np.__version__}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--device", default="cpu")
    b.add_argument("--threads", type=int, default=0)
    b.add_argument("--warmup", type=int, default=20)
    b.add_argument("--iters", type=int, default=50)
    t = sub.add_parser("train")
    t.add_argument("--device", default="cuda")
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--iterations", type=int, default=6000)
    t.add_argument("--out", default="")
    g = sub.add_parser("gemm")
    g.add_argument("--device", default="cuda")
    s = sub.add_parser("lockstep")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--out", default=LOCKSTEP_OUT)
    args = parser.parse_args()
    dict(bench=bench, train=train, gemm=gemm, lockstep=lockstep)[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
