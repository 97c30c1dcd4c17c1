"""Probe how the base model draws one custom subject: for each prompt, the share of samples recognised as the
subject (eval_quality.py's section (d) score and threshold), the mean score and the median width of the subject's
colour region, next to the same width in the subject's training images and in single-object pool images of its
shape and colour. Answers "is it the residual or the base model?" for a weak subject.
A prompt ending in "+residual" adds the committed residual (models/shapes/residuals/<name>.safetensors) to its base
word. Reference sampler, Euler 25 steps, seeds 0..n-1.
Usage: python3 training/probe_subject.py <subject> [--n 30] [--cfg 5.0] "<prompt>" ["a star +residual" ...]
Example: python3 training/probe_subject.py holed_star "a yellow star with a hole" "a yellow star" "a star +residual" """
import _env  # noqa: F401
import argparse
import os

import numpy as np
import torch

import data
from common import DIFF_FINAL
from eval_quality import PAL_NAMES, SUBJECT_COLOUR, analyse, run_batches, subject_reference, subject_score
from reference_sampler import Pipeline
from train_residual import RES_DIR, read_safetensors


def width(img, colour):
    """Width in pixels of the region classified as `colour`, or None when there is none."""
    xs = np.nonzero(analyse(img)["labels"] == PAL_NAMES.index(colour))[1]
    return int(xs.max() - xs.min() + 1) if len(xs) else None


def median_width(imgs, colour):
    ws = [w for w in (width(im, colour) for im in imgs) if w is not None]
    return (float(np.median(ws)) if ws else float("nan")), len(ws)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("subject", choices=list(data.SUBJECTS))
    ap.add_argument("prompts", nargs="+")
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--cfg", type=float, default=5.0)
    args = ap.parse_args()
    torch.set_num_threads(2)
    name, colour = args.subject, SUBJECT_COLOUR[args.subject]
    word = data.SUBJECTS[name][0]
    ref_imgs, _, thr = subject_reference(name)
    pool, rng = [], np.random.default_rng(5)
    while len(pool) < 40:
        im, _, meta = data.make_sample(rng)
        objs = meta["objects"]
        if len(objs) == 1 and objs[0]["shape"] == word and objs[0]["color"] == colour:
            pool.append(im)
    print(f"{name}: threshold {thr:.2f}; width of the {colour} region (median px, n): subject images "
          f"{median_width(ref_imgs, colour)}, pool single {colour} {word}s {median_width(pool, colour)}", flush=True)
    pipe = Pipeline.load(DIFF_FINAL)
    vec = torch.from_numpy(read_safetensors(os.path.join(RES_DIR, name + ".safetensors"))[0]["residual"].copy())
    for p in args.prompts:
        prompt = p.replace("+residual", "").strip()
        rs = [[(word, vec)]] * args.n if p.endswith("+residual") else None
        imgs = run_batches(pipe, [prompt] * args.n, list(range(args.n)), steps=25, cfg=args.cfg, residuals=rs)
        sc = [subject_score(name, im) for im in imgs]
        print(f"'{p}' (cfg {args.cfg}): recognised {np.mean([s >= thr and f for s, f in sc]):.0%}, "
              f"score {np.mean([s for s, _ in sc]):.2f}, width {median_width(imgs, colour)}", flush=True)


if __name__ == "__main__":
    main()
