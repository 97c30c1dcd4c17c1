"""Train Cones 2 residual token embeddings for the custom subjects (docs/method.md section 2) on the shapes model.

Per subject: fine-tune the WHOLE text encoder with the frozen UNet's denoising loss on prompt = the bare base word
("circle": [BOS, circle, EOS, pad...], subject at position 1), plus the text-embedding-preservation loss
(un-squared L2 / Frobenius norms): 1e-2 * ||E[BOS] - E0[BOS]|| + 1e-3 * ||E[after subject] - E0[after subject]||.
With contexts = C > 1 the prompts are drawn per sample from the first C of TRAIN_FRAMES ("{}", "the {}", "one {}",
"a photo of a {}", ...) and "before the subject" is every position before the word (BOS alone for the bare word).
Residual = mean over data.RESIDUAL_TEMPLATES (27 prompts) of (tuned - frozen) output at the word's position.
Saved as safetensors (one F32 tensor "residual" [1, 128] + __metadata__) under models/shapes/residuals/.
Usage: python3 train_residual.py [steps=300] [lr=1e-4] [contexts=1] [names...]
A name may carry its own step count, `holed_star=3200`; the others train for `steps`. Without names: every subject.
RES_PROCS=2 trains two subjects at a time in two processes of one thread each (default 1: one after the other on two
threads), about 0.6x the wall time on 2 cores. The draws are the same either way, the float sums are not (one thread
against two), and 400 fine-tune steps carry that apart: a checkered-circle residual's norm 13.04 against 12.46."""
import _env  # noqa: F401
import copy
import json
import os
import struct
import sys
import time

import numpy as np
import torch

import data
from common import DIFF_FINAL, MODEL_DIR, WORK, mirror, to_tensor
from reference_sampler import Pipeline

RES_DIR = os.path.join(MODEL_DIR, "residuals")


def write_safetensors(path, tensors, metadata):
    """tensors: {name: float32 numpy}. Format: u64 LE header size, JSON header (space-padded to 8), raw data."""
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        a = np.ascontiguousarray(a, dtype="<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for k, v in header.items():
        s, e = v["data_offsets"]
        out[k] = np.frombuffer(blob[s:e], dtype="<f4").reshape(v["shape"])
    return out, meta


# Frames for the fine-tune's prompts when contexts > 1 (train_subject). The reference trains on the bare word only;
# on this small causal encoder that change stays in the bare-word context (eleventh build, striped square: tuned
# encoder recognised in 73% of samples of "square" and 0% of "a square"). "a {}" is left out so the evaluation
# prompt "a <word>" is a context the fine-tune never saw; none of these frames says anything about the image.
TRAIN_FRAMES = ["{}", "the {}", "one {}", "a photo of a {}", "a picture of a {}", "an image of a {}",
                "a rendering of a {}", "a drawing of a {}", "a close up view of a {}"]


def preservation(e, e0, pos):
    """Text-embedding-preservation loss (docs/method.md section 2, reference weights, un-squared norms), per prompt:
    1e-2 * ||E[before subject] - E0[before]|| + 1e-3 * ||E[after subject] - E0[after]||, summed over the batch.
    For the bare word "before" is BOS alone, which is the reference's formula. e, e0: [B, 77, D]; pos: B ints."""
    tot = 0.0
    for b, q in enumerate(pos):
        tot = tot + 1e-2 * (e[b, :q] - e0[b, :q]).norm() + 1e-3 * (e[b, q + 1:] - e0[b, q + 1:]).norm()
    return tot / len(pos)


def train_subject(pipe, name, steps=300, lr=1e-4, n_images=5, bs=4, seed=0, contexts=1, log=print):
    """Fine-tune a copy of the text encoder on the subject's images; return (residual [1, D], recipe, images).
    contexts = how many of TRAIN_FRAMES the prompts are drawn from (1 = the bare word, the reference's recipe)."""
    base_word = data.SUBJECTS[name][0]
    image_seed = 1000 + list(data.SUBJECTS).index(name)
    imgs, z_all, z_flip = subject_latents(pipe, name, n_images, image_seed)
    frames, ids_all, pos_all, e0_all = frame_prompts(pipe, base_word, contexts)
    te = copy.deepcopy(pipe.te).train().requires_grad_(True)
    t0 = time.time()
    hist = fine_tune(pipe, te, name, (z_all, z_flip), (ids_all, pos_all, e0_all), steps, lr, bs, seed, log)
    res = template_residual(pipe, te, base_word)
    recipe = dict(steps=steps, lr=lr, batch=bs, optimizer="AdamW", weight_decay=1e-2, grad_clip=1.0,
                  n_images=n_images, prompts=frames,
                  preservation="1e-2*||E[before]-E0[before]|| + 1e-3*||E[after]-E0[after]|| per prompt",
                  templates=len(data.RESIDUAL_TEMPLATES), tokenization="fixed-77", train_seconds=round(time.time() - t0),
                  final_denoise=hist[-1][1] if hist else None, image_seed=image_seed)
    return res, recipe, imgs


def subject_latents(pipe, name, n_images, image_seed):
    """n_images of the subject (data.make_subject_sample, seeded) and the scaled latents of them and of their mirror
    images. -> (imgs uint8 [n, 64, 64, 3], z [n, 4, 16, 16], z of the mirrors)."""
    rng = np.random.default_rng(image_seed)
    imgs = np.stack([data.make_subject_sample(name, rng)[0] for _ in range(n_images)])
    with torch.no_grad():
        z_all = pipe.ae.encode(to_tensor(imgs)) * pipe.scale
        z_flip = pipe.ae.encode(to_tensor(mirror(imgs))) * pipe.scale
    return imgs, z_all, z_flip


def frame_prompts(pipe, base_word, contexts):
    """The fine-tune's prompts: the first `contexts` of TRAIN_FRAMES around the base word. -> (frames, ids [F, 77],
    the word's position in each, the frozen encoder's outputs [F, 77, D])."""
    tok = pipe.tok
    frames = TRAIN_FRAMES[:max(1, contexts)]
    ids_all = torch.tensor([tok(f.format(base_word), fixed=True) for f in frames])      # [F, 77]
    pos_all = [tok.word_positions(f.format(base_word), base_word)[0] for f in frames]
    with torch.no_grad():
        e0_all = pipe.te(ids_all)                                                          # [F, 77, D]
    return frames, ids_all, pos_all, e0_all


def fine_tune(pipe, te, name, latents, prompts, steps, lr, bs, seed, log):
    """AdamW on te (in place): the frozen UNet's denoising loss on the subject's latents (mirrored half of the time)
    plus the preservation loss. latents: (z, z of the mirrors); prompts: frame_prompts' (ids, positions, outputs).
    All draws come from one generator seeded with `seed`. -> [(step, denoising loss, preservation loss)] every 50."""
    z_all, z_flip = latents
    ids_all, pos_all, e0_all = prompts
    n_images, n_frames = len(z_all), len(ids_all)
    opt = torch.optim.AdamW(te.parameters(), lr=lr, weight_decay=1e-2)
    ac = pipe.sched.alphas_cumprod.float()
    g = torch.Generator().manual_seed(seed)
    t0 = time.time()
    hist = []
    for step in range(steps):
        k = torch.randint(0, n_images, (bs,), generator=g)
        fl = torch.rand(bs, generator=g) < 0.5
        # (no draw for the bare word, so contexts=1 keeps the earlier builds' random stream)
        f = torch.randint(0, n_frames, (bs,), generator=g) if n_frames > 1 else torch.zeros(bs, dtype=torch.long)
        z0 = torch.where(fl[:, None, None, None], z_flip[k], z_all[k])
        t = torch.randint(0, 1000, (bs,), generator=g)
        eps = torch.randn(z0.shape, generator=g)
        a = ac[t].view(-1, 1, 1, 1)
        zt = a.sqrt() * z0 + (1 - a).sqrt() * eps
        e = te(ids_all[f])                                                                 # [bs, 77, D]
        pred = pipe.unet(zt, t.float(), e)
        l_den = ((pred - eps) ** 2).mean()
        l_pres = preservation(e, e0_all[f], [pos_all[i] for i in f.tolist()])
        loss = l_den + l_pres
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(te.parameters(), 1.0)
        opt.step()
        if (step + 1) % 50 == 0:
            hist.append((step + 1, l_den.item(), float(l_pres)))
            log(f"  {name} step {step + 1} denoise {l_den.item():.4f} preserve {float(l_pres):.4f} "
                f"({time.time() - t0:.0f}s)")
    return hist


def template_residual(pipe, te, base_word):
    """Residual = mean over data.RESIDUAL_TEMPLATES of (tuned - frozen) output at the base word's positions; te is
    put in eval mode. -> [1, D]."""
    tok = pipe.tok
    te.eval()
    deltas = []
    with torch.no_grad():
        for tpl in data.RESIDUAL_TEMPLATES:
            p = tpl.format(base_word)
            pid = torch.tensor([tok(p, fixed=True)])
            for q in tok.word_positions(p, base_word):
                deltas.append(te(pid)[0, q] - pipe.te(pid)[0, q])
    return torch.stack(deltas).mean(0, keepdim=True)


def subject_steps(arg):
    """A command-line subject, "name" or "name=steps". -> (name, steps or None)."""
    name, _, steps = arg.partition("=")
    if name not in data.SUBJECTS or (steps and not steps.isdigit()):
        sys.exit(f"train_residual.py: expected a subject ({', '.join(data.SUBJECTS)}) or subject=steps but received {arg!r}")
    return name, int(steps) if steps else None


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    lr = float(sys.argv[2]) if len(sys.argv) > 2 else 1e-4
    rest = sys.argv[3:]
    contexts = int(rest.pop(0)) if rest and rest[0].isdigit() else 1
    overrides = dict(subject_steps(a) for a in rest)
    names = list(overrides) if rest else list(data.SUBJECTS)
    jobs = [(name, overrides.get(name) or steps, lr, contexts) for name in names]
    procs = min(int(os.environ.get("RES_PROCS", "1")), len(jobs))
    os.makedirs(RES_DIR, exist_ok=True)
    if procs > 1:
        # Subjects in parallel processes, one thread each (2 cores): each draws from its own seeded generator
        # (fine_tune), so the split changes no draw. Longest first, so the short subject fills the gap.
        import multiprocessing as mp
        jobs.sort(key=lambda j: -j[1])
        with mp.get_context("spawn").Pool(procs, initializer=_worker_init, initargs=(max(1, 2 // procs),)) as pool:
            for line in pool.imap_unordered(_worker_job, jobs):
                print(line, flush=True)
    else:
        _worker_init(2)
        for job in jobs:
            print(_worker_job(job), flush=True)
    write_readme()


_PIPE = None


def _worker_init(threads):
    """Load the diffusion checkpoint (DIFF_CKPT, else the final one) once per process."""
    global _PIPE
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    _PIPE = Pipeline.load(os.environ.get("DIFF_CKPT", DIFF_FINAL))


def _worker_job(job):
    """Train one subject, write its safetensors file (atomically: a stopped build leaves no half-written file) and
    its training images. -> the summary line."""
    name, steps, lr, contexts = job
    res, recipe, imgs = train_subject(_PIPE, name, steps, lr, contexts=contexts,
                                      log=lambda m: print(m, flush=True))
    base_word, desc = data.SUBJECTS[name]
    path = os.path.join(RES_DIR, name + ".safetensors")
    write_safetensors(path + ".tmp", {"residual": res.numpy()},
                      dict(base_word=base_word, model="shapes", width="128", recipe=json.dumps(recipe),
                           format="cones-graph-residual/1", description=desc))
    os.replace(path + ".tmp", path)
    from PIL import Image
    Image.fromarray(np.concatenate(list(imgs), 1)).save(os.path.join(WORK, f"subject_{name}.png"))
    return f"{name}: base word '{base_word}', |residual| = {res.norm().item():.3f}, wrote {path}"


def write_readme():
    """RES_DIR/README.md with one row per residual file in RES_DIR (read back from the files, so a call that trains
    one subject keeps the others' rows)."""
    names = [n for n in data.SUBJECTS if os.path.exists(os.path.join(RES_DIR, n + ".safetensors"))]
    with open(os.path.join(RES_DIR, "README.md"), "w") as f:
        f.write("# Shapes-world residuals (Cones 2 residual token embeddings)\n\n"
                "Trained by `training/train_residual.py` (see training/README.md). Each file is safetensors with one "
                "F32 tensor `residual` of shape [1, 128] and `__metadata__` {base_word, model: \"shapes\", width: "
                "\"128\", recipe (JSON), format: \"cones-graph-residual/1\", description}.\n"
                "Use: add the vector to the conditional text-encoder output at the base word's token position.\n\n"
                "| file | base word | subject | L2 norm | steps | lr |\n|---|---|---|---|---|---|\n")
        for name in names:
            tensors, meta = read_safetensors(os.path.join(RES_DIR, name + ".safetensors"))
            rc = json.loads(meta["recipe"])
            norm = float(np.linalg.norm(tensors["residual"]))
            f.write(f"| {name}.safetensors | {meta['base_word']} | {meta['description']} | {norm:.3f} | "
                    f"{rc['steps']} | {rc['lr']} |\n")


if __name__ == "__main__":
    main()
