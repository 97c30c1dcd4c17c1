"""Probe how the base model draws one custom subject: for each prompt, the share of samples recognised as the
subject, the mean pattern score, the median width of the subject's colour region next to the same width in the
subject's training images and in single-object pool images of its shape and colour, and the share of samples whose
silhouette (eval/detect/silhouette.ts) has the base shape, and the same share for the colour and pattern the prompt
names ("a red checkered square" is read on red with the checkered closing; unnamed: the subject's). Answers "is it
the residual or the base model?" for a weak subject.
Scores come from the project's one detector, eval/detect (TypeScript), through eval/detect/cli.ts: the pattern score
and "recognised" (colour found, score >= half the mean score of training-like renders) are exactly what
`npm run eval -- --only model` reports. Needs Node and the repo's node_modules.
A prompt ending in "+residual" adds the committed residual (models/shapes/residuals/<name>.safetensors) to its base
word. Reference sampler, Euler 25 steps, seeds 0..n-1.
Usage: python3 training/probe_subject.py <subject> [--n 30] [--cfg 5.0] "<prompt>" ["a star +residual" ...]
Example: python3 training/probe_subject.py holed_star "a yellow star with a hole" "a yellow star" "a star +residual" """
import _env  # noqa: F401
import argparse
import json
import os
import subprocess

import numpy as np
import torch

import data
from common import DIFF_FINAL, HERE
from reference_sampler import Pipeline, to_uint8
from train_residual import RES_DIR, read_safetensors

REPO = os.path.dirname(HERE)


def detect(imgs, subject=None, silhouette=None):
    """eval/detect (through eval/detect/cli.ts) on uint8 images [N, H, W, 3] -> {"subject": {...}, "images": [...]}
    (no "subject" without one). silhouette "COLOUR:PATTERN" adds each image's silhouettes[silhouette] (that colour read
    with the pattern's closing)."""
    imgs = np.ascontiguousarray(imgs, dtype=np.uint8)
    n, h, w, _ = imgs.shape
    cmd = (["node", "--import", "tsx", "eval/detect/cli.ts", "--raw", "-", "--width", str(w), "--height", str(h)]
           + (["--subject", subject] if subject else []) + (["--silhouette", silhouette] if silhouette else []))
    out = subprocess.run(cmd, cwd=REPO, input=imgs.tobytes(), capture_output=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"eval/detect/cli.ts failed ({out.returncode}): {out.stderr.decode().strip()}")
    res = json.loads(out.stdout)
    assert len(res["images"]) == n
    return res


def named_silhouette(prompt, colour=None, pattern="hole"):
    """The --silhouette query "COLOUR:PATTERN" of the palette colour and pattern a prompt names ("a red checkered
    square" -> "red:checkered"; "with a hole" names the hole), the given defaults for what it leaves unnamed; None
    when it names no colour and there is no default."""
    words = prompt.split()
    named = next((w for w in words if w in data.COLORS), colour)
    return None if named is None else f"{named}:{next((w for w in words if w in data.PATTERNS), pattern)}"


def median_width(res, colour):
    """Median width in pixels of the region classified as `colour` (images without it skipped), and their count."""
    ws = [b[2] - b[0] for b in (im["colourBoxes"][colour] for im in res["images"]) if b is not None]
    return (float(np.median(ws)) if ws else float("nan")), len(ws)


def run_batches(pipe, prompts, seeds, bs=50, **kw):
    imgs = []
    for i in range(0, len(prompts), bs):
        sub = {k: (v[i:i + bs] if isinstance(v, list) and len(v) == len(prompts) else v) for k, v in kw.items()}
        imgs.append(to_uint8(pipe.sample(prompts[i:i + bs], seeds[i:i + bs], **sub)["images"]))
    return np.concatenate(imgs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("subject", choices=list(data.SUBJECTS))
    ap.add_argument("prompts", nargs="+")
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--cfg", type=float, default=5.0)
    args = ap.parse_args()
    torch.set_num_threads(2)
    name, word = args.subject, data.SUBJECTS[args.subject][0]
    rng = np.random.default_rng(77)
    ref = detect(np.stack([data.make_subject_sample(name, rng)[0] for _ in range(40)]), name)
    colour, thr, pattern = ref["subject"]["colour"], ref["subject"]["threshold"], ref["subject"]["pattern"]
    pool, rng = [], np.random.default_rng(5)
    while len(pool) < 40:
        im, _, meta = data.make_sample(rng)
        objs = meta["objects"]
        if len(objs) == 1 and objs[0]["shape"] == word and objs[0]["color"] == colour:
            pool.append(im)
    ref_score = np.mean([im["pattern"] or 0.0 for im in ref["images"]])
    print(f"{name}: threshold {thr:.2f} (training images score {ref_score:.2f}); width of the {colour} region "
          f"(median px, n): subject images {median_width(ref, colour)}, pool single {colour} {word}s "
          f"{median_width(detect(np.stack(pool), name), colour)}", flush=True)
    pipe = Pipeline.load(DIFF_FINAL)
    vec = torch.from_numpy(read_safetensors(os.path.join(RES_DIR, name + ".safetensors"))[0]["residual"].copy())
    for p in args.prompts:
        prompt = p.replace("+residual", "").strip()
        rs = [[(word, vec)]] * args.n if p.endswith("+residual") else None
        imgs = run_batches(pipe, [prompt] * args.n, list(range(args.n)), steps=25, cfg=args.cfg, residuals=rs)
        query = named_silhouette(prompt, colour, pattern)  # unnamed colour / pattern: the subject's
        res = detect(imgs, name, query)
        print(f"'{p}' (cfg {args.cfg}): recognised {np.mean([im['recognised'] for im in res['images']]):.0%}, "
              f"score {np.mean([im['pattern'] or 0.0 for im in res['images']]):.2f}, width {median_width(res, colour)}, "
              f"silhouette {word} {np.mean([im.get('silhouetteShape') == word for im in res['images']]):.0%}, "
              f"{query} silhouette {word} {np.mean([im['silhouettes'][query] == word for im in res['images']]):.0%}",
              flush=True)


if __name__ == "__main__":
    main()
