"""Pre-generate a pool of training samples (images + object metadata) with a fixed seed.
Captions are re-sampled from the metadata at training time (random order / position / background words).

    python3 gen_pool.py OUT.pkl N SEED [GAP] [PATTERN_P]

GAP (px, optional): objects' size squares at least that far apart (data._place); without it they may touch.
PATTERN_P (optional): share of patterned objects, default 0.12 (the build's pools); with it, GAP '' keeps objects free
to touch."""
import json, sys, pickle
import numpy as np
import data

PATTERN_P = 0.12  # share of objects drawn checkered / striped / with a hole (never a custom subject's combination)

def main(out, n, seed, gap=None, pattern_p=PATTERN_P):
    rng = np.random.default_rng(seed)
    imgs = np.zeros((n, 64, 64, 3), np.uint8)
    metas = []
    for i in range(n):
        im, cap, meta = data.make_sample(rng, pattern_p=pattern_p, gap=gap)
        imgs[i] = im
        metas.append(meta)
    with open(out, "wb") as f:
        pickle.dump(dict(imgs=imgs, metas=metas), f, protocol=4)
    print("wrote", out, n)

if __name__ == "__main__":
    a = sys.argv
    main(a[1], int(a[2]), int(a[3]), float(a[4]) if len(a) > 4 and a[4] else None,
         float(a[5]) if len(a) > 5 else PATTERN_P)
