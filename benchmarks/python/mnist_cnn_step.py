"""PyTorch side of the MNIST CNN training-step benchmark (src/suites/wasm-mnist-train.ts).

Builds the kWTA repository's MNIST CNN with the initial weights and batch the suite wrote to
DIR (raw little-endian float32 parameters in PyTorch's order and layout, float32 inputs, int32
labels), then serves requests on stdin, one per line, answering one JSON line each:
  step  one SGD training step; answers the loss before the update
  loss  the loss at the current weights (no gradient)
The suite times each request from Node, interleaved with the other engines.

usage: mnist_cnn_step.py DIR BATCH SIZE C0 C1 C2 C3 HIDDEN LR THREADS
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


def main() -> None:
    d = sys.argv[1]
    batch, size, c0, c1, c2, c3, hidden = (int(v) for v in sys.argv[2:9])
    lr, threads = float(sys.argv[9]), int(sys.argv[10])
    torch.set_num_threads(threads)
    side = (((size - 1) // 2 + 1) - 1) // 2 + 1
    net = nn.Sequential(
        nn.Conv2d(1, c0, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c0, c1, 3, padding=1, stride=2), nn.ReLU(),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c2, c3, 3, padding=1, stride=2), nn.ReLU(),
        nn.Flatten(), nn.Linear(side * side * c3, hidden), nn.ReLU(), nn.Linear(hidden, 10),
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
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    config = torch.__config__.show()
    built = config.split("BLAS_INFO=", 1)[1].split(",", 1)[0] if "BLAS_INFO=" in config else "unknown"
    # Debian's torch is built against the generic BLAS interface; which library serves it is
    # chosen at run time (update-alternatives: reference BLAS or OpenBLAS), so say what is loaded.
    blas = f"{built} (loaded: {loaded_blas()})"
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas}), flush=True)
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
        else:
            raise SystemExit(f"mnist_cnn_step.py: unknown request {cmd!r}")
        print(json.dumps({"loss": loss.item()}), flush=True)


if __name__ == "__main__":
    main()
