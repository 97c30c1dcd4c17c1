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


class Budget:
    """How long a training run lasts: wall-clock minutes ("60", "12.5"), a step count ("4700steps"), or both
    ("4700steps/52.5min": whichever is reached first ends it).
    A minute budget fixes the run's duration, and its result then depends on how fast the machine is that day (the
    eighth build in training/HISTORY.md got 4700 diffusion steps where the seventh got 6167); a step budget fixes the
    result and the duration varies. Both: the steps on a machine fast enough, fewer on a slow day, never longer than
    the minutes (build_all.sh BUILD_MIN). frac() is the schedule's progress in [0, 1] (cosine learning-rate decay): the
    larger of the two progresses, so the decay ends with the run.
    plan() turns minutes into a step count before the first step (train_diffusion.py): the schedule then follows the
    steps alone, and "<N>steps" reruns the run exactly, where a clock-driven schedule differs on every run
    (training/HISTORY.md, twenty-eighth attempt)."""

    def __init__(self, spec):
        spec = str(spec).strip()
        self.steps = self.seconds = self.stop = None
        try:
            for part in spec.split("/") if "/" in spec else [spec]:
                if "steps@" in part and self.steps is None:
                    steps, stop = part.split("steps@")
                    self.steps, self.stop = int(steps), int(stop)
                elif part.endswith("steps") and self.steps is None:
                    self.steps = int(part[:-len("steps")])
                elif self.seconds is None and (part.endswith("min") or "/" not in spec):
                    self.seconds = float(part[:-len("min")] if part.endswith("min") else part) * 60
                else:
                    raise ValueError(part)
        except ValueError:
            raise SystemExit(f"budget {spec!r}: expected minutes (e.g. 60), a step count (e.g. 4700steps), both "
                             "(e.g. 4700steps/52.5min) or a step count and the step to stop at (e.g. 933steps@923)")
        if any(v is not None and not v > 0 for v in (self.steps, self.seconds, self.stop)):
            raise SystemExit(f"budget {spec!r} must be positive")
        if self.stop is not None and self.stop > self.steps:
            raise SystemExit(f"budget {spec!r}: the step to stop at is past the steps")
        self.limit = None  # plan(): the hard stop in seconds, kept from the minutes
        self.start()

    def start(self):
        """(Re)starts the clock: a minute budget counts from here."""
        self.t0 = time.time()

    def elapsed(self):
        return time.time() - self.t0

    def frac(self, step, elapsed=None):
        """step: steps completed so far; elapsed: seconds (default this process's clock)."""
        by_steps = step / self.steps if self.steps else 0.0
        by_time = (self.elapsed() if elapsed is None else elapsed) / self.seconds if self.seconds else 0.0
        return min(1.0, max(by_steps, by_time))

    def done(self, step, elapsed=None):
        return (self.frac(step, elapsed) >= 1.0 or self.clock_stopped(elapsed)
                or (self.stop is not None and step >= self.stop))

    def plan(self, seconds_per_step, margin=0.1, slack=0.1):
        """Replaces the minutes with the steps that fit in what is left of them at seconds_per_step, with `margin`
        spare for a slower stretch, and no more than the budget's own steps. The minutes stay only as a hard stop,
        `slack` past them (a run stopped by it ends before its decay; "<planned>steps@<stopped>" reruns it).
        Returns the steps."""
        left = self.seconds - self.elapsed()
        fit = max(1, int(left / (seconds_per_step * (1 + margin))))
        self.set_plan(min(self.steps, fit) if self.steps else fit, self.seconds * (1 + slack))
        return self.steps

    def set_plan(self, steps, limit):
        """A plan's step count and hard stop (plan(), or a continued run's checkpoint)."""
        self.steps, self.seconds, self.limit = steps, None, limit

    def clock_stopped(self, elapsed=None):
        """A planned run past its hard stop."""
        return self.limit is not None and (self.elapsed() if elapsed is None else elapsed) >= self.limit

    def __str__(self):
        parts = ([f"{self.steps} steps"] if self.steps else []) + ([f"{self.seconds / 60:g} min"] if self.seconds else [])
        stop = f" (planned; hard stop at {self.limit / 60:.1f} min)" if self.limit is not None else ""
        at = f", stopping at step {self.stop}" if self.stop is not None else ""
        return " or ".join(parts) + at + stop


def trained_steps(ck):
    """Diffusion steps behind a checkpoint, including the runs it resumed from (info["previous"], nested)."""
    total, info = ck.get("step") or 0, (ck.get("info") or {}).get("previous")
    while info:
        total += info.get("steps", 0)
        info = info.get("previous")
    return total


def rerun_budgets(ck):
    """build_all.sh's step budgets that rerun the runs behind a finished checkpoint (stages 3, 3b and 3c, the first
    run first), e.g. "DIFF_MIN=49steps DIFF2_MIN=933steps@923 DIFF3_MIN=43steps": a planned run that its hard stop
    ended before its planned steps (common.Budget.plan) is rerun by its planned steps and the step it stopped at."""
    runs, info = [], ck.get("info")
    while info:
        planned = info.get("planned") or {}
        steps = info.get("steps", 0)
        runs.append(f"{planned['steps']}steps@{steps}" if planned.get("steps", steps) > steps else f"{steps}steps")
        info = info.get("previous")
    runs.reverse()
    line = " ".join(f"{name}={budget}" for name, budget in zip(("DIFF_MIN", "DIFF2_MIN", "DIFF3_MIN"), runs))
    if len(runs) == 2:
        line += " DIFF3_MIN=0"
    return line
