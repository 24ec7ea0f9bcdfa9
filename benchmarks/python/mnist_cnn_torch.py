"""The kWTA repository's MNIST CNN in PyTorch, loading a kwta run directory's weights.

Shared by the AutoAttack cross-check (autoattack_reference.py) and the APGD benchmark
(apgd_ce_step.py). The layout matches @kwta/nn's MnistCnn, so the parameter names of the run's
model.safetensors (cnn.0.weight ... cnn.11.bias) load unchanged: conv3x3 1->c0, c0->c1 stride 2,
c1->c2, c2->c3 stride 2 (padding 1), flatten, a hidden linear layer, 10 outputs, each conv and the
hidden layer followed by the activation. k-WTA is written as the paper's code writes it (topk on
the flattened layer output, k = int(gamma * N), keep values >= the k-th largest).
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn


class KWTA(nn.Module):
    """The paper's k-WTA (Sparsify1D / Sparsify2D): per sample, keep the k largest values of the whole layer output."""

    def __init__(self, gamma):
        super().__init__()
        self.gamma = gamma

    def forward(self, x):
        flat = x.reshape(x.shape[0], -1)
        k = int(self.gamma * flat.shape[1])
        kth = flat.topk(k, dim=1)[0][:, -1:]
        return (flat * (flat >= kth).to(flat)).view_as(x)


def activation(spec):
    """'relu' or 'kwta:<gamma>' (the kwta CLI's spelling)."""
    if spec == "relu":
        return nn.ReLU
    if spec.startswith("kwta:"):
        gamma = float(spec.split(":", 1)[1])
        return lambda: KWTA(gamma)
    raise SystemExit(f"mnist_cnn_torch.py: activation {spec!r} is not supported (relu or kwta:<gamma>)")


class MnistCnn(nn.Module):
    def __init__(self, act, channels=(32, 32, 64, 64), hidden=20000, size=28, classes=10):
        super().__init__()
        c0, c1, c2, c3 = channels
        side = (((size - 1) // 2 + 1) - 1) // 2 + 1
        self.cnn = nn.Sequential(
            nn.Conv2d(1, c0, 3, padding=1), act(),
            nn.Conv2d(c0, c1, 3, padding=1, stride=2), act(),
            nn.Conv2d(c1, c2, 3, padding=1), act(),
            nn.Conv2d(c2, c3, 3, padding=1, stride=2), act(),
            nn.Flatten(), nn.Linear(side * side * c3, hidden), act(), nn.Linear(hidden, classes),
        )

    def forward(self, x):
        return self.cnn(x)


DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8"}


def read_safetensors(path):
    """The safetensors format: an 8-byte little-endian header length, a JSON header, raw data."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        if entry["dtype"] not in DTYPES:
            raise SystemExit(f"{path}: tensor {name} has dtype {entry['dtype']}, not one of {sorted(DTYPES)}")
        out[name] = torch.from_numpy(np.frombuffer(data[start:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"]).copy())
    return out


def load_run(run_dir):
    """The model of a `kwta train` run directory (config.json + model.safetensors), in eval mode."""
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    if config["model"] != "mnist-cnn":
        raise SystemExit(f"{run_dir}: model {config['model']!r} is not mnist-cnn")
    net = MnistCnn(activation(config["activation"]), channels=tuple(config.get("channels", (32, 32, 64, 64))), hidden=config.get("hidden", 20000),
                   size=config.get("inputSize", 28), classes=config.get("numClasses", 10))
    state = read_safetensors(os.path.join(run_dir, "model.safetensors"))
    net.load_state_dict(state, strict=True)
    return net.eval(), config


def read_examples(data_dir):
    """x.f32 ([N, 1, 28, 28] float32) and y.i32 (N labels) as the TypeScript side wrote them."""
    x = np.fromfile(os.path.join(data_dir, "x.f32"), dtype="<f4")
    y = np.fromfile(os.path.join(data_dir, "y.i32"), dtype="<i4")
    return torch.from_numpy(x.reshape(len(y), 1, 28, 28).copy()), torch.from_numpy(y.astype(np.int64))
