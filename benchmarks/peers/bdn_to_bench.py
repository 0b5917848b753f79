"""Turns BenchmarkDotNet's JSON reports of cpu_vs_torch.sh's cases into the JSON lines `alae bench` prints (kind,
dims, median_ms), so that benchmarks/gpu/torch_peer.py times the same cases in PyTorch.

    python3 bdn_to_bench.py ARTIFACTS/results > ours.jsonl
"""
import glob
import json
import os
import re
import sys

# Perf_Conv2d's fixed layer: N, Cin, H, W, Cout, K, stride, padding.
CONV = [32, 64, 32, 32, 64, 3, 1, 1]
# Perf_TrainStep's MLP ALAE: batch, hidden width.
MLP = [128, 1024]


def case(benchmark):
    kind, method = benchmark["Type"], benchmark["Method"]
    if (kind, method) == ("Perf_Gemm", "Cpu"):
        shape = re.search(r"Shape=(\d+)x(\d+)x(\d+)( A\^T)?( B\^T)?", benchmark["Parameters"])
        m, n, k = (int(shape.group(i)) for i in (1, 2, 3))
        return "gemm", [m, n, k, int(bool(shape.group(4))), int(bool(shape.group(5)))]
    if (kind, method) == ("Perf_Conv2d", "CpuForwardBackward"):
        return "conv", CONV
    if (kind, method) == ("Perf_TrainStep", "FullIteration"):
        return "mlp_step", MLP
    return None


def main():
    reports = glob.glob(os.path.join(sys.argv[1], "*-report-full*.json"))
    if not reports:
        sys.exit(f"bdn_to_bench.py: no *-report-full*.json under {sys.argv[1]}")
    for report in sorted(reports):
        with open(report) as f:
            for benchmark in json.load(f)["Benchmarks"]:
                found = case(benchmark)
                if found is None or benchmark.get("Statistics") is None:
                    continue
                kind, dims = found
                median_ms = benchmark["Statistics"]["Median"] / 1e6
                name = f"{kind} {'x'.join(str(d) for d in dims)}"
                print(json.dumps(dict(name=name, kind=kind, dims=dims, device="cpu", median_ms=median_ms)))


if __name__ == "__main__":
    main()
