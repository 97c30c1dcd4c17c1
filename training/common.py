"""Shared helpers: training pool loading, paths, time budget helpers."""
import math
import os
import pickle
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODEL_DIR = os.path.join(REPO, "models", "shapes")
TOK_DIR = os.path.join(MODEL_DIR, "tokenizer")
WORK = os.environ.get("SHAPES_WORK", "/tmp/shapes-work")
AE_CKPT = os.path.join(WORK, "ae.pt")
DIFF_CKPT = os.path.join(WORK, "diffusion.pt")
DIFF_FINAL = os.path.join(WORK, "diffusion_final.pt")


def load_pool():
    imgs, metas = [], []
    for name in sorted(os.listdir(WORK)):
        if name.startswith("pool_") and name.endswith(".pkl"):
            with open(os.path.join(WORK, name), "rb") as f:
                d = pickle.load(f)
            imgs.append(d["imgs"])
            metas += d["metas"]
    return np.concatenate(imgs), metas


def mirror(imgs_uint8):
    """Left-right mirror images [N,H,W,3] (contiguous copy, ready for to_tensor)."""
    return np.ascontiguousarray(imgs_uint8[:, :, ::-1])


def to_tensor(imgs_uint8):
    return torch.from_numpy(imgs_uint8.astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0)


def cosine_lr(base, frac, warm_frac=0.0, floor=0.05):
    if frac < warm_frac:
        return base * frac / warm_frac
    p = min(1.0, (frac - warm_frac) / max(1e-9, 1 - warm_frac))
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


class Timer:
    def __init__(self, budget_s):
        self.t0 = time.time()
        self.budget = budget_s

    def elapsed(self):
        return time.time() - self.t0

    def frac(self):
        return min(1.0, self.elapsed() / self.budget)


def trained_steps(ck):
    """Diffusion steps behind a checkpoint, including the runs it resumed from (info["previous"], nested)."""
    total, info = ck.get("step") or 0, (ck.get("info") or {}).get("previous")
    while info:
        total += info.get("steps", 0)
        info = info.get("previous")
    return total
