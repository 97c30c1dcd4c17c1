"""Stopping a diffusion run part-way and continuing it later, in another process or on another day.

A build takes longer than a working session on this machine (about 2 h 15 min of diffusion steps), so a run must
survive being stopped. The periodic checkpoint (WORK/diffusion.pt) therefore carries everything the step loop needs
to go on: raw and EMA weights, AdamW's moments, the step count, the loss history, the rank-0 clock and the state of
the numpy generator that draws batches and captions. What it does not carry is torch's generator (timesteps and
noise): a continued run reseeds it from the step count, so its noise stream differs from an uninterrupted run's
after the break, while its data stream, learning-rate schedule and optimiser are the same.

A run stops cleanly when asked (SIGTERM or SIGINT to train_diffusion.py, or a file WORK/STOP): the ranks agree
at the end of a step, rank 0 writes the checkpoint, and the process exits with status STOPPED (75) without writing
WORK/diffusion_final.pt, so a build script stops there too. `train_diffusion.py ... --continue` (the same budget
and settings; anything else is refused) then picks it up.
"""
import os
import signal

import torch

from common import DIFF_CKPT, WORK

STOP_FILE = os.path.join(WORK, "STOP")
STOPPED = 75  # EX_TEMPFAIL: the run is incomplete and can be continued
_requested = False


def run_key(args, world):
    """The settings a continued run must share with the stopped one (what shapes the schedule and the data)."""
    return dict(budget=str(args.budget), lr=args.lr, attr_drop=args.attr_drop, pad77=args.pad77, resume=args.resume,
                cached_latents=args.cached_latents, summary_drop=args.summary_drop, ground=args.ground,
                offset_noise=args.offset_noise, bg_p=args.bg_p, heldout=args.heldout, processes=world,
                **({"exact_length": True} if args.exact_length else {}))  # absent when off: older checkpoints match


def state(run, args, elapsed):
    """What checkpoint() adds to the weights so that the run can go on from here."""
    return dict(opt=run.nets.opt.state_dict(), rng=run.rng.bit_generator.state, elapsed=elapsed,
                run_key=run_key(args, run.world), plan=(run.budget.steps, run.budget.limit))


def load(args, world):
    """The stopped run's checkpoint (WORK/diffusion.pt). Exits with a message when there is nothing to continue or it
    was written by a run with other settings; main() calls it before the ranks start, so that is one clean line."""
    if not os.path.exists(DIFF_CKPT):
        raise SystemExit(f"--continue: no checkpoint at {DIFF_CKPT}; start the run without --continue")
    ck = torch.load(DIFF_CKPT)
    if "opt" not in ck:
        raise SystemExit(f"--continue: {DIFF_CKPT} holds weights only (a finished run, or one from before "
                         "continuation existed); start the run without --continue")
    want = run_key(args, world)
    if ck["run_key"] != want:
        diff = {k: (ck["run_key"].get(k), v) for k, v in want.items() if ck["run_key"].get(k) != v}
        raise SystemExit(f"--continue: {DIFF_CKPT} was written by a run with other settings "
                         f"(checkpoint vs now: {diff}); continue with the same budget and flags")
    return ck


def restore(run, args):
    """Loads the stopped run's checkpoint into the nets, optimiser and generators of `run`; returns (step, elapsed,
    hist)."""
    ck = load(args, run.world)
    n = run.nets
    n.te.load_state_dict(ck["te_raw"])
    n.unet.load_state_dict(ck["unet_raw"])
    n.ema_te.load_state_dict(ck["te"])
    n.ema_unet.load_state_dict(ck["unet"])
    n.opt.load_state_dict(ck["opt"])
    run.rng.bit_generator.state = ck["rng"]
    if ck.get("plan") and ck["plan"][1] is not None:  # the stopped run's minutes were planned into steps
        run.budget.set_plan(*ck["plan"])
    step = ck["step"]
    torch.manual_seed(1_000_003 + step)  # same on every rank, as the first seeding was
    return step, ck["elapsed"], list(ck["hist"])


def watch_signals():
    """From now on SIGTERM / SIGINT ask this process to stop at the end of its step instead of killing it."""
    def ask(signum, frame):
        global _requested
        _requested = True
    signal.signal(signal.SIGTERM, ask)
    signal.signal(signal.SIGINT, ask)


def relay_signals():
    """For the launching process of several ranks (whose command lines do not name the script, so `pkill -f` finds
    only this one): SIGTERM / SIGINT write WORK/STOP, which the ranks see at the end of their step; it then waits."""
    def relay(signum, frame):
        with open(STOP_FILE, "w") as f:
            f.write(f"signal {signum}\n")
    signal.signal(signal.SIGTERM, relay)
    signal.signal(signal.SIGINT, relay)


def clear_stop_file():
    """A stop file left by an earlier stop would end the new run after one step."""
    if os.path.exists(STOP_FILE):
        os.remove(STOP_FILE)


def stop_vote():
    """1.0 when this process was asked to stop (a signal, or WORK/STOP exists), else 0.0: summed over the ranks
    once per step, so every rank leaves the loop after the same step."""
    return 1.0 if _requested or os.path.exists(STOP_FILE) else 0.0
