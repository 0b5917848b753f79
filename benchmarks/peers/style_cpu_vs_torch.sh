#!/usr/bin/env bash
# One StyleALAE training iteration on the CPU, ours against the PyTorch peer, in one go on this machine: the same
# config, level of detail, batch and thread count, interleaved (ours, torch, ours, torch, ...) so that a machine whose
# speed drifts penalises both alike. Ours is `alae probe` (random images), the peer `style_alae_torch.py bench` (the
# embedded digits); both time full iterations (three steps, R1 by double backprop, style mixing, EMA).
# Prints one line: both images/s (each over all its timed iterations) and the ratio ours / PyTorch.
#
# usage: benchmarks/peers/style_cpu_vs_torch.sh [config=mnist] [lod=3] [batch=32] [threads=2] [rounds=2] [iterations=3] [warmup=1]
# PYTHON selects the interpreter that has PyTorch (default /usr/bin/python3).
set -euo pipefail

config=${1:-mnist} lod=${2:-3} batch=${3:-32} threads=${4:-2} rounds=${5:-2} iterations=${6:-3} warmup=${7:-1}
python=${PYTHON:-/usr/bin/python3}
root=$(cd "$(dirname "$0")/../.." && pwd)

dotnet build "$root/src/AlaeIlgpu.Cli" -c Release -v quiet -nologo > /dev/null
alae=("dotnet" "$root/src/AlaeIlgpu.Cli/bin/Release/net10.0/alae.dll")

ours_ms=() torch_ms=()
for ((round = 1; round <= rounds; round++)); do
    # "mean 1234.5 ms, median ..." -> 1234.5
    ours=$(DOTNET_PROCESSOR_COUNT=$threads "${alae[@]}" probe --config "$config" --lod "$lod" --batch "$batch" \
           --iterations "$iterations" --warmup "$warmup" --device cpu | sed -n 's/^mean \([0-9.]*\) ms,.*/\1/p')
    # the peer's last line is JSON with mean_ms
    torch=$(OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=PASSIVE env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
            "$python" "$root/benchmarks/peers/style_alae_torch.py" bench --config "$config" --lod "$lod" --batch "$batch" \
            --device cpu --threads "$threads" --iterations "$iterations" --warmup "$warmup" | tail -n 1 |
            "$python" -c 'import json, sys; print(json.load(sys.stdin)["mean_ms"])')
    echo "round $round: ours $ours ms, pytorch $torch ms per iteration" >&2
    ours_ms+=("$ours") torch_ms+=("$torch")
done

# Equal iteration counts per round, so the mean of the rounds' means is the mean over every timed iteration.
awk -v batch="$batch" -v ours="${ours_ms[*]}" -v torch="${torch_ms[*]}" \
    -v what="$config lod $lod batch $batch, $threads threads, $rounds x $iterations iterations each" 'BEGIN {
    n = split(ours, o, " "); split(torch, t, " ")
    for (i = 1; i <= n; i++) { so += o[i]; st += t[i] }
    ours_rate = batch * 1000 / (so / n); torch_rate = batch * 1000 / (st / n)
    printf "style %s: ours %.2f images/s, pytorch %.2f images/s, ratio %.2fx\n", what, ours_rate, torch_rate, ours_rate / torch_rate
}'
