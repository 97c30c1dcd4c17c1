"""Does a prompt read its shape word? For each template holding "{}" ("a red striped {}"), samples it with each of the
four shapes at the same seeds and prints:
- the mean absolute difference (0-255 levels, per pixel and channel) between the images of "square" and those of
  "circle" and "triangle": near 0 when the picture ignores the word;
- the L2 distance between the text encoder's outputs at the shape word for "square" and "circle";
- per shape, the silhouette verdicts (eval/detect/silhouette.ts, through eval/detect/cli.ts --silhouette) of the colour
  the template names, closed for its pattern ("striped", "checkered", "with a hole"; a plain template is read with the
  hole's closing, colour only).
Reference sampler, Euler 25 steps, seeds 0..n-1; SHAPES_WORK picks the weights (common.DIFF_FINAL).
--require-shape FRAC makes it a check (build_all.sh runs one after stage 3b): it exits with status 3 and
E_SHAPE_WORDS unless every shape is drawn as asked (its silhouette verdict is that shape) in more than FRAC of the
samples of a template (why and how the share separates builds: training/HISTORY.md, twenty-seventh attempt). More
than, not "at least": with FRAC 0.5, weights that draw the same pictures for "square" and "circle", half of them
square, passed "at least half" for both words (the thirtieth attempt).
Usage: python3 training/probe_shapes.py [--n 24] [--cfg 5.0] [--require-shape 0.5] "a red {}" "a red striped {}"
  "a red {} with a hole"
"""
import _env  # noqa: F401
import argparse
import sys
from collections import Counter

import numpy as np
import torch

import data
from common import DIFF_FINAL
from probe_subject import detect, named_silhouette, run_batches
from reference_sampler import Pipeline


def silhouette_query(template):
    """'a red striped {}' -> 'red:striped'; the hole's closing (colour only) when no pattern is named."""
    query = named_silhouette(template.replace("{}", " "))
    if query is None:
        raise SystemExit(f"E_PROBE_ARGS: template {template!r} names no colour of {', '.join(data.COLORS)}")
    return query


def shape_word_distance(pipe, a, b):
    """L2 distance of the text encoder's outputs at the first token where prompts a and b differ."""
    ids = pipe.token_ids([a, b])
    at = int((ids[0] != ids[1]).nonzero()[0])
    h = pipe.encode(ids)
    return float((h[0, at] - h[1, at]).norm())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("templates", nargs="+")
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--cfg", type=float, default=5.0)
    ap.add_argument("--require-shape", type=float, default=None, metavar="FRAC")
    args = ap.parse_args()
    if args.require_shape is not None and not 0 <= args.require_shape < 1:
        raise SystemExit(f"E_PROBE_ARGS: --require-shape {args.require_shape:g} must be a share in [0, 1)")
    for t in args.templates:
        if t.count("{}") != 1:
            raise SystemExit(f"E_PROBE_ARGS: template {t!r} must hold one '{{}}' for the shape word")
    queries = [silhouette_query(t) for t in args.templates]  # bad templates fail before the model loads
    torch.set_num_threads(2)
    pipe = Pipeline.load(DIFF_FINAL)
    short = []  # (prompt, samples drawn as asked) below --require-shape
    for t, query in zip(args.templates, queries):
        imgs = {s: run_batches(pipe, [t.format(s)] * args.n, list(range(args.n)), steps=25, cfg=args.cfg)
                for s in data.SHAPES}
        diff = {s: float(np.abs(imgs["square"].astype(np.float32) - imgs[s]).mean()) for s in ("circle", "triangle")}
        verdicts = {s: Counter(str(im["silhouettes"][query]) for im in detect(imgs[s], silhouette=query)["images"])
                    for s in data.SHAPES}
        print(f"'{t}' (n {args.n}, cfg {args.cfg}): |square - circle| {diff['circle']:.1f}, |square - triangle| "
              f"{diff['triangle']:.1f}; text output distance square / circle "
              f"{shape_word_distance(pipe, t.format('square'), t.format('circle')):.2f}; {query} silhouettes: "
              + "; ".join(f"{s} {dict(verdicts[s].most_common())}" for s in data.SHAPES), flush=True)
        if args.require_shape is not None:
            need = args.require_shape * args.n
            short += [(t.format(s), verdicts[s][s]) for s in data.SHAPES if verdicts[s][s] <= need]
    if short:
        print(f"E_SHAPE_WORDS: shapes drawn as asked in no more than {args.require_shape:g} of the {args.n} samples: "
              + "; ".join(f"'{prompt}' {k}" for prompt, k in short) + f". These weights ({DIFF_FINAL}) do not tell the "
              "shape words apart (training/HISTORY.md, twenty-seventh attempt): a build should not go on from them "
              "(build_all.sh: SHAPE_CHECK=0 skips this check).", file=sys.stderr, flush=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
