#!/usr/bin/env bash
# gpu-check.sh: the CUDA module's check on a machine with an NVIDIA GPU. Needs only the CUDA toolkit (nvcc,
# compute-sanitizer) and g++: no Maven, no Java, no network. It
#   1. builds the kernels' fatbin exactly as the Maven build does (sm_80, sm_90 SASS and compute_90 PTX), the CPU
#      stand-in of libcuda.so.1, and the standalone checkers src/test/cuda/gpu_check.cpp and session_check.cpp (the
#      host build, the driver-API path, the resident sessions);
#   2. runs every kernel on the GPU against its host build, and whole resident training iterations on the GPU
#      against the same iterations on the CPU stand-in, at odd shapes and at the presets' shapes; times the
#      mnist-fc1 and cifar10-laborieux kernels and whole iterations at batch 128;
#   3. runs compute-sanitizer (memcheck, racecheck, synccheck, initcheck) on the small sizes and the session checks;
#   4. with EQPROP_REFERENCE_DIR pointing at a checkout of the PyTorch reference code (Laborieux et al. 2021) and
#      python3 with torch, times the reference's cifar10-laborieux step and iteration on the same GPU.
# The last line is one JSON object. Exit codes: 0 passed, 1 a check failed, 2 a build step failed, 3 no GPU here.
#
#   dl4j-eqprop-cuda/gpu-check.sh [--quick]      (--quick: skip the sanitizer and the reference)
# With EQPROP_CUDA_DRIVER pointing at a driver library (the stand-in), everything runs against that library
# instead of the GPU: a dry run of this script on a machine without one (the sanitizer is then skipped);
# GPU_CHECK_SMALL=1 keeps to the small sizes; GPU_CHECK_FATBIN=path uses a fatbin built before instead of nvcc's.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src/main/cuda"
work="${GPU_CHECK_WORK:-$here/target/gpu-check}"
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
small=""
[[ -n "${GPU_CHECK_SMALL:-}" ]] && small="--small"
mkdir -p "$work"

json_exit() {  # status, code, message
    printf '{"check": "gpu-check", "status": "%s", "exit": %d, "message": "%s"}\n' "$1" "$2" "$3"
    exit "$2"
}

nvcc="${NVCC:-}"
if [[ -z "$nvcc" ]]; then
    if [[ -x /usr/local/cuda/bin/nvcc ]]; then nvcc=/usr/local/cuda/bin/nvcc; else nvcc="$(command -v nvcc || true)"; fi
fi
[[ -n "$nvcc" ]] || json_exit error 2 "nvcc not found (install the CUDA toolkit or set NVCC)"
command -v g++ >/dev/null || json_exit error 2 "g++ not found"

t0=$SECONDS
if [[ -n "${GPU_CHECK_FATBIN:-}" ]]; then
    # a fatbin built before (the Maven build's), e.g. for the dry run on the stand-in
    echo "== fatbin: $GPU_CHECK_FATBIN"
    cp "$GPU_CHECK_FATBIN" "$work/eqprop_kernels.fatbin" || json_exit error 2 "cannot read GPU_CHECK_FATBIN"
    : >"$work/ptxas-report.txt"
else
echo "== build: fatbin ($nvcc)"
if ! "$nvcc" -fatbin --compress-mode=none -O3 -std=c++14 -lineinfo \
        -gencode arch=compute_80,code=sm_80 -gencode 'arch=compute_90,code=[sm_90,compute_90]' \
        -Xptxas -v -o "$work/eqprop_kernels.fatbin" "$src/eqprop_kernels.cu" >"$work/ptxas-report.txt" 2>&1; then
    cat "$work/ptxas-report.txt"
    json_exit error 2 "nvcc failed to compile the kernels"
fi
if grep -Eq '[1-9][0-9]* bytes spill' "$work/ptxas-report.txt"; then
    grep -E 'spill' "$work/ptxas-report.txt" | sort | uniq -c
    json_exit error 2 "ptxas reports register spills"
fi
fi
echo "== build: checkers and the CPU stand-in driver (g++)"
for target in gpu_check session_check; do
    if ! g++ -O2 -std=c++14 -I"$src" -o "$work/$target" "$here/src/test/cuda/$target.cpp" -ldl -lpthread \
            2>"$work/gxx.txt"; then
        cat "$work/gxx.txt"
        json_exit error 2 "g++ failed to build $target"
    fi
done
if ! g++ -O2 -std=c++14 -fopenmp -shared -fPIC -I"$src" -o "$work/libcuda-standin.so" "$src/cuda_standin.cpp" \
        2>"$work/gxx.txt"; then
    cat "$work/gxx.txt"
    json_exit error 2 "g++ failed to build the CPU stand-in driver"
fi
echo "   built in $((SECONDS - t0)) s"
# the tensor-core GEMMs must issue HMMA in their machine code (cuobjdump comes with the toolkit)
sass_json=""
objdump="$(dirname "$nvcc")/cuobjdump"
if [[ -x "$objdump" ]]; then
    "$objdump" --dump-sass "$work/eqprop_kernels.fatbin" >"$work/sass.txt" 2>&1
    for k in eqp_igemm eqp_igemm_tf32 eqp_igemm_bf16; do
        counts="$(awk -v k="$k" '/Function : /{on = ($3 == k)} on && /HMMA/{h++} on && /FFMA/{f++} END{printf "%d %d", h, f}' \
            "$work/sass.txt")"
        read -r hmma ffma <<<"$counts"
        echo "   $k: $hmma HMMA, $ffma FFMA (all architectures)"
        sass_json="$sass_json${sass_json:+, }\"$k\": {\"hmma\": $hmma, \"ffma\": $ffma}"
    done
fi

"$work/gpu_check" --probe >"$work/probe.txt" 2>&1
probe=$?
if [[ $probe -eq 3 ]]; then
    cat "$work/probe.txt" | head -1
    echo "gpu-check: no usable NVIDIA GPU on this machine; the build steps passed, nothing was run on a GPU." >&2
    json_exit no-gpu 3 "no usable NVIDIA GPU: $(head -1 "$work/probe.txt" | tr -d '"\\')"
fi

# NVIDIA's libraries for the products: from EQPROP_CUDNN / EQPROP_CUBLAS, the loader's path, or the CUDA wheels of
# python3's site-packages (as PyTorch ships them)
if [[ -z "${EQPROP_CUDA_DRIVER:-}" ]] && command -v python3 >/dev/null; then
    for pkg in cudnn:libcudnn.so.9:EQPROP_CUDNN cublas:libcublas.so.13:EQPROP_CUBLAS; do
        IFS=: read -r module lib var <<<"$pkg"
        [[ -n "${!var:-}" ]] && continue
        dir="$(python3 -c "import nvidia.$module, os; print(os.path.join(list(nvidia.$module.__path__)[0], 'lib'))" \
            2>/dev/null || true)"
        if [[ -n "$dir" && -f "$dir/$lib" ]]; then
            export "$var=$dir/$lib"
            echo "   $var=$dir/$lib"
        fi
    done
fi

echo "== checks and timings"
"$work/gpu_check" --fatbin "$work/eqprop_kernels.fatbin" --standin "$work/libcuda-standin.so" $small 2>&1 \
    | tee "$work/checks.txt"
checks=${PIPESTATUS[0]}
summary="$(tail -1 "$work/checks.txt")"
echo "== session checks (persistent = layered, order independence, traffic, libraries = own kernels)"
"$work/session_check" "$work/eqprop_kernels.fatbin" >"$work/session-check.txt" 2>&1
sessions=$?
grep -E "FAILED|passed" "$work/session-check.txt"

sanitizer_json=""
cs="$(dirname "$nvcc")/compute-sanitizer"
[[ -x "$cs" ]] || cs="$(command -v compute-sanitizer || true)"
sanitized=0
if [[ $quick -eq 0 && -n "$cs" && -z "${EQPROP_CUDA_DRIVER:-}" ]]; then
    for tool in memcheck racecheck synccheck initcheck; do
        echo "== compute-sanitizer --tool $tool (small sizes, kernels and sessions)"
        timeout 150 "$cs" --tool "$tool" --error-exitcode 9 "$work/gpu_check" --fatbin "$work/eqprop_kernels.fatbin" \
            --small --no-timing >"$work/sanitizer-$tool.txt" 2>&1
        rc=$?
        timeout 100 "$cs" --tool "$tool" --error-exitcode 9 "$work/session_check" "$work/eqprop_kernels.fatbin" \
            >>"$work/sanitizer-$tool.txt" 2>&1
        rc2=$?
        [[ $rc -eq 0 ]] && rc=$rc2
        grep -E "ERROR SUMMARY|RACECHECK SUMMARY|FAILED" "$work/sanitizer-$tool.txt" | tail -4
        sanitizer_json="$sanitizer_json${sanitizer_json:+, }\"$tool\": $rc"
        [[ $rc -ne 0 ]] && sanitized=1
    done
fi

reference_json=""
if [[ $quick -eq 0 && -n "${EQPROP_REFERENCE_DIR:-}" ]] && python3 -c 'import torch' 2>/dev/null; then
    echo "== PyTorch reference (Laborieux et al. 2021 code) on the same GPU"
    timeout 240 python3 "$here/src/test/python/reference_timing.py" "$EQPROP_REFERENCE_DIR" 2>&1 \
        | tee "$work/reference.txt"
    reference_json="$(grep '^{' "$work/reference.txt" | tail -1)"
fi

status=ok
code=0
if [[ $checks -ne 0 || $sessions -ne 0 || $sanitized -ne 0 ]]; then status=failed; code=1; fi
printf '{"check": "gpu-check", "status": "%s", "exit": %d, "checks": %s, "sanitizer": {%s}, "sass": {%s}, "reference": %s}\n' \
    "$status" "$code" "${summary:-null}" "$sanitizer_json" "$sass_json" "${reference_json:-null}"
exit $code
