"""Times the PyTorch reference of cifar10-laborieux on this machine's CPU cores (docs/performance.md).

    /usr/bin/python3 cpu_reference_timing.py REFERENCE_DIR [--batch 32] [--threads N] [--no-step] [--no-iteration]
        [--no-direct]

REFERENCE_DIR is a checkout of the published code of Laborieux et al. 2021 (github.com/Laborieux-Axel/
Equilibrium-Propagation); its model_utils.P_CNN is imported, not copied. PyTorch comes from Debian's python3-torch
(1.13, oneDNN convolutions), installed by install-reference.sh beside this file. Timed on random data, with
torch.set_num_threads(N) (default: every core):
  * the reference's relaxation step (autograd of Phi), as (time of 40 free steps - time of 10) / 30;
  * its whole synchronous T=250, K=25 iteration: free phase, both nudged phases and compute_syn_grads;
  * the same step written with PyTorch's operations directly (conv2d, max_pool2d with indices, max_unpool2d,
    conv_transpose2d, clamp; no autograd) in float32 and under bfloat16 autocast: PyTorch's best per step here.
The last line is one JSON object.
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def timed(fn, repeats):
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def option(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main():
    ref = sys.argv[1]
    batch = int(option("--batch", 32))
    threads = int(option("--threads", os.cpu_count()))
    torch.set_num_threads(threads)
    sys.path.insert(0, ref)
    import model_utils as mu

    torch.manual_seed(7)
    model = mu.P_CNN(32, [3, 128, 256, 512, 512], [3, 3, 3, 3], [1, 1, 1, 1], [10], mu.make_pools("mmmm"),
                     [1, 1, 1, 0], activation=mu.my_hard_sig, softmax=True)
    criterion = torch.nn.CrossEntropyLoss(reduction="none")
    x = torch.rand(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    result = {"torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(), "threads": threads,
              "batch": batch}

    def free_steps(t):
        neurons = model.init_neurons(batch, torch.device("cpu"))
        model(x, y, neurons, t, beta=0.0, criterion=criterion)

    def iteration(t=250, k=25, beta=1.0):
        neurons = model.init_neurons(batch, torch.device("cpu"))
        neurons = model(x, y, neurons, t, beta=0.0, criterion=criterion)
        n1 = mu.copy(neurons)
        neurons = model(x, y, neurons, k, beta=beta, criterion=criterion)
        n2 = mu.copy(neurons)
        neurons = mu.copy(n1)
        neurons = model(x, y, neurons, k, beta=-beta, criterion=criterion)
        n3 = mu.copy(neurons)
        model.compute_syn_grads(x, y, n2, n3, (beta, -beta), criterion)

    free_steps(3)
    if "--no-step" not in sys.argv:
        step = (timed(lambda: free_steps(40), 3) - timed(lambda: free_steps(10), 3)) / 30
        result["reference_step_s"] = round(step, 5)
        print(f"reference step (autograd of Phi, fp32): {step:.4f} s", flush=True)
    if "--no-iteration" not in sys.argv:
        it = timed(iteration, 1)
        result["reference_iteration_s"] = round(it, 3)
        print(f"reference T=250, K=25 iteration: {it:.2f} s", flush=True)

    if "--no-direct" in sys.argv:
        print(json.dumps(result))
        return
    # the same step with PyTorch's operations directly (no autograd)
    ws = [m.weight.detach() for m in model.synapses[:4]]
    bs = [m.bias.detach() for m in model.synapses[:4]]
    pads = [1, 1, 1, 0]
    with torch.no_grad():
        s = [torch.zeros(batch, c, h, h) for c, h in ((128, 16), (256, 8), (512, 4), (512, 1))]

        def direct_step():
            lower = [x] + s[:-1]
            z = [F.conv2d(lower[k], ws[k], bs[k], padding=pads[k]) for k in range(4)]
            pooled, idx = zip(*[F.max_pool2d(zk, 2, return_indices=True) for zk in z])
            for k in range(4):
                u = pooled[k]
                if k < 3:
                    up = F.max_unpool2d(s[k + 1], idx[k + 1], 2, output_size=z[k + 1].shape[-2:])
                    u = u + F.conv_transpose2d(up, ws[k + 1], padding=pads[k + 1])
                s[k] = torch.clamp(0.5 * u, 0, 1).float()

        for label, dtype in (("fp32", None), ("bf16", torch.bfloat16)):
            def steps(n):
                if dtype is None:
                    for _ in range(n):
                        direct_step()
                else:
                    with torch.autocast("cpu", dtype=dtype):
                        for _ in range(n):
                            direct_step()
            steps(3)
            step = timed(lambda: steps(20), 3) / 20
            result["direct_step_s_" + label] = round(step, 5)
            print(f"direct PyTorch step ({label}): {step:.4f} s", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
