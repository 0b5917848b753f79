"""PyTorch peer of the MLP ALAE (the algorithm of docs/alae-walkthrough.md), written for this project's comparisons.

It is not part of the build: it runs where PyTorch is installed (the GPU machine) and answers two questions.

  bench  how many images/s one full iteration (three steps, R1 by double backprop, EMA update) reaches in
         PyTorch on the same CPU cores or GPU as our Perf_TrainStep:
           python3 mlp_alae_torch.py bench --device cpu --threads 2
  train  what the official algorithm reaches on our 8,000/2,000 split of the embedded digits, per seed, with
         the paper's classifiers (scikit-learn 1-NN and LinearSVC C=0.02, max_iter 5000):
           python3 mlp_alae_torch.py train --device cuda --seed 1 --iterations 6000 --out result.json
  gemm   torch.matmul GFLOP/s for Perf_Gemm's shapes (the cuBLAS peer of our tiled CUDA GEMM).

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

import torch
import torch.nn.functional as F

MASK64 = (1 << 64) - 1
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "mnist-embedded")


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
    def __init__(self):
        super().__init__()
        self.F, self.G, self.E, self.D = MappingF(), GeneratorG(), EncoderE(), DiscriminatorD()
        self.register_buffer("w_avg", torch.zeros(50))

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
    def __init__(self, images, device, seed, batch=128):
        torch.manual_seed(seed)
        self.model = Alae().to(device)
        self.ema = Alae().to(device)            # own random init, as the official code
        self.ema.requires_grad_(False)
        m = self.model
        self.enc_opt = LreqAdam(list(m.E.parameters()) + list(m.D.parameters()))
        self.dec_opt = LreqAdam(list(m.F.parameters()) + list(m.G.parameters()))
        self.images, self.device, self.batch = images.to(device), device, batch
        self.ema_beta = 0.5 ** (batch / 10000.0)
        self.order, self.cursor = None, 0

    def next_batch(self):
        if self.order is None or self.cursor + self.batch > self.images.shape[0]:
            self.order, self.cursor = torch.randperm(self.images.shape[0], device=self.device), 0
        rows = self.order[self.cursor:self.cursor + self.batch]
        self.cursor += self.batch
        return self.images[rows]

    def iteration(self):
        m, b, dev = self.model, self.batch, self.device
        x = self.next_batch()
        # step I: E and D, softplus losses + R1 (gamma 10) by double backprop
        self.enc_opt.zero_grad(set_to_none=False)
        with torch.no_grad():
            fake = m.G(m.map(torch.randn(b, 50, device=dev)))
        m.E.requires_grad_(True)
        real = x.detach().requires_grad_(True)
        d_real, d_fake = m.D(m.E(real)), m.D(m.E(fake))
        grad, = torch.autograd.grad(d_real.sum(), real, create_graph=True, retain_graph=True)
        r1 = grad.pow(2).sum(dim=1)
        loss_d = (F.softplus(d_fake).squeeze(1) + F.softplus(-d_real).squeeze(1) + r1 * 5.0).mean()
        loss_d.backward()
        self.enc_opt.step()
        # step II: F and G against the frozen E
        self.dec_opt.zero_grad(set_to_none=False)
        m.E.requires_grad_(False)
        fake = m.G(m.map(torch.randn(b, 50, device=dev)))
        loss_g = F.softplus(-m.D(m.E(fake))).mean()
        loss_g.backward()
        self.dec_opt.step()
        # step III: latent reconstruction, both optimizers step
        self.enc_opt.zero_grad(set_to_none=False)
        self.dec_opt.zero_grad(set_to_none=False)
        m.E.requires_grad_(True)
        w = m.map(torch.randn(b, 50, device=dev))
        loss_ae = torch.mean((m.E(m.G(w)) - w.detach()) ** 2)
        loss_ae.backward()
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
    trainer = Trainer(images, args.device, seed=1)
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
    trainer = Trainer(train_x, args.device, seed=args.seed)
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
    args = parser.parse_args()
    dict(bench=bench, train=train, gemm=gemm)[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
