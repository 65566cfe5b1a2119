#!/usr/bin/env bash
# One sitting on this CPU: the PyTorch reference of cifar10-laborieux (Laborieux et al. 2021) and this project's
# engine, batch 32, timed back to back (docs/performance.md, "Against the PyTorch reference on the CPU").
#   [ROUNDS=3] dl4j-eqprop-examples/src/test/python/cpu_sitting.sh REFERENCE_DIR [OUT_LOG]
# REFERENCE_DIR: a checkout of github.com/Laborieux-Axel/Equilibrium-Propagation; PyTorch from install-reference.sh.
# Per relaxation step, both sides: (time of 40 free steps - time of 10) / 30. The iteration at gradient cosine >= 0.99
# with the synchronous T=250, K=25 gradient (float32, direct convolutions): bench --tolerance with --agreement "250,25".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
ref="${1:?usage: cpu_sitting.sh REFERENCE_DIR [OUT_LOG]}"
log="${2:-/dev/stdout}"
B="bench --preset cifar10-laborieux --batch 32 --no-reference"
run() { echo "== ./eqprop $*"; "$root/eqprop" "$@" 2>/dev/null | tail -1; }
{
  date -u; grep -m1 'model name' /proc/cpuinfo; uptime
  # the machine is shared: repeat the timings in rounds, reference and engine back to back in each
  for round in $(seq "${ROUNDS:-1}"); do
    echo "== round $round"
    echo "== PyTorch reference"
    (cd "$ref" && /usr/bin/python3 "$here/cpu_reference_timing.py" "$ref" --batch 32)
    # auto: oneDNN's Winograd algorithm on the wide 3x3 layers, direct elsewhere; onednn: its direct algorithm only
    for c in auto onednn; do
      for p in fp32 bf16; do
        run $B --convolution $c --convolution-precision $p --free-steps 40 --nudged-steps 2 --iterations 3 --warmup 1
        run $B --convolution $c --convolution-precision $p --free-steps 10 --nudged-steps 2 --iterations 3 --warmup 1
      done
    done
    run $B --tolerance 7e-4 --free-steps 250 --nudged-steps 25 --iterations 3 --warmup 1
  done
  # gradient agreement with float32 direct convolutions (the references of --agreement)
  for p in fp32 bf16; do
    run $B --convolution-precision $p --free-steps 10 --nudged-steps 2 --iterations 1 --warmup 0 --agreement "10,2"
  done
  for tol in 1e-3 8e-4 7e-4 5e-4 3e-4; do
    run $B --tolerance $tol --free-steps 250 --nudged-steps 25 --iterations 3 --warmup 1 --agreement "250,25"
  done
  uptime
} 2>&1 | tee "$log"
