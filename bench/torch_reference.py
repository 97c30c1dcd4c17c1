"""Times the PyTorch reference sampler (training/reference_sampler.py, class Pipeline) for bench/sections/torch.ts.

Each case samples one image of the benchmark prompt with the settings of the TypeScript side (Euler, CFG 5, the
same steps and seeds; layout: the same boxes, gw 0.2, every step guided, self-recurrence), decode included,
checkpoint loading excluded. One untimed warm-up per case.

Usage: python3 bench/torch_reference.py --checkpoint FILE [--ae FILE] [--steps 25] [--repeats 5] [--threads 2]
                                       [--cases cfg_fixed,cfg_adaptive,layout_sr]
Prints one JSON line: {"torch": version, "threads": n, "cases": {name: [ms, ...]}}, or {"skipped": reason} when
torch or a checkpoint is missing (exit code 0: the benchmark reports the reason and goes on).
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.join(os.path.dirname(HERE), "training")

PROMPT = "a red circle and a blue square"
LAYOUT = [("circle", (0.0, 0.0, 0.5, 1.0), 2.5), ("square", (0.5, 0.0, 1.0, 1.0), 2.5)]
CFG = 5.0
GW = 0.2
CASES = {
    "cfg_fixed": dict(fixed=True),
    "cfg_adaptive": dict(fixed=False),
    "layout_sr": dict(fixed=False, layouts=[LAYOUT], gw=GW, self_recurrence=True),
}


def skip(reason):
    print(json.dumps({"skipped": reason}))
    sys.exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--ae", default=None)
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cases", default=",".join(CASES))
    a = ap.parse_args()
    ae = a.ae or os.path.join(os.path.dirname(a.checkpoint), "ae.pt")
    for path, what in ((a.checkpoint, "diffusion checkpoint"), (ae, "autoencoder checkpoint")):
        if not os.path.isfile(path):
            skip("no %s at %s (written by training/build_all.sh stages 2-3)" % (what, path))
    sys.path.insert(0, TRAINING)
    try:
        import torch
        from reference_sampler import Pipeline
    except ImportError as err:
        skip("cannot import torch / training/reference_sampler.py: %s" % err)
    torch.set_num_threads(a.threads)
    pipe = Pipeline.load(a.checkpoint, ae)
    results = {}
    for name in a.cases.split(","):
        if name not in CASES:
            raise SystemExit("unknown case %r; expected one of %s" % (name, ", ".join(CASES)))
        kwargs = dict(steps=a.steps, cfg=CFG, mode="cfg", **CASES[name])
        pipe.sample([PROMPT], [0], **kwargs)  # warm-up
        times = []
        for seed in range(a.repeats):
            t0 = time.perf_counter()
            pipe.sample([PROMPT], [seed], **kwargs)
            times.append((time.perf_counter() - t0) * 1000)
        results[name] = times
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "cases": results}))


if __name__ == "__main__":
    main()
