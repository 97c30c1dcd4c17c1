"""Parity fixtures for the TypeScript pipeline: test/fixtures/parity/manifest.json + raw little-endian .f32 files.

Every tensor is stored as {"file": "<name>.f32", "shape": [...], "dtype": "float32"} (row-major, little-endian
float32; file path relative to the manifest's folder). Token ids are JSON integer arrays. See training/README.md for
the manifest keys. Usage: python3 write_fixtures.py [diffusion_ckpt]"""
import _env  # noqa: F401
import json
import os
import sys

import numpy as np
import torch

import data
from common import DIFF_FINAL, REPO
from export import scheduler_config
from reference_sampler import MASK_VALUE, NEG, Pipeline, layout_maps
from train_residual import RES_DIR, read_safetensors

OUT = os.path.join(REPO, "test", "fixtures", "parity")


class Writer:
    def __init__(self, out):
        self.out = out
        os.makedirs(out, exist_ok=True)
        for f in os.listdir(out):
            if f.endswith(".f32"):
                os.remove(os.path.join(out, f))
        self.bytes = 0

    def f32(self, name, t):
        a = (t.detach().numpy() if torch.is_tensor(t) else np.asarray(t)).astype("<f4")
        a.tofile(os.path.join(self.out, name + ".f32"))
        self.bytes += a.nbytes
        return {"file": name + ".f32", "shape": list(a.shape), "dtype": "float32"}


RES_NAME = "checkered_circle"  # the residual the fixtures apply
RES_FILE = f"models/shapes/residuals/{RES_NAME}.safetensors"
LAYOUT_PROMPT = "a red circle and a blue square"
RUN_STEPS = 8


def main():
    ck = sys.argv[1] if len(sys.argv) > 1 else DIFF_FINAL
    torch.set_num_threads(2)
    pipe = Pipeline.load(ck)
    w = Writer(OUT)
    man = header(pipe)
    man["tokenizer"], man["text_encoder"] = tokenizer_entries(pipe, w)
    residual = load_residual()
    if residual is not None:
        man["residual"] = residual_entry(pipe, w, residual)
    man["layout"] = layout_entries(pipe.tok, w)
    man["runs"] = [run_entry(pipe, w, r) for r in run_specs(residual)]
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    print(f"wrote {OUT}/manifest.json, {w.bytes} bytes of tensors, {len(man['runs'])} runs")


def header(pipe):
    """The manifest's top-level keys before the tensors: format, model, scheduler, token ids and the conventions."""
    tok = pipe.tok
    return {"format": "cones-graph-parity/1", "model_dir": "models/shapes", "scheduler": scheduler_config(),
            "vae_scaling_factor": pipe.scale, "pad_id": tok.pad, "bos_id": tok.bos, "eos_id": tok.eos,
            "conventions": {
                "tensor": "{file, shape, dtype}: raw little-endian float32, row-major, file relative to this folder",
                "batch_order": "UNet batch is [uncond, cond]; layout bias and residuals touch the cond half only",
                "init_latents": "x_0 = init_noise * sigmas[0]",
                "euler": "x_in = x / sqrt(sigma^2+1); eps = unet(x_in, timesteps[i], ctx); "
                         "cfg: x' = x + (sigma_next - sigma) * (eps_u + cfg*(eps_c - eps_u)); "
                         "cfgpp: x' = x - sigma*(eps_u + lambda*(eps_c - eps_u)) + sigma_next*eps_u",
                "self_recurrence": "guided step i: x1 = step(x, i); x = x1 + sqrt(sigma_i^2 - sigma_{i+1}^2) * noises[k]; "
                                   "x = step(x, i); k counts guided steps from 0",
                "layout": "W (64x64 per token) = strength inside box, -1e8 outside (subject tokens), 0 elsewhere; "
                          "bilinear align_corners=True to r x r; w_pos = max(W,0) [r*r, T]; neg_mask = (W<0) as 0/1; "
                          "scaled logits L_cond += gw*ln(1+sigma^2)*std_unbiased(L_cond over heads,queries,keys)*w_pos; "
                          "then L_cond[neg_mask] = -1e4",
                "box_rule": "pixel (i,j) inside (x0,y0,x1,y1) iff x0*64 <= j+0.5 < x1*64 and y0*64 <= i+0.5 < y1*64",
                "latents": "latents[i] = x after step i (after both passes under self-recurrence)",
                "image": "final_image = vae_decoder(final_latents / vae_scaling_factor), clamped to [-1,1], [1,3,64,64]",
                "uncond": "negative prompt '' tokenised with pad to 77, then truncated to the cond length"}}


def tokenizer_entries(pipe, w):
    """Token ids (fixed and adaptive) and word positions of five prompts; text-encoder outputs of the first three.
    -> (tokenizer entries, text_encoder entries)."""
    tok = pipe.tok
    prompts = ["a red circle and a blue square", "a green triangle on the left, a yellow star at the top",
               "a purple circle on a cream background", "", "Ünïcode & 123 zebra!"]
    toks, encs = [], []
    for i, p in enumerate(prompts):
        fixed = tok(p, fixed=True)
        adapt = tok(p, fixed=False)
        words = {wd: tok.word_positions(p, wd) for wd in data.SHAPES + list(data.COLORS) if tok.word_positions(p, wd)}
        toks.append({"prompt": p, "ids_fixed": fixed, "ids_adaptive": adapt, "word_positions": words})
        if i < 3:
            with torch.no_grad():
                ef = pipe.te(torch.tensor([fixed]))
                ea = pipe.te(torch.tensor([adapt]))
            encs.append({"prompt": p, "ids_fixed": fixed, "ids_adaptive": adapt,
                         "out_fixed": w.f32(f"te{i}_fixed", ef), "out_adaptive": w.f32(f"te{i}_adaptive", ea)})
    return toks, encs


def load_residual():
    """The checkered circle's residual [1, 128] from RES_DIR, or None when it has not been trained."""
    res_path = os.path.join(RES_DIR, RES_NAME + ".safetensors")
    if not os.path.exists(res_path):
        return None
    tensors, _ = read_safetensors(res_path)
    return torch.from_numpy(tensors["residual"].copy())


def residual_entry(pipe, w, residual):
    """The text-encoder output of "a circle on the left" with and without the residual added at "circle"."""
    tok = pipe.tok
    p = "a circle on the left"
    ids = tok(p, fixed=True)
    pos = tok.word_positions(p, "circle")
    with torch.no_grad():
        e = pipe.te(torch.tensor([ids]))
    e2 = e.clone()
    for q in pos:
        e2[0, q] += residual[0]
    return {"prompt": p, "word": "circle", "positions": pos, "file": RES_FILE,
            "residual": w.f32("residual_vec", residual), "ids": ids,
            "embedding_plain": w.f32("residual_emb_plain", e), "embedding_with_residual": w.f32("residual_emb_added", e2)}


def layout_entries(tok, w):
    """Layout weight maps at 16x16 and 8x8 of a two-subject prompt, fixed-77 and adaptive length."""
    lp = LAYOUT_PROMPT
    subjects = [("circle", [0.0, 0.0, 0.5, 1.0], 2.5), ("square", [0.5, 0.25, 1.0, 0.75], 2.5)]
    out = []
    for L, tag in ((77, "fixed"), (len(tok(lp, fixed=False)), "adaptive")):
        pb = [(tok.word_positions(lp, wd), box, s) for wd, box, s in subjects]
        maps, full = layout_maps(tok, L, pb, seq_len=L)
        entry = {"prompt": lp, "seq_len": L, "subjects": [{"word": wd, "positions": tok.word_positions(lp, wd), "box": box,
                                                            "strength": s} for wd, box, s in subjects],
                 "neg_value_full_res": NEG, "mask_value": MASK_VALUE, "maps": {}}
        for r, (wp, neg) in maps.items():
            entry["maps"][str(r)] = {"w_pos": w.f32(f"layout_{tag}_{r}_wpos", wp), "neg_mask": w.f32(f"layout_{tag}_{r}_neg", neg.float()),
                                     "inside_cells": {wd: int((wp[:, tok.word_positions(lp, wd)[0]] > 0).sum()) for wd, _, _ in subjects}}
        if tag == "fixed":
            entry["full_map_subject_tokens"] = w.f32("layout_full_subject_tokens", torch.stack([full[q[0]] for q, _, _ in pb]))
        out.append(entry)
    return out


def run_specs(residual):
    """The sampler runs: CFG (fixed and adaptive), CFG++, layout (+ self-recurrence, + CFG++ adaptive), residual."""
    lay = [("circle", (0.0, 0.0, 0.5, 1.0), 2.5), ("square", (0.5, 0.0, 1.0, 1.0), 2.5)]
    runs = [
        dict(name="cfg", prompt="a red circle and a blue square", seed=1, mode="cfg", cfg=5.0),
        dict(name="cfg_adaptive", prompt="a red circle and a blue square", seed=1, mode="cfg", cfg=5.0, fixed=False),
        dict(name="cfgpp", prompt="a red circle and a blue square", seed=2, mode="cfgpp", lam=0.6),
        dict(name="layout", prompt="a red circle and a blue square", seed=3, mode="cfg", cfg=5.0, layout=lay, gw=0.2,
             guidance_steps=6),
        dict(name="layout_self_recurrence", prompt="a red circle and a blue square", seed=3, mode="cfg", cfg=5.0,
             layout=lay, gw=0.2, guidance_steps=6, self_recurrence=True),
        dict(name="layout_cfgpp_adaptive", prompt="a red circle and a blue square", seed=4, mode="cfgpp", lam=0.6,
             layout=lay, gw=0.2, guidance_steps=8, fixed=False),
    ]
    if residual is not None:
        runs.append(dict(name="residual", prompt="a circle", seed=5, mode="cfg", cfg=5.0,
                         residuals=[("circle", residual)], residual_file=RES_FILE))
    return runs


def run_entry(pipe, w, r):
    """Runs one sampler spec (RUN_STEPS Euler steps, traced) and returns its manifest entry."""
    tok, steps = pipe.tok, RUN_STEPS
    kw = dict(steps=steps, cfg=r.get("cfg", 5.0), mode=r["mode"], lam=r.get("lam", 0.6),
              layouts=[r["layout"]] if "layout" in r else None, gw=r.get("gw", 0.2),
              guidance_steps=r.get("guidance_steps"), self_recurrence=r.get("self_recurrence", False),
              residuals=[r["residuals"]] if "residuals" in r else None, fixed=r.get("fixed", True), trace=True)
    tr = pipe.sample([r["prompt"]], [r["seed"]], **kw)
    n = r["name"]
    entry = {"name": n, "prompt": r["prompt"], "negative_prompt": "", "seed": r["seed"], "steps": steps,
             "mode": r["mode"], "cfg": r.get("cfg") if r["mode"] == "cfg" else None,
             "lambda": r.get("lam") if r["mode"] == "cfgpp" else None,
             "length": "fixed" if r.get("fixed", True) else "adaptive",
             "ids_cond": tr["ids_cond"][0].tolist(), "ids_uncond": tr["ids_uncond"][0].tolist(),
             "sigmas": [float(s) for s in tr["sigmas"]], "timesteps": [float(t) for t in tr["timesteps"]],
             "layout": None, "residuals": None,
             "init_noise": w.f32(f"run_{n}_init_noise", tr["init_noise"]),
             "noises": [w.f32(f"run_{n}_noise_{k}", z) for k, z in enumerate(tr["noises"])],
             "latents": [w.f32(f"run_{n}_latents_{i}", z) for i, z in enumerate(tr["latents"])],
             "final_image": w.f32(f"run_{n}_image", tr["images"])}
    if "layout" in r:
        entry["layout"] = {"subjects": [{"word": wd, "positions": tok.word_positions(r["prompt"], wd), "box": list(b),
                                         "strength": s} for wd, b, s in r["layout"]],
                           "gw": r["gw"], "guidance_steps": r.get("guidance_steps") or steps,
                           "self_recurrence": r.get("self_recurrence", False), "resolutions": [16, 8],
                           "eta": "ln(1+sigma^2)"}
    if "residuals" in r:
        entry["residuals"] = [{"word": "circle", "positions": tok.word_positions(r["prompt"], "circle"),
                               "file": r["residual_file"], "tensor": "residual"}]
        entry["emb_cond"] = w.f32(f"run_{n}_emb_cond", tr["emb_cond"])
    if n in ("cfg", "cfg_adaptive"):
        entry["emb_cond"] = w.f32(f"run_{n}_emb_cond", tr["emb_cond"])
        entry["emb_uncond"] = w.f32(f"run_{n}_emb_uncond", tr["emb_uncond"])
    return entry


if __name__ == "__main__":
    main()
