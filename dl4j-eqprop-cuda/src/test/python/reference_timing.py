"""Times the PyTorch reference of cifar10-laborieux on this machine's GPU (run by gpu-check.sh).

    python3 reference_timing.py REFERENCE_DIR [--batch 128]

REFERENCE_DIR is a checkout of the published code of Laborieux et al. 2021 (github.com/Laborieux-Axel/
Equilibrium-Propagation); its model_utils.P_CNN is imported, not copied. Timed, at batch 128 on random data:
  * the reference's relaxation step (autograd of Phi) and its whole T=250, K=25 iteration with the third phase and
    the weight gradient (compute_syn_grads), with PyTorch's default math (cuDNN convolutions in TF32) and with TF32
    off (strict fp32);
  * a relaxation step written directly with cuDNN's operations (conv2d, max_pool2d with switches, max_unpool2d,
    conv_transpose2d; no autograd): what PyTorch with cuDNN needs per step at best.
The last line is one JSON object.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def timed(fn, repeats):
    out = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main():
    ref = sys.argv[1]
    batch = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else 128
    sys.path.insert(0, ref)
    import model_utils as mu

    dev = torch.device("cuda")
    torch.manual_seed(7)
    model = mu.P_CNN(32, [3, 128, 256, 512, 512], [3, 3, 3, 3], [1, 1, 1, 1], [10], mu.make_pools("mmmm"),
                     [1, 1, 1, 0], activation=mu.my_hard_sig, softmax=True).to(dev)
    criterion = torch.nn.CrossEntropyLoss(reduction="none")
    x = torch.rand(batch, 3, 32, 32, device=dev)
    y = torch.randint(0, 10, (batch,), device=dev)
    result = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
              "cudnn": torch.backends.cudnn.version(), "batch": batch}

    def free_steps(t):
        neurons = model.init_neurons(batch, dev)
        model(x, y, neurons, t, beta=0.0, criterion=criterion)

    def iteration(t=250, k=25, beta=1.0):
        neurons = model.init_neurons(batch, dev)
        neurons = model(x, y, neurons, t, beta=0.0, criterion=criterion)
        n1 = mu.copy(neurons)
        neurons = model(x, y, neurons, k, beta=beta, criterion=criterion)
        n2 = mu.copy(neurons)
        neurons = mu.copy(n1)
        neurons = model(x, y, neurons, k, beta=-beta, criterion=criterion)
        n3 = mu.copy(neurons)
        model.compute_syn_grads(x, y, n2, n3, (beta, -beta), criterion)

    for label, tf32 in (("default", True), ("fp32", False)):
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = False
        free_steps(3)
        step = (timed(lambda: free_steps(40), 3) - timed(lambda: free_steps(10), 3)) / 30
        it = timed(iteration, 2)
        result["reference_step_ms_" + label] = round(step * 1e3, 3)
        result["reference_iteration_s_" + label] = round(it, 4)
        print(f"reference ({label}: cudnn tf32 {tf32}): {step * 1e3:.3f} ms per step, {it:.3f} s per T=250,K=25 "
              f"iteration", flush=True)

    # the same step with cuDNN's operations directly (no autograd): what PyTorch can do per step
    ws = [m.weight.detach() for m in model.synapses[:4]]
    bs = [m.bias.detach() for m in model.synapses[:4]]
    pads = [1, 1, 1, 0]
    with torch.no_grad():
        s = [torch.zeros(batch, c, h, h, device=dev) for c, h in ((128, 16), (256, 8), (512, 4), (512, 1))]

        def direct_step():
            lower = [x] + s[:-1]
            z = [F.conv2d(lower[k], ws[k], bs[k], padding=pads[k]) for k in range(4)]
            pooled, idx = zip(*[F.max_pool2d(zk, 2, return_indices=True) for zk in z])
            for k in range(4):
                u = pooled[k]
                if k < 3:
                    up = F.max_unpool2d(s[k + 1], idx[k + 1], 2, output_size=z[k + 1].shape[-2:])
                    u = u + F.conv_transpose2d(up, ws[k + 1], padding=pads[k + 1])
                s[k] = torch.clamp(0.5 * u, 0, 1)

        for label, tf32 in (("tf32", True), ("fp32", False)):
            torch.backends.cudnn.allow_tf32 = tf32
            torch.backends.cudnn.benchmark = True
            for _ in range(5):
                direct_step()
            step = timed(lambda: [direct_step() for _ in range(50)], 3) / 50
            result["cudnn_direct_step_ms_" + label] = round(step * 1e3, 3)
            print(f"direct cuDNN step ({label}): {step * 1e3:.3f} ms", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
