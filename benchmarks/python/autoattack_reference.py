"""Run the reference AutoAttack (fra31/auto-attack) on a kwta run's MNIST CNN: the yardstick of
docs/attacks/autoattack-crosscheck.md. The reference is not part of this project: pass the folder
of a checkout (git clone https://github.com/fra31/auto-attack) with --autoattack.

usage: autoattack_reference.py --autoattack DIR --run RUN_DIR --data DATA_DIR [--eps 0.3] [--norm Linf]
       [--version standard] [--seed 0] [--bs 250] [--threads 2] [--log FILE]
"""
import argparse
import json
import sys
import time

import torch

from mnist_cnn_torch import load_run, read_examples


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--autoattack", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--eps", type=float, default=0.3)
    p.add_argument("--norm", default="Linf")
    p.add_argument("--version", default="standard")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bs", type=int, default=250)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--log", default=None)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    sys.path.insert(0, a.autoattack)
    from autoattack import AutoAttack

    net, config = load_run(a.run)
    x, y = read_examples(a.data)
    adversary = AutoAttack(net, norm=a.norm, eps=a.eps, version=a.version, seed=a.seed, device="cpu", log_path=a.log)
    start = time.time()
    with torch.no_grad():
        x_adv = adversary.run_standard_evaluation(x, y, bs=a.bs)
        robust = (net(x_adv).argmax(1) == y).float().mean().item()
    print(json.dumps({"run": a.run, "activation": config["activation"], "examples": len(y), "robustAccuracy": robust, "seconds": time.time() - start, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
