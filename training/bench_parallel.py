"""Side-by-side timing of a diffusion training step (text encoder + UNet, forward + backward + clip + AdamW, global
batch 32) run as 1 process x all threads against N processes x 1 thread (ddp.py, gloo, the batch split between the
ranks), the two paths train_diffusion.py --procs chooses between. Random latents and token ids, 70% of the steps
at 77 tokens and the rest at 12 (the build's --pad77 0.7 mix, the same sequence in both settings). Rounds alternate
which setting goes first; each run times `steps` steps after 2 warm-up steps (process start and model building
are not timed). Prints the per-setting median seconds per step and the ratio.
Usage: python3 training/bench_parallel.py [rounds=5] [steps=10] [procs=2]"""
import _env  # noqa: F401
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import torch

import ddp
from text_encoder import TextEncoder
from train_diffusion import Denoiser
from unet import UNet

VOCAB, BATCH, WARMUP = 674, 32, 2


def run(rank, world, steps, out_path):
    torch.manual_seed(0)
    te, unet = TextEncoder(VOCAB), UNet()
    model = Denoiser(te, unet)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    params = list(te.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=1e-5, weight_decay=1e-2)
    mine = ddp.share(rank, world, BATCH)
    lengths = np.where(np.random.default_rng(3).random(WARMUP + steps) < 0.7, 77, 12)
    t0 = None
    for i, length in enumerate(lengths):
        if i == WARMUP:
            t0 = time.perf_counter()
        ids = torch.randint(0, VOCAB, (BATCH, int(length)))[mine]
        zt = torch.randn(BATCH, 4, 16, 16)[mine]
        eps = torch.randn(BATCH, 4, 16, 16)[mine]
        t = torch.randint(0, 1000, (BATCH,))[mine].float()
        loss = ((model(zt, t, ids) - eps) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    per_step = (time.perf_counter() - t0) / steps
    # the ranks finish a step together (the gradient all-reduce), so rank 0's clock is the step time
    if rank == 0:
        with open(out_path, "w") as f:
            json.dump(per_step, f)


def timed(world, steps):
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        ddp.launch(run, world, steps, path)
        with open(path) as f:
            return json.load(f)
    finally:
        os.remove(path)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    procs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    cores = os.cpu_count() or 1
    settings = {f"1 process x {cores} threads": 1, f"{procs} processes x 1 thread": procs}
    times = {name: [] for name in settings}
    for r in range(rounds):
        order = list(settings) if r % 2 == 0 else list(reversed(settings))
        for name in order:
            times[name].append(timed(settings[name], steps))
        print(f"round {r + 1}/{rounds}: " + ", ".join(f"{n} {times[n][-1]:.3f} s/step" for n in settings),
              flush=True)
    med = {n: statistics.median(v) for n, v in times.items()}
    single, multi = list(settings)
    print(f"median of {rounds} interleaved rounds, {steps} steps each (batch {BATCH}, 70% 77-token steps)")
    for n in settings:
        print(f"  {n}: {med[n]:.3f} s/step")
    print(f"  speed-up of {multi} over {single}: {med[single] / med[multi]:.2f}x")


if __name__ == "__main__":
    main()
