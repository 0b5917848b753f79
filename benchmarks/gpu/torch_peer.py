"""PyTorch peer of `alae bench`: times the same cases in PyTorch on the same device and prints one table of ratios.

It is not part of the build; benchmarks/gpu/run.sh runs it where PyTorch is installed:
    python3 torch_peer.py --device cuda ours.jsonl [--warmup 5 --iterations 20] [--json torch.jsonl]
ours.jsonl is what `alae bench` printed: one JSON object a line with kind, dims and median_ms (other lines are
skipped). Each case is rebuilt from its kind and dims, so both sides time the same shapes:
  gemm      m, n, k, transA, transB: torch.matmul (cuBLAS on CUDA, OpenBLAS/MKL on cpu)
  conv      N, Cin, H, W, Cout, K, stride, padding: conv2d with bias forward, then backward to x, w and b (cuDNN)
  modconv   N, Cin, size, Cout: StyleGAN2's modulated 3x3 conv with demodulation as one grouped conv2d, forward
            and backward to x, w and the style
  mlp_step  batch, hidden: one MLP ALAE iteration of benchmarks/peers/mlp_alae_torch.py
The ratio column is PyTorch's median time over ours: above 1, ours is faster.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def randn(device, *shape, grad=False):
    return torch.randn(*shape, device=device).requires_grad_(grad)


def gemm_case(device, m, n, k, ta, tb):
    a, b = randn(device, *((k, m) if ta else (m, k))), randn(device, *((n, k) if tb else (k, n)))
    return lambda: torch.matmul(a.t() if ta else a, b.t() if tb else b)


def conv_case(device, n, cin, h, w, cout, k, stride, pad):
    x, wt, bias = randn(device, n, cin, h, w, grad=True), randn(device, cout, cin, k, k, grad=True), randn(device, cout, grad=True)
    ho, wo = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    dy = randn(device, n, cout, ho, wo)

    def run():
        y = F.conv2d(x, wt, bias, stride=stride, padding=pad)
        x.grad = wt.grad = bias.grad = None
        y.backward(dy)
    return run


def modconv_case(device, n, cin, size, cout):
    x, wt, s = randn(device, n, cin, size, size, grad=True), randn(device, cout, cin, 3, 3, grad=True), randn(device, n, cin, grad=True)
    dy = randn(device, n, cout, size, size)

    def run():
        per_sample = wt[None] * s[:, None, :, None, None]                        # [N, Cout, Cin, 3, 3]
        d = torch.rsqrt(per_sample.square().sum((2, 3, 4)) + 1e-8)               # [N, Cout]
        weights = (per_sample * d[:, :, None, None, None]).reshape(n * cout, cin, 3, 3)
        y = F.conv2d(x.reshape(1, n * cin, size, size), weights, padding=1, groups=n).reshape(n, cout, size, size)
        x.grad = wt.grad = s.grad = None
        y.backward(dy)
    return run


def mlp_step_case(device, batch, hidden):
    from mlp_alae_torch import Alae, Trainer, load_split
    torch.manual_seed(1)
    trainer = Trainer(Alae(hidden=hidden).to(device), Alae(hidden=hidden).to(device), batch, load_split()[0].to(device))
    return trainer.iteration


CASES = dict(gemm=gemm_case, conv=conv_case, modconv=modconv_case, mlp_step=mlp_step_case)


def median_ms(run, device, warmup, iterations):
    for _ in range(warmup):
        run()
    sync(device)
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        run()
        sync(device)
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[len(times) // 2]


def read_ours(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ours", help="the JSON lines alae bench printed")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--json", default="", help="also write PyTorch's timings here, one JSON line a case")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    ours = read_ours(args.ours)
    if not ours:
        sys.exit(f"{args.ours}: no alae bench results in it")
    peer = f"torch {torch.__version__} on {torch.cuda.get_device_name() if args.device.startswith('cuda') else 'cpu'}"
    rows = []
    for case in ours:
        ms = median_ms(CASES[case["kind"]](args.device, *case["dims"]), args.device, args.warmup, args.iterations)
        rows.append(dict(name=case["name"], ours_ms=case["median_ms"], torch_ms=ms, ratio=ms / case["median_ms"]))
    if args.json:
        with open(args.json, "w") as f:
            f.writelines(json.dumps(dict(r, peer=peer, device=args.device)) + "\n" for r in rows)
    print(f"ours: {os.path.basename(args.ours)} on {ours[0]['device']}; peer: {peer}; ratio = PyTorch time / ours (above 1: ours faster)")
    print(f"{'case':<36} {'ours ms':>10} {'torch ms':>10} {'ratio':>7}")
    for r in rows:
        print(f"{r['name']:<36} {r['ours_ms']:>10.3f} {r['torch_ms']:>10.3f} {r['ratio']:>7.2f}")


if __name__ == "__main__":
    sys.exit(main())
