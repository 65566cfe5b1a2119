#!/usr/bin/env bash
# Installs what cpu_reference_timing.py needs to time the PyTorch reference (Laborieux et al. 2021) on this CPU:
# Debian's PyTorch 1.13 (built with oneDNN 2.6), OpenBLAS for its matrix products, and the torchvision and
# matplotlib that the reference's model_utils.py imports. Needs root (or sudo) and Debian's package registry.
# The reference code itself is not ours to ship: point the timing script at a checkout of
# github.com/Laborieux-Axel/Equilibrium-Propagation (its model_utils.py and data_utils.py are what it imports).
set -euo pipefail
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get install -y -q python3-torch python3-torchvision python3-matplotlib libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__, "oneDNN:", torch.backends.mkldnn.is_available())'
