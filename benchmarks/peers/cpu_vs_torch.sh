#!/usr/bin/env bash
# Issue 9's CPU ratios in one go on this machine: our BenchmarkDotNet cases beside PyTorch on the same cores, in
# rounds (ours, then PyTorch, then ours again ...) so that a machine whose speed drifts penalises both alike.
#   ours:    Perf_Gemm.Cpu (every shape, 1024^3 among them), Perf_Conv2d.CpuForwardBackward ([32,64,32,32] x
#            [64,64,3,3], pad 1), Perf_TrainStep.FullIteration (one MLP ALAE iteration at batch 128)
#   PyTorch: benchmarks/gpu/torch_peer.py on the same cases (torch.matmul, conv2d forward + backward, the MLP ALAE
#            iteration of mlp_alae_torch.py), run with OMP_WAIT_POLICY=PASSIVE and without OPENBLAS_CORETYPE /
#            OPENBLAS_L2_SIZE. Debian's python3-torch takes its BLAS from the libblas.so.3 alternative: install
#            libopenblas0-pthread, or torch.matmul runs the reference BLAS (30x slower) and the ratios mean nothing.
# Prints each round's ratio table (PyTorch time / ours: above 1, ours is faster) and leaves the raw results in --out.
#
# usage: benchmarks/peers/cpu_vs_torch.sh [--rounds R] [--threads T] [--out DIR]
# PYTHON selects the interpreter that has PyTorch (default /usr/bin/python3).
set -euo pipefail
rounds=2 threads=$(nproc) out=benchmarks/peers/results/cpu
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:?--rounds needs a count}; shift 2 ;;
    --threads) threads=${2:?--threads needs a count}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    *) echo "cpu_vs_torch.sh: unknown option $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
done
python=${PYTHON:-/usr/bin/python3}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
libblas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
if [[ $libblas == */blas/libblas.so.3 ]]; then
  echo "cpu_vs_torch.sh: libblas.so.3 is the reference BLAS ($libblas), so torch.matmul would be ~30x slow;" \
       "install libopenblas0-pthread (apt-get install -y libopenblas0-pthread) and run again" >&2
  exit 2
fi
blas=$("$python" -c 'import torch; print(torch.__config__.show())' | grep -o 'BLAS_INFO=[a-z]*' || true)
echo "== $(lscpu | sed -n 's/^Model name: *//p'), $threads threads, AVX-512: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no); PyTorch $("$python" -c 'import torch; print(torch.__version__)') $blas; libblas.so.3 -> $libblas"

for ((round = 1; round <= rounds; round++)); do
  artifacts="$out/round$round"
  DOTNET_PROCESSOR_COUNT=$threads dotnet run -c Release --project "$root/benchmarks/AlaeIlgpu.Benchmarks" -- \
    --filter '*Perf_Gemm.Cpu' '*Perf_Conv2d.CpuForwardBackward' '*Perf_TrainStep.FullIteration' \
    --exporters json --artifacts "$artifacts" > "$artifacts.log" 2>&1
  "$python" "$root/benchmarks/peers/bdn_to_bench.py" "$artifacts/results" > "$artifacts/ours.jsonl"
  echo "== round $round"
  OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=PASSIVE env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    "$python" "$root/benchmarks/gpu/torch_peer.py" "$artifacts/ours.jsonl" --device cpu --threads "$threads" \
    --json "$artifacts/torch.jsonl" | tee "$artifacts/ratios.txt"
done
