"""Data parallelism across this machine's cores: N processes with one thread each instead of one process with N
threads. Every rank draws the same full batch from identically seeded generators and trains on its slice;
DistributedDataParallel averages the gradients, so a step equals the single-process batch up to float rounding.
Whether it is faster is not settled: one scratch timing on 2026-11-30 gave 2 ranks x 1 thread 0.648 s/step against
1 process x 2 threads 0.802 s (1.24x), but training/bench_parallel.py (interleaved medians) on another 2-core VM on
2026-12-01 measured 0.89x (5 rounds x 10 steps) and 1.02x (7 x 15), with rounds ranging 0.72-1.44 s/step.
Only rank 0 writes files and prints. Gloo over 127.0.0.1 (CPU only)."""
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(fn, world, *args):
    """Run fn(rank, world, *args) in `world` processes (one thread each), or in this process with all cores
    (`world` 1). Exceptions in a rank stop the run and are re-raised here."""
    if world <= 1:
        torch.set_num_threads(os.cpu_count() or 1)
        return fn(0, 1, *args)
    port = free_port()
    mp.spawn(_entry, args=(world, port, fn, args), nprocs=world, join=True)


def _entry(rank, world, port, fn, args):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        fn(rank, world, *args)
    finally:
        dist.destroy_process_group()


def share(rank, world, n):
    """The slice of a batch of n that rank trains on (n divisible by world)."""
    if n % world:
        raise ValueError(f"batch {n} does not split over {world} processes")
    k = n // world
    return slice(rank * k, (rank + 1) * k)


def chunk(rank, world, n):
    """Rank's contiguous share of n rows (ceil(n / world) each, the last one shorter)."""
    k = -(-n // world)
    return slice(min(n, rank * k), min(n, (rank + 1) * k))


def sync_scalars(world, rank0_value, *mean_values):
    """One collective per step: returns (rank 0's rank0_value, the ranks' mean of each mean_value), the same on every
    rank, so wall-clock budgets and learning rates cannot drift apart between processes."""
    if world <= 1:
        return (rank0_value,) + mean_values
    t = torch.tensor([rank0_value if dist.get_rank() == 0 else 0.0, *mean_values], dtype=torch.float64)
    dist.all_reduce(t)
    return (float(t[0]),) + tuple(float(v) / world for v in t[1:])


def gather_rows(world, part, n):
    """Concatenate every rank's share part [n_r, ...] (rows chunk(rank, world, n)) on every rank."""
    if world <= 1:
        return part
    sizes = [chunk(r, world, n).stop - chunk(r, world, n).start for r in range(world)]
    pad = torch.zeros((sizes[0],) + tuple(part.shape[1:]), dtype=part.dtype)  # all_gather needs equal shapes
    pad[:len(part)] = part
    outs = [torch.empty_like(pad) for _ in range(world)]
    dist.all_gather(outs, pad)
    return torch.cat([o[:m] for o, m in zip(outs, sizes)])
