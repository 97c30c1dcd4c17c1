"""Pre-generate a pool of training samples (images + object metadata) with a fixed seed.
Captions are re-sampled from the metadata at training time (random order / position / background words).

    python3 gen_pool.py OUT.pkl N SEED [GAP]

GAP (px, optional): objects' size squares at least that far apart (data._place); without it they may touch."""
import json, sys, pickle
import numpy as np
import data

PATTERN_P = 0.12  # share of objects drawn checkered / striped / with a hole (never a custom subject's combination)

def main(out, n, seed, gap=None):
    rng = np.random.default_rng(seed)
    imgs = np.zeros((n, 64, 64, 3), np.uint8)
    metas = []
    for i in range(n):
        im, cap, meta = data.make_sample(rng, pattern_p=PATTERN_P, gap=gap)
        imgs[i] = im
        metas.append(meta)
    with open(out, "wb") as f:
        pickle.dump(dict(imgs=imgs, metas=metas), f, protocol=4)
    print("wrote", out, n)

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else None)
