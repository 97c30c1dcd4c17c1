"""Probe which text-encoder outputs a diffusion checkpoint reads a caption's content from.

Cones 2 acts on word tokens: a residual is added at the subject word's position and the layout bias raises the
subject word's attention inside its box. A causal text encoder also summarises the whole caption in its EOS and
padding outputs, and a UNet may learn to read everything from those instead; then residuals and layout guidance
have nothing to act on. For each group of prompts and a few timesteps this prints, averaged over prompts,
    d(part) = ||eps(cond) - eps(cond with `part` taken from the empty caption)|| / ||eps(cond) - eps(empty)||
for part = the word tokens, and part = EOS + padding (fixed-77 prompts, same noise for all three passes). Near 0:
the UNet ignores that part; near 1: that part alone carries the caption.
Usage: SHAPES_WORK=<dir> python3 training/probe_tokens.py [checkpoint=$SHAPES_WORK/diffusion_final.pt]"""
import _env  # noqa: F401
import sys

import torch

from common import DIFF_FINAL
from reference_sampler import Pipeline
from train_diffusion import summary_mask

GROUPS = {
    "bare class words": ["circle", "square", "star", "triangle"],
    "captions": ["a red circle and a blue square", "a green triangle and a yellow star", "a purple square",
                 "a blue star and a red triangle", "a yellow circle", "a red square and a green circle"],
}
TIMESTEPS = (900, 600, 300)


def ablate(emb, empty, ids, eos_id, part):
    """emb, empty [B, 77, C]. Returns a copy with `part` ("words": BOS < position < EOS; "summary": EOS on, the
    positions train_diffusion.py's --summary-drop replaces) taken from empty."""
    summary = summary_mask(ids, eos_id, torch.ones(len(ids), dtype=torch.bool))  # [B, 77]
    words = ~summary
    words[:, 0] = False  # BOS
    m = words if part == "words" else summary
    return torch.where(m[:, :, None], empty, emb)


@torch.no_grad()
def probe(pipe, prompts):
    """{t: (d_words, d_summary)} averaged over prompts."""
    ids = pipe.token_ids(prompts)
    emb = pipe.encode(ids)  # [B, 77, C]
    empty = pipe.encode(pipe.token_ids([""] * len(prompts)))
    out = {}
    for t in TIMESTEPS:
        g = torch.Generator().manual_seed(t)
        z = torch.randn((len(prompts), 4, 16, 16), generator=g)
        tt = torch.full((len(prompts),), float(t))
        full = pipe.unet(z, tt, emb)
        ref = (full - pipe.unet(z, tt, empty)).flatten(1).norm(dim=1)
        d = [((full - pipe.unet(z, tt, ablate(emb, empty, ids, pipe.tok.eos, part))).flatten(1).norm(dim=1) / ref)
             .mean().item() for part in ("words", "summary")]
        out[t] = tuple(d)
    return out


def main():
    ck = sys.argv[1] if len(sys.argv) > 1 else DIFF_FINAL
    torch.manual_seed(0)
    pipe = Pipeline.load(ck)
    print(f"checkpoint {ck}")
    for name, prompts in GROUPS.items():
        for t, (dw, ds) in probe(pipe, prompts).items():
            print(f"{name:18s} t={t:3d}  d(words) {dw:.2f}  d(EOS+padding) {ds:.2f}")


if __name__ == "__main__":
    main()
