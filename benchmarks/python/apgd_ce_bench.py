"""PyTorch side of the APGD-CE benchmark (src/suites/apgd.ts): the same algorithm as
@kwta/attacks' APGD (Croce & Hein 2020, L-inf, cross-entropy, one restart), written for PyTorch
tensors, on the MNIST CNN and digits the suite wrote to DIR (config.json, model.safetensors,
x.f32, y.i32). Like ours it skips examples misclassified at the start and drops each example
from the batch as soon as it is broken (per-example early stopping).

Serves requests on stdin, one per line, answering one JSON line each:
  step  one APGD-CE run over every digit; answers {"loss": robust accuracy, "grads": gradient evaluations}
  loss  the clean accuracy (no attack)
The suite times each request from Node, interleaved with the other engines.

usage: apgd_ce_bench.py DIR EPS STEPS THREADS SEED
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_cnn_step import loaded_blas  # noqa: E402
from mnist_cnn_torch import load_run, read_examples  # noqa: E402


def checkpoints(steps):
    """APGD's step-size checkpoints: the first at 22% of the steps, each window 3% shorter, at least 6%."""
    k, low, decr = max(int(0.22 * steps), 1), max(int(0.06 * steps), 1), max(int(0.03 * steps), 1)
    out, t = {}, k
    prev = 0
    while t < steps:
        out[t] = t - prev
        prev = t
        k = max(k - decr, low)
        t += k
    return out


def apgd_ce(net, x, y, eps, steps, gen, rho=0.75, momentum=0.75):
    """Robust accuracy under APGD-CE and the number of gradient evaluations spent."""
    n = len(y)
    with torch.no_grad():
        correct = net(x).argmax(1) == y
    lo, hi = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)
    t = 2 * torch.rand(x.shape, generator=gen) - 1
    cur = torch.min(torch.max(x + eps * t / t.flatten(1).abs().max(1)[0].view(-1, 1, 1, 1), lo), hi)
    prev, best, grad_best = cur.clone(), cur.clone(), torch.zeros_like(x)
    eta = torch.full((n,), 2 * eps)
    loss_best = torch.full((n,), -float("inf"))
    loss_check, last_loss = loss_best.clone(), loss_best.clone()
    reduced = torch.ones(n, dtype=torch.bool)
    increases = torch.zeros(n)
    broken = ~correct
    idx = correct.nonzero().squeeze(1)
    checks = checkpoints(steps)
    grads = 0
    for it in range(steps):
        if len(idx) == 0:
            break
        xa = cur[idx].clone().requires_grad_()
        with torch.enable_grad():
            logits = net(xa)
            loss = F.cross_entropy(logits, y[idx], reduction="none")
            g = torch.autograd.grad(loss.sum(), xa)[0]
        grads += len(idx)
        loss = loss.detach()
        fooled = logits.detach().argmax(1) != y[idx]
        broken[idx[fooled]] = True
        keep = ~fooled
        idx, g, loss = idx[keep], g[keep], loss[keep]
        if len(idx) == 0:
            break
        if it == 0:
            best[idx], grad_best[idx], loss_best[idx], loss_check[idx], last_loss[idx] = cur[idx], g, loss, loss, loss
        else:
            increases[idx] += (loss > last_loss[idx]).float()
            last_loss[idx] = loss
            better = loss > loss_best[idx]
            b = idx[better]
            best[b], grad_best[b], loss_best[b] = cur[b], g[better], loss[better]
            if it in checks:
                reduce = (increases[idx] <= rho * checks[it]) | (~reduced[idx] & (loss_check[idx] >= loss_best[idx]))
                reduced[idx], loss_check[idx], increases[idx] = reduce, loss_best[idx], 0
                r = idx[reduce]
                eta[r] /= 2
                cur[r] = best[r]
                g[reduce] = grad_best[r]
        c = cur[idx]
        z = torch.min(torch.max(c + eta[idx].view(-1, 1, 1, 1) * g.sign(), lo[idx]), hi[idx])
        a = momentum if it > 0 else 1.0
        z = torch.min(torch.max(c + a * (z - c) + (1 - a) * (c - prev[idx]), lo[idx]), hi[idx])
        prev[idx], cur[idx] = c, z
    if len(idx) > 0:
        with torch.no_grad():
            broken[idx[net(cur[idx]).argmax(1) != y[idx]]] = True
    return (~broken).float().mean().item(), grads


def main() -> None:
    d = sys.argv[1]
    eps, steps, threads, seed = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    net, _ = load_run(d)
    x, y = read_examples(d)
    config = torch.__config__.show()
    built = config.split("BLAS_INFO=", 1)[1].split(",", 1)[0] if "BLAS_INFO=" in config else "unknown"
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": f"{built} (loaded: {loaded_blas()})"}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "step":
            robust, grads = apgd_ce(net, x, y, eps, steps, torch.Generator().manual_seed(seed))
            print(json.dumps({"loss": robust, "grads": grads}), flush=True)
        elif cmd == "loss":
            with torch.no_grad():
                print(json.dumps({"loss": (net(x).argmax(1) == y).float().mean().item()}), flush=True)
        else:
            raise SystemExit(f"apgd_ce_bench.py: unknown request {cmd!r}")


if __name__ == "__main__":
    main()
