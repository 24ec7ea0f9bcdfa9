"""PyTorch side of the checkpoint-loading benchmark (src/suites/pth-load.ts).

usage: torch_load.py DIR PTH THREADS

Serves requests on stdin, one per line, answering one JSON line each:
  load  torch.load(PTH) (a state dict: every storage read and every tensor built)
  sums  the sum of each tensor of the last load, in float64, in state-dict order
(DIR is the contender's scratch folder, unused.)
"""
import json
import sys

import torch


def main() -> None:
    path, threads = sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    state = torch.load(path)
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "load":
            state = torch.load(path)
            print(json.dumps({"tensors": len(state)}), flush=True)
        elif cmd == "sums":
            print(json.dumps({"values": [float(t.double().sum()) for t in state.values()]}), flush=True)
        else:
            raise SystemExit(f"torch_load.py: unknown request {cmd!r}")


if __name__ == "__main__":
    main()
