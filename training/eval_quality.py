"""Quality evaluation of the shapes model with a colour/shape detector.

Detector: background = median colour of the 1-px border; foreground = pixels far from the background; each
foreground pixel gets the nearest palette colour (red/green/blue/yellow/purple) or "white"/"other"; objects =
4-connected components per palette colour (>= MIN_AREA px). Shape: k-NN (k=7) on component features (fill ratio,
solidity vs convex hull, aspect, top/bottom width ratio, centroid offset), fitted on data.py ground truth (seed 50)
and validated on a separate ground-truth set (seed 51): the detector's own accuracy is reported.
Measurements: (a) 1-object prompts, (b) 2-object prompts without layout (presence, leakage: unrequested colours and
two-coloured blobs = touching components of two palette colours), (c) 2 objects in requested boxes (left/right
halves) with the reference sampler's layout bias at several gw vs none, (d) custom subjects with / without residual
(pattern score in the detected object vs the training images).
Writes training/RESULTS.md. Usage: python3 eval_quality.py [n_per_setting=100] [diffusion_ckpt]
Environment: EVAL_GWS (layout gws, default 0.08,0.2,0.5), EVAL_SELF_RECURRENCE (gws also run with the reference's
self-recurrence, default 0.08,0.2; empty = none), EVAL_STEPS (25), EVAL_CFG (5.0), EVAL_N_LAYOUT (n),
EVAL_SKIP (sections to skip, e.g. a,b; the random prompt draws are shared, so skipping changes later sections)."""
import _env  # noqa: F401
import json
import os
import sys
import time

import numpy as np
import torch

import data
from common import DIFF_FINAL, HERE, WORK, trained_steps
from reference_sampler import Pipeline, to_uint8

PALETTE = {k: np.array(v, np.float32) for k, v in data.COLORS.items()}
PAL_NAMES = list(PALETTE)
MIN_AREA = 12


def label_components(mask):
    """4-connected components of a boolean mask. Returns list of (ys, xs) index arrays."""
    H, W = mask.shape
    seen = np.zeros_like(mask, bool)
    comps = []
    for y0 in range(H):
        for x0 in range(W):
            if mask[y0, x0] and not seen[y0, x0]:
                stack = [(y0, x0)]
                seen[y0, x0] = True
                ys, xs = [], []
                while stack:
                    y, x = stack.pop()
                    ys.append(y)
                    xs.append(x)
                    for yy, xx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                        if 0 <= yy < H and 0 <= xx < W and mask[yy, xx] and not seen[yy, xx]:
                            seen[yy, xx] = True
                            stack.append((yy, xx))
                comps.append((np.array(ys), np.array(xs)))
    return comps


def convex_hull_area(xs, ys):
    pts = sorted(set(zip(xs.tolist(), ys.tolist())))
    # use pixel corners so single rows/cols have area
    c = set()
    for x, y in pts:
        c.update({(x, y), (x + 1, y), (x, y + 1), (x + 1, y + 1)})
    pts = sorted(c)
    if len(pts) < 3:
        return 1.0

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = lower[:-1] + upper[:-1]
    a = 0.0
    for i in range(len(hull)):
        x1, y1 = hull[i]
        x2, y2 = hull[(i + 1) % len(hull)]
        a += x1 * y2 - x2 * y1
    return max(abs(a) / 2, 1.0)


def features(ys, xs):
    area = len(ys)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    w, h = x1 - x0, y1 - y0
    fill = area / (w * h)
    sol = area / convex_hull_area(xs, ys)
    rel = (ys - y0) / max(h, 1)
    top = np.sum(rel < 0.25) / max(area, 1)
    bot = np.sum(rel >= 0.75) / max(area, 1)
    cy = (ys.mean() - y0) / h
    return np.array([fill, sol, w / h, top - bot, cy, top, bot], np.float32)


def analyse(img):
    """img uint8 [64,64,3] -> dict(bg, objects=[{color, shape, area, cx, cy, box, feats}], blended, labels)."""
    im = img.astype(np.float32)
    border = np.concatenate([im[0], im[-1], im[:, 0], im[:, -1]])
    bg = np.median(border, 0)
    dbg = np.linalg.norm(im - bg, axis=-1)
    fg = dbg > 45
    d = np.stack([np.linalg.norm(im - PALETTE[k], axis=-1) for k in PAL_NAMES], -1)
    lab = d.argmin(-1)
    ok = fg & (d.min(-1) < 110)
    labels = np.where(ok, lab, -1)
    objs = []
    for ci, cname in enumerate(PAL_NAMES):
        for ys, xs in label_components(labels == ci):
            if len(ys) < MIN_AREA:
                continue
            objs.append(dict(color=cname, area=len(ys), cx=float(xs.mean() + 0.5), cy=float(ys.mean() + 0.5),
                             box=[int(xs.min()), int(ys.min()), int(xs.max() + 1), int(ys.max() + 1)],
                             feats=features(ys, xs), ys=ys, xs=xs))
    # blended blobs: two palette-colour objects that touch (4-neighbourhood)
    owner = -np.ones((64, 64), int)
    for i, o in enumerate(objs):
        owner[o["ys"], o["xs"]] = i
    blended = set()
    a, b = owner[:, :-1], owner[:, 1:]
    c, e = owner[:-1, :], owner[1:, :]
    for p, q in ((a, b), (c, e)):
        m = (p >= 0) & (q >= 0) & (p != q)
        for i, j in zip(p[m], q[m]):
            if objs[i]["color"] != objs[j]["color"]:
                blended.add(tuple(sorted((int(i), int(j)))))
    return dict(bg=bg, objects=objs, blended=len(blended), labels=labels)


class ShapeClassifier:
    def __init__(self, seed=50, n=600):
        X, Y = self._gt(seed, n)
        self.mu, self.sd = X.mean(0), X.std(0) + 1e-6
        self.X, self.Y = (X - self.mu) / self.sd, Y

    @staticmethod
    def _gt(seed, n):
        rng = np.random.default_rng(seed)
        X, Y = [], []
        for _ in range(n):
            img, cap, meta = data.make_sample(rng)
            res = analyse(img)
            for o in meta["objects"]:
                best = _match(res["objects"], o["color"], o["cx"], o["cy"])
                if best is not None:
                    X.append(best["feats"])
                    Y.append(data.SHAPES.index(o["shape"]))
        return np.array(X), np.array(Y)

    def predict(self, f, k=7):
        d = np.linalg.norm(self.X - (f - self.mu) / self.sd, axis=1)
        idx = np.argsort(d)[:k]
        return data.SHAPES[np.bincount(self.Y[idx], minlength=4).argmax()]

    def validate(self, seed=51, n=300):
        rng = np.random.default_rng(seed)
        tot = col = shp = 0
        for _ in range(n):
            img, cap, meta = data.make_sample(rng)
            res = analyse(img)
            for o in meta["objects"]:
                tot += 1
                best = _match(res["objects"], o["color"], o["cx"], o["cy"])
                if best is not None:
                    col += 1
                    shp += self.predict(best["feats"]) == o["shape"]
        return col / tot, shp / tot, tot


def _match(objs, color, cx=None, cy=None):
    cands = [o for o in objs if o["color"] == color]
    if not cands:
        return None
    if cx is None:
        return max(cands, key=lambda o: o["area"])
    return min(cands, key=lambda o: (o["cx"] - cx) ** 2 + (o["cy"] - cy) ** 2 - 0.01 * o["area"])


SUBJECT_COLOUR = {"checkered_circle": "red", "striped_square": "blue", "holed_star": "yellow"}


def subject_reference(name, n=40):
    """(n training images of the subject, their scores, recognition threshold = half the mean score); seed 77."""
    rng = np.random.default_rng(77)
    imgs = [data.make_subject_sample(name, rng)[0] for _ in range(n)]
    scores = [subject_score(name, im)[0] for im in imgs]
    return imgs, scores, 0.5 * float(np.mean(scores))


def subject_score(name, img):
    """Pattern score of a custom subject inside its detected object (0 = plain shape)."""
    res = analyse(img)
    im = img.astype(np.float32)
    color = SUBJECT_COLOUR[name]
    o = _match(res["objects"], color)
    if o is None:
        return 0.0, False
    # union of all components of that colour (patterns split the object)
    m = res["labels"] == PAL_NAMES.index(color)
    ys, xs = np.nonzero(m)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    if name in ("checkered_circle", "striped_square"):
        white = np.linalg.norm(im - np.array([250, 250, 250], np.float32), axis=-1) < 60
        if name == "checkered_circle":  # inside the inscribed ellipse of the colour bbox
            yy, xx = np.mgrid[0:64, 0:64]
            cxx, cyy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 * 0.8, (y1 - y0) / 2 * 0.8
            region = ((xx + 0.5 - cxx) / max(rx, 1)) ** 2 + ((yy + 0.5 - cyy) / max(ry, 1)) ** 2 <= 1
        else:
            region = np.zeros((64, 64), bool)
            region[y0 + 1:y1 - 1, x0 + 1:x1 - 1] = True
        tot = region.sum()
        return float((white & region).sum() / max(tot, 1)), True
    # holed star: fraction of non-yellow pixels in a central disc
    yy, xx = np.mgrid[0:64, 0:64]
    cxx, cyy = (x0 + x1) / 2, (y0 + y1) / 2 + 0.04 * (y1 - y0)
    r = 0.12 * (x1 - x0)
    disc = (xx + 0.5 - cxx) ** 2 + (yy + 0.5 - cyy) ** 2 <= r * r
    return float((~m & disc).sum() / max(disc.sum(), 1)), True


def run_batches(pipe, prompts, seeds, bs=50, **kw):
    imgs = []
    for i in range(0, len(prompts), bs):
        sub = {k: (v[i:i + bs] if isinstance(v, list) and len(v) == len(prompts) else v) for k, v in kw.items()}
        out = pipe.sample(prompts[i:i + bs], seeds[i:i + bs], **sub)
        imgs.append(to_uint8(out["images"]))
    return np.concatenate(imgs)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    ck = sys.argv[2] if len(sys.argv) > 2 else DIFF_FINAL
    gws = [float(g) for g in os.environ.get("EVAL_GWS", "0.08,0.2,0.5").split(",")]
    # self-recurrence is the reference sampler's default (method.md section 2); EVAL_SELF_RECURRENCE= turns it off
    sr_gws = [float(g) for g in os.environ.get("EVAL_SELF_RECURRENCE", "0.08,0.2").split(",") if g]
    steps = int(os.environ.get("EVAL_STEPS", "25"))
    cfg = float(os.environ.get("EVAL_CFG", "5.0"))
    skip = set(os.environ.get("EVAL_SKIP", "").split(","))
    torch.set_num_threads(2)
    t_start = time.time()
    lines = []

    def out(s=""):
        print(s, flush=True)
        lines.append(s)

    clf = ShapeClassifier()
    vc, vs, vt = clf.validate()
    pipe = Pipeline.load(ck)
    ckinfo = trained_steps(torch.load(ck))
    out(f"# Shapes-world quality evaluation\n\nModel: diffusion checkpoint `{os.path.basename(ck)}` (step {ckinfo}), "
        f"Euler {steps} steps, CFG {cfg}, fixed-77 prompts, seeds 0..n-1, {n} samples per setting unless noted.\n")
    out(f"Detector self-check on {vt} ground-truth objects from data.py (seed 51): colour found {vc:.1%}, "
        f"shape correct {vs:.1%}.\n")
    rows = []
    rng = np.random.default_rng(2024)
    grid_imgs = {}

    # (a) 1-object
    if "a" not in skip:
        specs = [(data.SHAPES[rng.integers(4)], PAL_NAMES[rng.integers(5)]) for _ in range(n)]
        prompts = [f"a {c} {s}" for s, c in specs]
        t0 = time.time()
        imgs = run_batches(pipe, prompts, list(range(n)), steps=steps, cfg=cfg)
        col = shp = 0
        for (s, c), im in zip(specs, imgs):
            o = _match(analyse(im)["objects"], c)
            if o is not None:
                col += 1
                shp += clf.predict(o["feats"]) == s
        rows.append(("(a) 1 object: right colour present", f"{col / n:.1%}", ">= 95%"))
        rows.append(("(a) 1 object: right shape (of all requested)", f"{shp / n:.1%}", ">= 80%"))
        grid_imgs["a"] = imgs[:16]
        print(f"(a) done in {time.time() - t0:.0f}s", flush=True)

    # (b) 2-object, no layout
    def two_specs(k):
        sp = []
        for _ in range(k):
            cs = rng.choice(5, 2, replace=False)
            ss = rng.choice(4, 2, replace=False)
            sp.append([(data.SHAPES[ss[0]], PAL_NAMES[cs[0]]), (data.SHAPES[ss[1]], PAL_NAMES[cs[1]])])
        return sp

    if "b" not in skip:
        specs = two_specs(n)
        prompts = [f"a {a[1]} {a[0]} and a {b[1]} {b[0]}" for a, b in specs]
        t0 = time.time()
        imgs = run_batches(pipe, prompts, list(range(n)), steps=steps, cfg=cfg)
        pres = both = shp = leak = blend = 0
        for sp, im in zip(specs, imgs):
            r = analyse(im)
            got = 0
            for s, c in sp:
                o = _match(r["objects"], c)
                if o is not None:
                    got += 1
                    shp += clf.predict(o["feats"]) == s
            pres += got
            both += got == 2
            req = {c for _, c in sp}
            leak += any(o["color"] not in req and o["area"] >= 20 for o in r["objects"])
            blend += r["blended"] > 0
        rows.append(("(b) 2 objects: requested objects present", f"{pres / (2 * n):.1%}", ">= 85%"))
        rows.append(("(b) 2 objects: both present", f"{both / n:.1%}", ""))
        rows.append(("(b) 2 objects: right shape (of all requested)", f"{shp / (2 * n):.1%}", ""))
        rows.append(("(b) leakage: images with an unrequested colour object", f"{leak / n:.1%}", "report"))
        rows.append(("(b) leakage: images with a two-coloured blob", f"{blend / n:.1%}", "report"))
        grid_imgs["b"] = imgs[:16]
        print(f"(b) done in {time.time() - t0:.0f}s", flush=True)

    # (c) layout: left/right halves
    if "c" not in skip:
        nc = int(os.environ.get("EVAL_N_LAYOUT", n))
        specs = two_specs(nc)
        prompts = [f"a {a[1]} {a[0]} and a {b[1]} {b[0]}" for a, b in specs]
        sides = rng.random(nc) < 0.5
        boxes = [((0.0, 0.0, 0.5, 1.0), (0.5, 0.0, 1.0, 1.0)) if s else ((0.5, 0.0, 1.0, 1.0), (0.0, 0.0, 0.5, 1.0))
                 for s in sides]
        layouts = [[(sp[0][0], bx[0], 2.5), (sp[1][0], bx[1], 2.5)] for sp, bx in zip(specs, boxes)]
        settings = [("none", None, 0.0, False)] + [(f"gw {g}", layouts, g, False) for g in gws]
        settings += [(f"gw {g} + self-recurrence", layouts, g, True) for g in sr_gws]
        for tag, lay, g, sr in settings:
            t0 = time.time()
            imgs = run_batches(pipe, prompts, list(range(nc)), steps=steps, cfg=cfg, layouts=lay, gw=g,
                               self_recurrence=sr)
            inside = pres = blend = 0
            for sp, bx, im in zip(specs, boxes, imgs):
                r = analyse(im)
                for (s, c), b in zip(sp, bx):
                    o = _match(r["objects"], c)
                    if o is not None:
                        pres += 1
                        inside += (b[0] * 64 <= o["cx"] < b[2] * 64) and (b[1] * 64 <= o["cy"] < b[3] * 64)
                blend += r["blended"] > 0
            rows.append((f"(c) layout {tag}: centroids inside their box (of requested)", f"{inside / (2 * nc):.1%}",
                         ">= 95% with bias" if lay is not None else "report"))
            rows.append((f"(c) layout {tag}: objects present / two-coloured blobs", f"{pres / (2 * nc):.1%} / {blend / nc:.1%}", ""))
            grid_imgs["c_" + tag] = imgs[:16]
            print(f"(c) {tag} done in {time.time() - t0:.0f}s", flush=True)
        out(f"Layout setting (c): {nc} prompts 'a C1 S1 and a C2 S2' (distinct colours and shapes), boxes = left/right "
            f"halves in random order, strength 2.5 on the shape word's token, hard negative mask elsewhere, "
            f"all {steps} steps guided, no self-recurrence unless stated.\n")

    # (d) custom subjects
    if "d" not in skip:
        from train_residual import RES_DIR, read_safetensors
        nd = int(os.environ.get("EVAL_N_SUBJECT", max(20, n // 2)))
        for name, (word, desc) in data.SUBJECTS.items():
            path = os.path.join(RES_DIR, name + ".safetensors")
            if not os.path.exists(path):
                rows.append((f"(d) {name}", "not measured (no residual file)", ""))
                continue
            vec = torch.from_numpy(read_safetensors(path)[0]["residual"].copy())
            _, ref, thr = subject_reference(name)
            res = {}
            for tag, rs in (("with residual", [[(word, vec)]] * nd), ("without", None)):
                imgs = run_batches(pipe, [f"a {word}"] * nd, list(range(nd)), steps=steps, cfg=cfg, residuals=rs)
                sc = [subject_score(name, im) for im in imgs]
                res[tag] = (np.mean([s >= thr and f for s, f in sc]), np.mean([s for s, _ in sc]))
                grid_imgs[f"d_{name}_{tag}"] = imgs[:16]
            rows.append((f"(d) {name} ('a {word}'): recognised with residual / without",
                         f"{res['with residual'][0]:.0%} / {res['without'][0]:.0%}",
                         f"score {res['with residual'][1]:.2f} / {res['without'][1]:.2f}; train imgs {np.mean(ref):.2f}, thr {thr:.2f}"))
        out(f"Subjects (d): {nd} samples each of 'a <word>'; score = fraction of white pixels inside the object "
            "(checkered / striped) or of non-object pixels in a central disc (holed star); recognised = score >= half "
            "the mean score of the training images and the object's colour found.\n")

    out("| measurement | result | target / note |\n|---|---|---|")
    for r in rows:
        out(f"| {r[0]} | {r[1]} | {r[2]} |")
    out(f"\nEvaluation wall time: {time.time() - t_start:.0f} s on the shared 2-core machine.")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # sample grids for a human look
    from PIL import Image
    for k, ims in grid_imgs.items():
        g = np.concatenate(list(ims), 1)
        Image.fromarray(g).save(os.path.join(WORK, f"eval_{k.replace(' ', '_')}.png"))


if __name__ == "__main__":
    main()
