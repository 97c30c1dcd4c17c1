"""Synthetic "shapes world" data: 64x64 RGB images of 1-4 coloured shapes on plain light
backgrounds, with captions and per-object ground truth (boxes, colours, shapes).

Everything is seeded: `make_sample(rng)` takes a numpy Generator. Images are drawn at 4x
resolution with PIL and box-filtered down to 64x64 (anti-aliased edges).
"""
import math
import os

import numpy as np
from PIL import Image, ImageDraw

SIZE = 64
SS = 4  # supersampling factor

SHAPES = ["circle", "square", "triangle", "star"]
COLORS = {
    "red": (215, 35, 35),
    "green": (35, 160, 55),
    "blue": (35, 65, 215),
    "yellow": (240, 205, 25),
    "purple": (135, 50, 175),
}
BACKGROUNDS = {
    "white": (248, 248, 248),
    "gray": (205, 205, 205),
    "cream": (242, 232, 200),
}
NUM_OBJ_P = [0.30, 0.35, 0.25, 0.10]  # 1, 2, 3, 4 objects
# How stripes are drawn (_pattern), from SHAPES_STRIPES: "fine" (the committed world: 3 px bands of a 6 px period at a
# random phase, finer than the autoencoder's 4 px latent cells) or "grid" (4 px bands of an 8 px period on the latent
# cells, in image coordinates; training/HISTORY.md, twenty-fifth attempt's probes: decoded and drawn cleanly; its one
# from-scratch build, the twenty-sixth attempt, was not adopted). The TypeScript renderer (eval/detect/render.ts)
# draws "fine" stripes.
STRIPES = os.environ.get("SHAPES_STRIPES", "fine")
if STRIPES not in ("fine", "grid"):
    raise SystemExit(f"E_DATA_STRIPES: SHAPES_STRIPES must be 'fine' or 'grid', not {STRIPES!r}")
SIZE_MIN, SIZE_MAX = 14, 28

# Words the residual templates / eval prompts use; included in the BPE corpus.
EXTRA_WORDS = (
    "a an the of photo rendering picture drawing image shape one small big large tiny "
    "and with on in at left right top bottom middle center background checkered striped "
    "hole dotted my custom nice clean cool good close up view a b c d e f g h i j k l m n o p q r s t u v w x y z "
    "0 1 2 3 4 5 6 7 8 9"
).split()

# Prompt templates used for residual averaging (paper eq. 5; docs/method.md section 2).
RESIDUAL_TEMPLATES = [
    "a {}", "a {} on the left", "a {} on the right", "a {} at the top", "a {} at the bottom",
    "a {} on a white background", "a {} on a gray background", "a {} on a cream background",
    "a photo of a {}", "a rendering of a {}", "a picture of a {}", "a drawing of a {}",
    "an image of a {}", "a small {}", "a big {}", "a {} in the middle", "one {}",
    "a {} and a red square", "a blue circle and a {}", "a {} and a green triangle",
    "a yellow star and a {}", "a {} and a purple circle", "the {}", "a clean {}", "a nice {}",
    "a good {}", "a close up view of a {}",
]


def _star_points(cx, cy, r, n=5, inner=0.45, rot=-math.pi / 2):
    pts = []
    for i in range(2 * n):
        rr = r if i % 2 == 0 else r * inner
        a = rot + i * math.pi / n
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def shape_mask(shape, cx, cy, size):
    """Boolean-ish (0..255) L image at SS*SIZE resolution for one shape of bounding size `size`."""
    m = Image.new("L", (SIZE * SS, SIZE * SS), 0)
    d = ImageDraw.Draw(m)
    s = size * SS / 2.0
    X, Y = cx * SS, cy * SS
    if shape == "circle":
        d.ellipse([X - s, Y - s, X + s, Y + s], fill=255)
    elif shape == "square":
        q = s * 0.9
        d.rectangle([X - q, Y - q, X + q, Y + q], fill=255)
    elif shape == "triangle":
        h = 2 * s
        d.polygon([(X, Y - s), (X - s, Y - s + h), (X + s, Y - s + h)], fill=255)
    elif shape == "star":
        d.polygon(_star_points(X, Y + s * 0.08, s * 1.05), fill=255)
    else:
        raise ValueError(shape)
    return m


def _bbox_of(mask_img):
    a = np.asarray(mask_img) > 127
    ys, xs = np.nonzero(a)
    return [float(xs.min()) / SS, float(ys.min()) / SS, float(xs.max() + 1) / SS, float(ys.max() + 1) / SS]


def _pattern(kind, color, hi, rng):
    """Full-canvas RGB pattern (hi-res) for custom subjects."""
    H = SIZE * SS
    yy, xx = np.mgrid[0:H, 0:H]
    base = np.zeros((H, H, 3), np.float32)
    base[:] = color
    if kind == "checkered":
        cell = 5 * SS  # 5 px cells at 64x64
        ox, oy = rng.integers(0, cell, 2)
        chk = (((xx + ox) // cell + (yy + oy) // cell) % 2) == 0
        base[chk] = (250, 250, 250)
    elif kind == "striped":
        period = 6 * SS  # 6 px period, 3 px stripes (horizontal)
        oy = rng.integers(0, period)  # drawn in both modes, so "grid" draws the same scenes
        if STRIPES == "grid":
            period, oy = 8 * SS, 0  # 4 px bands on the 4 px latent cells
        st = ((yy + oy) % period) < period // 2
        base[st] = (250, 250, 250)
    return base


# Custom subjects for residual training: name -> (base word, description)
SUBJECTS = {
    "checkered_circle": ("circle", "a red-and-white checkered circle"),
    "striped_square": ("square", "a blue square with white horizontal stripes"),
    "holed_star": ("star", "a yellow star with a round hole in the middle"),
}


def _place(rng, sizes, tries=60, gap=None):
    """Centres for objects of the given sizes. gap None: objects' size squares may overlap by 5% of their sizes
    (slight touching); gap g (px): the squares are at least g apart along x or y. The random stream only differs
    once a candidate is rejected by the gap rule."""
    placed = []
    for size in sizes:
        for t in range(tries):
            r = size / 2.0
            cx = rng.uniform(r + 1, SIZE - r - 1)
            cy = rng.uniform(r + 1, SIZE - r - 1)
            ok = True
            for (px, py, ps) in placed:
                reach = (ps + size) / 2 * 0.95 if gap is None else (ps + size) / 2 + gap
                if abs(px - cx) < reach and abs(py - cy) < reach:
                    ok = False
                    break
            if ok:
                placed.append((cx, cy, size))
                break
        else:
            return None
    return placed


def position_word(cx, cy):
    opts = []
    if cx < 22:
        opts.append("on the left")
    if cx > 42:
        opts.append("on the right")
    if cy < 22:
        opts.append("at the top")
    if cy > 42:
        opts.append("at the bottom")
    return opts


def render(objects, bg, rng=None, subject=None):
    """objects: list of dict(shape,color,cx,cy,size[,pattern]). Returns uint8 HxWx3 and boxes."""
    H = SIZE * SS
    canvas = np.zeros((H, H, 3), np.float32)
    canvas[:] = BACKGROUNDS[bg] if isinstance(bg, str) else bg
    boxes = []
    for o in objects:
        m = shape_mask(o["shape"], o["cx"], o["cy"], o["size"])
        boxes.append(_bbox_of(m))
        a = (np.asarray(m, np.float32) / 255.0)[..., None]
        pat = o.get("pattern")
        if pat is None:
            fill = np.array(COLORS[o["color"]], np.float32)
        else:
            fill = _pattern(pat, COLORS[o["color"]], None, rng)
        canvas = canvas * (1 - a) + fill * a
        if o.get("hole"):
            hm = Image.new("L", (H, H), 0)
            r = o["size"] * SS * 0.17
            X, Y = o["cx"] * SS, (o["cy"] + o["size"] * 0.04) * SS
            ImageDraw.Draw(hm).ellipse([X - r, Y - r, X + r, Y + r], fill=255)
            ha = (np.asarray(hm, np.float32) / 255.0)[..., None]
            bgc = np.array(BACKGROUNDS[bg], np.float32)
            canvas = canvas * (1 - ha) + bgc * ha
    img = Image.fromarray(np.clip(canvas + 0.5, 0, 255).astype(np.uint8)).resize((SIZE, SIZE), Image.BOX)
    return np.asarray(img), boxes


# Surface patterns of the base world: the generic model must be able to draw them (as SD can draw "checkered"
# things) so that a custom subject's residual has something to steer towards. The custom subjects' own
# combinations never occur in the base data (see CUSTOM_COMBOS): the residual must compose them.
PATTERNS = ["checkered", "striped", "hole"]
CUSTOM_COMBOS = {("circle", "red", "checkered"), ("square", "blue", "striped"), ("star", "yellow", "hole")}


def object_phrase(o, colour=True, pattern=True):
    """'a red checkered circle'; colour / pattern False leave that attribute unsaid ('a checkered circle', 'a circle')."""
    pat = (o.get("pattern") or ("hole" if o.get("hole") else None)) if pattern else None
    col = f"{o['color']} " if colour else ""
    if pat == "hole":
        return f"a {col}{o['shape']} with a hole"
    if pat:
        return f"a {col}{pat} {o['shape']}"
    return f"a {col}{o['shape']}"


def caption_for(objects, bg, rng, pos_p=0.3, bg_p=0.3, attr_drop=0.0, spans=False):
    """Caption of a scene in random mention order. attr_drop: per object, the probability of leaving its colour
    unsaid, and independently its pattern, so that bare "a circle" means "some circle" as "a dog" does in SD (the
    prompt a residual is added to). With attr_drop = 0 no extra random numbers are drawn (pool captions unchanged).
    spans=True returns (caption, [(object index, char start, char end) of its phrase]) from the same random draws."""
    order = rng.permutation(len(objects))
    parts = []
    for i in order:
        o = objects[i]
        if attr_drop > 0:
            p = object_phrase(o, colour=rng.random() >= attr_drop, pattern=rng.random() >= attr_drop)
        else:
            p = object_phrase(o)
        pw = position_word(o["cx"], o["cy"])
        if pw and rng.random() < pos_p:
            p += " " + pw[rng.integers(len(pw))]
        parts.append(p)
    # "A", "A and B", "A, B and C": the separator before each part
    seps = [""] + [", "] * (len(parts) - 2) + [" and "] * (len(parts) > 1)
    cap, where = "", []
    for i, sep, p in zip(order, seps, parts):
        cap += sep
        where.append((int(i), len(cap), len(cap) + len(p)))
        cap += p
    if rng.random() < bg_p:
        cap += f" on a {bg} background"
    return (cap, where) if spans else cap


# Held-out split by construction: a pair of objects (colour + shape, patterns ignored) is held out when the FNV-1a
# hash of HELDOUT_SALT + its key ("blue square + red circle", the two items sorted) is 0 mod HELDOUT_MOD. A scene holding a
# held-out pair is a held-out scene: the diffusion training can skip them all (train_diffusion.py --heldout), and the
# evaluation's held-out sets draw every multi-subject prompt from them (eval/heldout.ts implements the same rule).
HELDOUT_MOD = 10
HELDOUT_SALT = "split2 "  # chosen so that no example graph's pair is held out and each kind of pair has some


def fnv1a32(text):
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def pair_key(a, b):
    return " + ".join(sorted([f"{a['color']} {a['shape']}", f"{b['color']} {b['shape']}"]))


def heldout_pair(a, b):
    return fnv1a32(HELDOUT_SALT + pair_key(a, b)) % HELDOUT_MOD == 0


def heldout_scene(objects):
    return any(heldout_pair(a, b) for i, a in enumerate(objects) for b in objects[i + 1:])


def make_sample(rng, n_obj=None, pattern_p=0.0, gap=None):
    """Returns (uint8 image 64x64x3, caption, meta) with meta = {bg, objects:[{shape,color,box,cx,cy,size}]}.
    pattern_p: probability that an object carries a surface pattern (checkered, striped, or a hole).
    gap: minimum distance in px between objects' size squares (_place; None allows slight touching)."""
    n = None
    while True:
        # With a gap, crowded scenes fail to place more often: keep the drawn count so NUM_OBJ_P still holds (the
        # default keeps the committed builds' random stream, which re-draws it).
        if n is None or gap is None:
            n = n_obj if n_obj is not None else int(rng.choice(4, p=NUM_OBJ_P)) + 1
        sizes = sorted(rng.uniform(SIZE_MIN, SIZE_MAX, n), reverse=True)
        placed = _place(rng, sizes, gap=gap)
        if placed is not None:
            break
    combos = set()
    objects = []
    for (cx, cy, s) in placed:
        while True:
            sh = SHAPES[rng.integers(len(SHAPES))]
            co = list(COLORS)[rng.integers(len(COLORS))]
            if (sh, co) not in combos:
                combos.add((sh, co))
                break
        o = dict(shape=sh, color=co, cx=float(cx), cy=float(cy), size=float(s))
        if pattern_p > 0 and rng.random() < pattern_p:
            pat = PATTERNS[rng.integers(len(PATTERNS))]
            if (sh, co, pat) not in CUSTOM_COMBOS:
                if pat == "hole":
                    o["hole"] = True
                else:
                    o["pattern"] = pat
        objects.append(o)
    bg = list(BACKGROUNDS)[rng.integers(len(BACKGROUNDS))]
    img, boxes = render(objects, bg, rng)
    for o, b in zip(objects, boxes):
        o["box"] = b
    cap = caption_for(objects, bg, rng)
    return img, cap, dict(bg=bg, objects=objects)


def make_subject_sample(name, rng):
    """One training image of a custom subject (single object, random size/position/background)."""
    size = rng.uniform(22, 28)
    placed = _place(rng, [size])
    cx, cy, s = placed[0]
    bg = list(BACKGROUNDS)[rng.integers(len(BACKGROUNDS))]
    if name == "checkered_circle":
        o = dict(shape="circle", color="red", pattern="checkered")
    elif name == "striped_square":
        o = dict(shape="square", color="blue", pattern="striped")
    elif name == "holed_star":
        o = dict(shape="star", color="yellow", hole=True)
    else:
        raise ValueError(name)
    o.update(cx=float(cx), cy=float(cy), size=float(s))
    img, boxes = render([o], bg, rng)
    o["box"] = boxes[0]
    return img, dict(bg=bg, objects=[o])


def caption_corpus(n=20000, seed=0):
    """Caption corpus for BPE training: sampled captions + every vocabulary word + templates."""
    rng = np.random.default_rng(seed)
    caps = []
    for _ in range(n):
        n_obj = int(rng.choice(4, p=NUM_OBJ_P)) + 1
        objs = [dict(shape=SHAPES[rng.integers(4)], color=list(COLORS)[rng.integers(5)],
                     cx=float(rng.uniform(8, 56)), cy=float(rng.uniform(8, 56))) for _ in range(n_obj)]
        caps.append(caption_for(objs, list(BACKGROUNDS)[rng.integers(3)], rng))
    words = SHAPES + list(COLORS) + list(BACKGROUNDS) + EXTRA_WORDS
    caps += [" ".join(words)] * 20
    for t in RESIDUAL_TEMPLATES:
        for w in SHAPES:
            caps.append(t.format(w))
    return caps


def batch(rng, bs):
    """Training batch: float tensor-ready array [bs,3,64,64] in [-1,1] and captions."""
    imgs, caps = [], []
    for _ in range(bs):
        im, cap, _ = make_sample(rng)
        imgs.append(im)
        caps.append(cap)
    x = np.stack(imgs).astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0
    return x, caps


if __name__ == "__main__":
    import os, sys, time
    rng = np.random.default_rng(0)
    t = time.time()
    for i in range(200):
        im, cap, meta = make_sample(rng)
    print("200 samples in %.2fs" % (time.time() - t))
    from common import WORK
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(WORK, "data_grid.png")
    rng = np.random.default_rng(1)
    grid = np.zeros((64 * 4, 64 * 6, 3), np.uint8)
    for i in range(18):
        im, cap, meta = make_sample(rng)
        grid[(i // 6) * 64:(i // 6 + 1) * 64, (i % 6) * 64:(i % 6 + 1) * 64] = im
        print(cap)
    for j, nm in enumerate(SUBJECTS):
        for k in range(2):
            im, _ = make_subject_sample(nm, rng)
            i = 18 + j * 2 + k
            grid[(i // 6) * 64:(i // 6 + 1) * 64, (i % 6) * 64:(i % 6 + 1) * 64] = im
    Image.fromarray(grid).resize((64 * 6 * 2, 64 * 4 * 2), Image.NEAREST).save(out)
    print("wrote", out)
