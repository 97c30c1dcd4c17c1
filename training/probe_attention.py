"""Probe how local a diffusion checkpoint's object-word cross-attention is, in a few seconds.

Layout guidance can only move an object whose words the UNet attends where it draws the object. On held-out scenes
(2 objects, seed 4242, not in the training pool), noised to a few timesteps, this prints the share of each word's
attn2 attention mass (mean over heads and layers) that falls inside its object's box, separately for colour and
shape words, next to the share uniform attention would give (the box's area share):
    frac = sum_s a[s, j] * cover_j[s] / sum_s a[s, j]          (grounding.py, the term --ground trains)
Near the uniform figure: the word is not localised, and the layout bias on it has little to work with.
Usage: SHAPES_WORK=<dir> python3 training/probe_attention.py [checkpoint=$SHAPES_WORK/diffusion_final.pt] [n=64]"""
import _env  # noqa: F401
import sys

import numpy as np
import torch

import data
import grounding
from common import DIFF_FINAL, to_tensor
from reference_sampler import Pipeline

TIMESTEPS = (900, 600, 300)


@torch.no_grad()
def probe(pipe, n):
    """{t: {"colour": frac, "shape": frac, "uniform": frac}} over n held-out 2-object scenes."""
    rng = np.random.default_rng(4242)
    scenes = [data.make_sample(rng, n_obj=2) for _ in range(n)]
    caps = [data.caption_for(m["objects"], m["bg"], rng, spans=True) for _, _, m in scenes]
    ids = pipe.token_ids([c for c, _ in caps])  # [n, 77]
    rows = [grounding.word_boxes(pipe.tok, c, w, m["objects"], 77) for (c, w), (_, _, m) in zip(caps, scenes)]
    cover, grounded = grounding.targets(rows, 77, (16, 8))
    kind = torch.zeros(n, 77, dtype=torch.long)  # 1 colour word, 2 shape word, 0 other (pattern words, none)
    for b in range(n):
        words = {p: pipe.tok.decode([int(ids[b, p])]) for p, _ in rows[b]}
        for p, w in words.items():
            kind[b, p] = 1 if w in data.COLORS else 2 if w in data.SHAPES else 0
    emb = pipe.encode(ids)
    z0 = pipe.ae.encode(to_tensor(np.stack([im for im, _, _ in scenes]))) * pipe.scale
    probs = []

    def keep(mod, logits):
        probs.append(logits.softmax(-1))
        return logits

    for m in pipe.attn2:
        m.bias_hook = keep
    out = {}
    try:
        for t in TIMESTEPS:
            g = torch.Generator().manual_seed(t)
            a = pipe.sched.alphas_cumprod[t].float()
            zt = a.sqrt() * z0 + (1 - a).sqrt() * torch.randn(z0.shape, generator=g)
            probs.clear()
            pipe.unet(zt, torch.full((n,), float(t)), emb)
            frac = torch.stack([grounding.inside_share(p, cover) for p in probs]).mean(0)  # [n, 77]
            uni = torch.stack([cover[s].mean(-1) for s in cover]).mean(0)  # [n, 77]
            out[t] = {"colour": frac[kind == 1].mean().item(), "shape": frac[kind == 2].mean().item(),
                      "uniform": uni[grounded].mean().item()}
    finally:
        for m in pipe.attn2:
            m.bias_hook = None
    return out


def main():
    ck = sys.argv[1] if len(sys.argv) > 1 else DIFF_FINAL
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    pipe = Pipeline.load(ck)
    print(f"checkpoint {ck}, {n} held-out 2-object scenes: attention share inside the object's box")
    for t, r in probe(pipe, n).items():
        print(f"t={t:3d}  colour word {r['colour']:.2f}  shape word {r['shape']:.2f}  (uniform {r['uniform']:.2f})")


if __name__ == "__main__":
    main()
