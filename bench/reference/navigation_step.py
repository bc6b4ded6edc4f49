#!/usr/bin/env python3
"""The reference's navigation training step in PyTorch, timed the way bench/train.bench.ts times ours.

A faithful re-creation of the paper code's step (docs/method.md; reference navigation/model1.py and
trainer.py): encoder Np→N, nn.RNN(2, N, relu, no bias), decoder N→Np, soft-target cross-entropy averaged
over T·B plus λ·mean(C ⊙ |W_hh|) (a fixed C), AdamW(lr 1e-4, weight decay 0.01). Like the reference it
evaluates the network three times per step (logits, an unused softmax, the log-softmax; only the last is
differentiated) and builds each batch on the fly: a random walk of T+2 positions, then the DoG place-cell
code of every position. PyTorch is not a dependency of this project: install it (Debian: python3-torch;
or pip) to run this. Prints one JSON line per hidden size:
  {"impl":"pytorch","hidden","threads","msPerStep","torch"}
Usage: python3 bench/reference/navigation_step.py --hidden 256,512,1024 --threads 2 [--steps 10 --warmup 3]
"""
import argparse
import json
import math
import time

import numpy as np
import torch


def place_code(pos, centres, sigma=0.12, surround=2.0):
    """DoG code a = softmax(-r²/2σ²) - softmax(-r²/(2sσ²)), shifted to ≥ 0 and normalised (place_cells.py)."""
    d2 = ((pos[..., None, :] - centres) ** 2).sum(-1)
    a = torch.softmax(-d2 / (2 * sigma**2), -1) - torch.softmax(-d2 / (2 * surround * sigma**2), -1)
    a = a - a.min(-1, keepdim=True).values
    return a / a.sum(-1, keepdim=True)


def batch(rng, T, B, centres, box=2.2):
    """A smooth random walk (the trajectory generator's shapes and cost class, without the wall rule)."""
    hd = rng.uniform(-math.pi, math.pi, B)
    pos = np.zeros((T + 2, B, 2))
    pos[0] = rng.uniform(-box / 2, box / 2, (B, 2))
    for t in range(T + 1):
        v = rng.rayleigh(0.13 * math.pi / 2, B) * 0.02
        hd = hd + 0.02 * rng.normal(0, 5.76 * 2, B)
        pos[t + 1] = pos[t] + v[:, None] * np.stack([np.cos(hd), np.sin(hd)], -1)
    pos = torch.tensor(pos, dtype=torch.float32)
    velocity = pos[2:] - pos[1:-1]
    return velocity, place_code(pos[1], centres), place_code(pos[2:], centres)


class Rnn(torch.nn.Module):
    def __init__(self, n, np_):
        super().__init__()
        self.encoder = torch.nn.Linear(np_, n, bias=False)
        self.rnn = torch.nn.RNN(2, n, nonlinearity="relu", bias=False)
        self.decoder = torch.nn.Linear(n, np_, bias=False)

    def forward(self, velocity, init_code):
        h0 = self.encoder(init_code)[None]
        g, _ = self.rnn(velocity, h0)
        return self.decoder(g)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hidden", default="256,512,1024")
    # PyTorch's own threads; OpenBLAS's come from OPENBLAS_NUM_THREADS. On 2 cores torch 1 thread with OpenBLAS
    # on both was fastest (they oversubscribe otherwise); bench/reference.ts tries every split and keeps the best.
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--place-cells", type=int, default=512)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    T, B, Np = 20, 200, a.place_cells
    centres = torch.rand(Np, 2) * 2.2 - 1.1
    for n in [int(x) for x in a.hidden.split(",")]:
        model = Rnn(n, Np)
        C = torch.rand(n, n)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
        times = []
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            velocity, init_code, targets = batch(rng, T, B, centres)
            opt.zero_grad()
            logits = model(velocity, init_code)
            _ = torch.softmax(model(velocity, init_code), -1)
            log_probs = torch.log_softmax(model(velocity, init_code), -1)
            loss = -(targets * log_probs).sum(-1).mean() + 0.1 * (C * model.rnn.weight_hh_l0.abs()).mean()
            loss.backward()
            opt.step()
            loss.item()
            del logits
            if i >= a.warmup:
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        ms = times[len(times) // 2]
        print(json.dumps({"impl": "pytorch", "hidden": n, "threads": a.threads, "msPerStep": round(ms, 1), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
