#!/usr/bin/env bash
# Ratios to the PyTorch reference of cifar10-laborieux (Laborieux et al. 2021) on a shared, noisy machine: the
# reference and this project's engine timed in tight pairs, back to back, PAIRS times; each pair gives one ratio, and
# docs/performance.md quotes their median and range.
#   [PAIRS=5] [TOL=7e-4] [PARTS="step iteration"] dl4j-eqprop-examples/src/test/python/cpu_pairs.sh REFERENCE_DIR [OUT_LOG]
# Per relaxation step (both sides (time of 40 free steps - time of 10) / 30, batch 32): the reference's autograd step
# against this engine's fp32 and bf16 steps (--convolution auto). Per iteration: the reference's synchronous T=250,
# K=25 iteration against this engine's --tolerance TOL iteration (its gradient agreement: cpu_sitting.sh).
# Run it at real-time priority: chrt -r 1 cpu_pairs.sh ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
ref="${1:?usage: cpu_pairs.sh REFERENCE_DIR [OUT_LOG]}"
log="${2:-/dev/stdout}"
pairs="${PAIRS:-5}"
tol="${TOL:-7e-4}"
parts="${PARTS:-step iteration}"
B="bench --preset cifar10-laborieux --batch 32 --no-reference --iterations 3 --warmup 1"
seconds() { "$root/eqprop" "$@" 2>/dev/null | tail -1 | /usr/bin/python3 -c \
  "import json,sys; print(json.loads(sys.stdin.read())['seconds_per_iteration'])"; }
reference() { (cd "$ref" && /usr/bin/python3 "$here/cpu_reference_timing.py" "$ref" --batch 32 --no-direct "$@") \
  | tail -1; }
{
  date -u; grep -m1 'model name' /proc/cpuinfo; uptime
  for i in $(seq "$pairs"); do
    [[ " $parts " == *" step "* ]] || break
    r=$(reference --no-iteration | /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read())['reference_step_s'])")
    line="step pair $i: reference $r s"
    for p in fp32 bf16; do
      t40=$(seconds $B --convolution-precision $p --free-steps 40 --nudged-steps 2)
      t10=$(seconds $B --convolution-precision $p --free-steps 10 --nudged-steps 2)
      line+=$(/usr/bin/python3 -c "s=($t40-$t10)/30; print(f'; {\"$p\"} {s:.4f} s ({s/$r:.3f}x)')")
    done
    echo "$line"
  done
  for i in $(seq "$pairs"); do
    [[ " $parts " == *" iteration "* ]] || break
    r=$(reference --no-step | /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read())['reference_iteration_s'])")
    t=$(seconds $B --tolerance "$tol" --free-steps 250 --nudged-steps 25)
    /usr/bin/python3 -c "print(f'iteration pair $i: reference $r s; tolerance $tol {$t:.3f} s ({$t/$r:.3f}x)')"
  done
  uptime
} 2>&1 | tee "$log"
