"""PyTorch side of the MNIST CNN step benchmarks (src/suites/wasm-mnist-train.ts, sparse-train.ts).

Builds the kWTA repository's MNIST CNN with the initial weights and batch the suite wrote to
DIR (raw little-endian float32 parameters in PyTorch's order and layout, float32 inputs, int32
labels), with ReLU or, as the repository's SparseMNIST_CNN, k-WTA after every layer but the last
(its Sparsify2D_vol over C*H*W and Sparsify1D: the k-th largest value from topk as a threshold),
then serves requests on stdin, one per line, answering one JSON line each:
  step  one SGD training step (momentum MOMENTUM); answers the loss before the update
  loss  the loss at the current weights (no gradient)
  pgd   one PGD step on the batch, as an attack takes it: the loss's gradient with respect to
        the input only (torch.autograd.grad), then x + 0.01 * sign(grad) clamped to [0, 1];
        answers the loss and the gradient's L1 norm (the weights do not change)
The suite times each request from Node, interleaved with the other engines.

usage: mnist_cnn_step.py DIR BATCH SIZE C0 C1 C2 C3 HIDDEN LR THREADS [ACTIVATION [GAMMA [MOMENTUM]]]
  ACTIVATION relu (default) or kwta; GAMMA the k-WTA ratio (default 0.1); MOMENTUM default 0
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn


def loaded_blas():
    """The libblas mapped into this process, resolved (its folder names the implementation)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if os.path.basename(line.split()[-1]).startswith("libblas.")}
    except OSError:
        return "unknown"
    return ", ".join(sorted({os.path.realpath(p) for p in paths})) or "none"


class Sparsify(nn.Module):
    """k-WTA as the kWTA repository writes it: keep the values >= the k-th largest of each sample (k = int(gamma * size))."""

    def __init__(self, gamma: float) -> None:
        super().__init__()
        self.gamma = gamma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.view(x.shape[0], -1)
        k = int(self.gamma * flat.shape[1])
        threshold = flat.topk(k, dim=1)[0][:, -1:]
        return x * (flat >= threshold).to(x).view_as(x)


def main() -> None:
    d = sys.argv[1]
    batch, size, c0, c1, c2, c3, hidden = (int(v) for v in sys.argv[2:9])
    lr, threads = float(sys.argv[9]), int(sys.argv[10])
    activation = sys.argv[11] if len(sys.argv) > 11 else "relu"
    gamma = float(sys.argv[12]) if len(sys.argv) > 12 else 0.1
    momentum = float(sys.argv[13]) if len(sys.argv) > 13 else 0.0
    if activation not in ("relu", "kwta"):
        raise SystemExit(f"mnist_cnn_step.py: ACTIVATION must be relu or kwta, got {activation!r}")
    torch.set_num_threads(threads)
    side = (((size - 1) // 2 + 1) - 1) // 2 + 1
    act = (lambda: nn.ReLU()) if activation == "relu" else (lambda: Sparsify(gamma))
    net = nn.Sequential(
        nn.Conv2d(1, c0, 3, padding=1), act(),
        nn.Conv2d(c0, c1, 3, padding=1, stride=2), act(),
        nn.Conv2d(c1, c2, 3, padding=1), act(),
        nn.Conv2d(c2, c3, 3, padding=1, stride=2), act(),
        nn.Flatten(), nn.Linear(side * side * c3, hidden), act(), nn.Linear(hidden, 10),
    )
    flat = np.fromfile(os.path.join(d, "params.f32"), dtype="<f4")
    params = list(net.parameters())
    if flat.size != sum(p.numel() for p in params):
        raise SystemExit(f"mnist_cnn_step.py: params.f32 holds {flat.size} floats, the network has {sum(p.numel() for p in params)}")
    with torch.no_grad():
        at = 0
        for p in params:
            p.copy_(torch.from_numpy(flat[at:at + p.numel()].copy()).view_as(p))
            at += p.numel()
    x = torch.from_numpy(np.fromfile(os.path.join(d, "x.f32"), dtype="<f4").copy()).view(batch, 1, size, size)
    y = torch.from_numpy(np.fromfile(os.path.join(d, "labels.i32"), dtype="<i4").astype(np.int64))
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    config = torch.__config__.show()
    built = config.split("BLAS_INFO=", 1)[1].split(",", 1)[0] if "BLAS_INFO=" in config else "unknown"
    # Debian's torch is built against the generic BLAS interface; which library serves it is
    # chosen at run time (update-alternatives: reference BLAS or OpenBLAS), so say what is loaded.
    blas = f"{built} (loaded: {loaded_blas()})"
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas, "activation": activation, "momentum": momentum}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "step":
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
        elif cmd == "loss":
            with torch.no_grad():
                loss = loss_fn(net(x), y)
        elif cmd == "pgd":
            adv = x.clone().requires_grad_(True)
            loss = loss_fn(net(adv), y)
            (grad,) = torch.autograd.grad(loss, adv)
            adv = (adv.detach() + 0.01 * grad.sign()).clamp(0, 1)
            print(json.dumps({"loss": loss.item(), "gradL1": grad.abs().sum().item()}), flush=True)
            continue
        else:
            raise SystemExit(f"mnist_cnn_step.py: unknown request {cmd!r}")
        print(json.dumps({"loss": loss.item()}), flush=True)


if __name__ == "__main__":
    main()
