"""PyTorch reference for the MNIST CNN training step timed by wasm-bench.ts (same network, batch 64)."""
import json
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(2)
torch.manual_seed(7)
HIDDEN, BATCH = 20000, 64
net = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
    nn.Conv2d(32, 32, 3, padding=1, stride=2), nn.ReLU(),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
    nn.Conv2d(64, 64, 3, padding=1, stride=2), nn.ReLU(),
    nn.Flatten(), nn.Linear(7 * 7 * 64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10),
)
opt = torch.optim.SGD(net.parameters(), lr=0.01)
x = torch.randn(BATCH, 1, 28, 28)
y = torch.randint(0, 10, (BATCH,))
loss_fn = nn.CrossEntropyLoss()


def step():
    opt.zero_grad()
    loss_fn(net(x), y).backward()
    opt.step()


reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
step()
times = []
for _ in range(reps):
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"median_ms": times[len(times) // 2], "threads": torch.get_num_threads(), "torch": torch.__version__}))
