"""PGD in PyTorch on a kwta run's MNIST CNN: the yardstick of docs/experiments/paper-scale/crosscheck-pytorch.md.

An independent check of the engine's PGD number: the run's weights loaded into the paper's own
network definition (mnist_cnn_torch.py, k-WTA written as the paper's code writes it), attacked
by PGD written here from the attack's definition, not from the engine.

Two variants:
- `--variant paper` (the paper's text, Appendix D.4, as Foolbox runs it): a uniform random start
  in the eps-ball, `--steps` sign steps of `--step` on the cross-entropy, each projected onto the
  eps-ball and clipped to [0, 1]. An example counts as broken when any iterate is misclassified
  (Foolbox keeps the first adversarial it meets; the engine's PGD stops there).
- `--variant repo` (the kWTA repository's `pgd_linf_untargeted`, randomize=True): the same start
  and steps, but no clip to [0, 1] and only the last iterate judged.

usage: pgd_reference.py --run RUN_DIR --data DATA_DIR --out OUT.json [--examples N] [--variant paper|repo]
       [--eps 0.3] [--step 0.03] [--steps 20] [--seed 0] [--bs 100] [--threads 2]
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

from mnist_cnn_torch import load_run, read_examples


def wilson(successes, n, z=1.959963984540054):
    """The Wilson score interval of a binomial proportion (the engine's stats.ts computes the same)."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def pgd(net, x, y, eps, step, steps, variant, gen):
    """Returns per-example robustness (True: no iterate judged misclassified) and the final point."""
    delta = (torch.rand(x.shape, generator=gen) * 2 - 1) * eps
    x_adv = (x + delta).clamp(0, 1) if variant == "paper" else x + delta
    robust = torch.ones(len(y), dtype=torch.bool)
    for _ in range(steps):
        x_adv.requires_grad_(True)
        logits = net(x_adv)
        if variant == "paper":
            robust &= logits.argmax(1) == y
        grad, = torch.autograd.grad(F.cross_entropy(logits, y), [x_adv])
        with torch.no_grad():
            x_adv = x + (x_adv + step * grad.sign() - x).clamp(-eps, eps)
            if variant == "paper":
                x_adv = x_adv.clamp(0, 1)
    with torch.no_grad():
        robust &= net(x_adv).argmax(1) == y
    return robust, x_adv


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--examples", type=int, default=None)
    p.add_argument("--variant", choices=["paper", "repo"], default="paper")
    p.add_argument("--eps", type=float, default=0.3)
    p.add_argument("--step", type=float, default=0.03)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bs", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    net, config = load_run(a.run)
    x, y = read_examples(a.data)
    if a.examples is not None:
        x, y = x[: a.examples], y[: a.examples]
    gen = torch.Generator().manual_seed(a.seed)
    start = time.time()
    clean_correct, robust_count, max_pert = 0, 0, 0.0
    for i in range(0, len(y), a.bs):
        xb, yb = x[i : i + a.bs], y[i : i + a.bs]
        with torch.no_grad():
            clean = net(xb).argmax(1) == yb
        robust, x_adv = pgd(net, xb, yb, a.eps, a.step, a.steps, a.variant, gen)
        clean_correct += int(clean.sum())
        # the paper's count needs the clean digit right too (as the engine's); the repository's counts the last iterate alone
        robust_count += int((robust & clean).sum()) if a.variant == "paper" else int(robust.sum())
        max_pert = max(max_pert, float((x_adv - xb).abs().max()))
        done = min(i + a.bs, len(y))
        print(f"{done}/{len(y)}: clean {clean_correct}, robust {robust_count} ({time.time() - start:.0f} s)", flush=True)
    n = len(y)
    result = {
        "run": a.run, "activation": config["activation"], "hidden": config.get("hidden"), "examples": n,
        "attack": {"variant": a.variant, "eps": a.eps, "step": a.step, "steps": a.steps, "randomStart": True, "seed": a.seed},
        "clean": {"correct": clean_correct, "accuracy": clean_correct / n, "wilson95": wilson(clean_correct, n)},
        "robust": {"correct": robust_count, "accuracy": robust_count / n, "wilson95": wilson(robust_count, n)},
        "maxPerturbation": max_pert, "seconds": time.time() - start, "torch": torch.__version__, "threads": torch.get_num_threads(),
    }
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
