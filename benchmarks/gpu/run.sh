#!/usr/bin/env bash
# One-call GPU benchmark: `alae check`, then `alae bench` and the same cases in PyTorch on the same device, then one
# table of ratios, then `alae bench --tile-sweep` (every tile shape of the tiled kernel per case, for TileShape.Pick). Run from anywhere on a machine with the packed app (see README.md) and PyTorch:
#   bash benchmarks/gpu/run.sh                       # CUDA, full sizes
#   bash benchmarks/gpu/run.sh --device cpu --tiny   # dry run of the plumbing (also: --device ilgpu-cpu)
# Options: --device D (cuda | cpu | ilgpu-cpu; PyTorch runs on cuda for cuda, else on cpu), --tiny (small shapes,
# few iterations), --skip-check, --skip-tiles (no tile sweep; it needs an ILGPU device, so --device cpu skips it), --out DIR (results; default benchmarks/gpu/results). Environment: ALAE, the command
# that runs the app (default: bash .gpu/run.sh alae.dll from the repository root), PYTHON (default python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
device=cuda tiny=0 check=1 tiles=1 out="$here/results"
while [ $# -gt 0 ]; do
  case $1 in
    --device) device=${2:?--device needs a value}; shift 2 ;;
    --tiny) tiny=1; shift ;;
    --skip-check) check=0; shift ;;
    --skip-tiles) tiles=0; shift ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    *) echo "run.sh: unknown option $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
done
if [ -n "${ALAE:-}" ]; then read -r -a alae <<< "$ALAE"
elif [ -f "$root/.gpu/run.sh" ]; then alae=(bash "$root/.gpu/run.sh" alae.dll)
else echo "run.sh: no packed app at $root/.gpu and no ALAE set; see benchmarks/gpu/README.md" >&2; exit 2
fi
python=${PYTHON:-python3}
torch_device=cpu
[ "$device" = cuda ] && torch_device=cuda
bench_args=() peer_args=()
[ "$tiny" = 1 ] && bench_args=(--tiny --warmup 1 --iterations 3) && peer_args=(--warmup 1 --iterations 3)
[ "$torch_device" = cpu ] && peer_args+=(--threads "$(nproc)")
mkdir -p "$out"

if [ "$check" = 1 ]; then
  echo "== alae check --device $device"
  "${alae[@]}" check --device "$device" | tee "$out/check.txt"
fi
echo "== alae bench --device $device ${bench_args[*]}"
"${alae[@]}" bench --device "$device" "${bench_args[@]}" | tee "$out/ours.jsonl"
echo "== PyTorch on $torch_device"
"$python" "$here/torch_peer.py" "$out/ours.jsonl" --device "$torch_device" --json "$out/torch.jsonl" "${peer_args[@]}" | tee "$out/ratios.txt"
if [ "$tiles" = 1 ] && [ "$device" != cpu ]; then
  echo "== alae bench --device $device --tile-sweep ${bench_args[*]}"
  "${alae[@]}" bench --device "$device" --tile-sweep "${bench_args[@]}" > "$out/tiles.jsonl"
  grep '^#' "$out/tiles.jsonl"
fi
