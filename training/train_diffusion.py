"""Joint training of the text encoder and the UNet (epsilon prediction) on frozen-autoencoder latents.

By default every batch is encoded with the frozen encoder, half of the images flipped (captions re-derived).
--cached-latents: encode the pool once, each image and its mirror image, into WORK/latents.pt (keyed on the
  encoder weights and the pool bytes), then train on the same flip-augmented data as the per-batch path (the
  encoder is not flip-equivariant, so a flipped latent must come from the flipped image: flipping a cached latent
  decodes at 23.5 dB PSNR against 32.3 dB). Encoding runs in batches of 16 (measured 150-175 img/s on this machine
  against 72 img/s in batches of 64); with --procs N each process encodes a share and the shares are gathered.
Budget (common.Budget): "<N>steps" (the same steps on any machine), minutes, or both ("4222steps/47.5min"). Minutes
are planned into steps before the first step (plan_steps: as many as fit at the measured step time), so the cosine
learning-rate decay always runs over steps and the "<N>steps" budget the log prints reruns the run exactly; the
minutes stay as a hard stop 10% past them. Checkpoints (raw + EMA weights) every ~10 minutes to WORK/diffusion.pt; the final
EMA weights go to WORK/diffusion_final.pt.
Conditioning: 10% empty captions (for CFG); a share --pad77 of batches (default 0.7) padded to 77 with the pad token,
the rest truncated to the batch's longest real length (BOS..EOS), so both fixed-77 and adaptive-length conditioning
work. Padded batches cost more (the text encoder and every attn2 see 77 tokens instead of ~12): 0.99 against
0.62 s per step measured with the earlier 4-D matmul attention; the training-mode attention is now one baddbmm,
which makes a 77-token step 1.3-1.5x faster and leaves a truncated one as it was (training/bench_attention.py).
Loss: MSE on epsilon with min-SNR-5 weighting. AdamW, EMA 0.999.
--attr-drop P: per object mention, leave its colour unsaid with probability P and, independently, its pattern
  ("a circle", "a checkered circle"), so bare class words mean "any such shape" (what a residual is added to).
--resume: continue from the raw weights in WORK/diffusion_final.pt (copied first to WORK/diffusion_stage1.pt) with a
  fresh AdamW, a fresh cosine over the new budget and other data seeds; the EMA restarts from those weights.
--continue: go on with a run that was stopped part-way (continuation.py: SIGTERM / SIGINT or a file WORK/STOP end a
  run cleanly after a step, checkpointed, exit status 75), with the same budget and flags.
--procs N (default 1, or $DIFF_PROCS; the sixth build in training/HISTORY.md used 2): data-parallel over N processes
  of one thread each (ddp.py), the same global batch of 32 split between them; 1 is the single-process path.
Usage: python3 train_diffusion.py <budget: minutes, or e.g. 4700steps> [lr=4e-4] [--attr-drop P] [--pad77 P]
       [--resume] [--continue] [--cached-latents] [--summary-drop P] [--procs N]
--summary-drop P: for a share P of the captions, the text encoder's outputs from EOS on are replaced by the empty
  caption's (summary_mask below), so the caption's content must be learnt from its word tokens.
--ground W: add W * L_ground (grounding.py): each object's colour, pattern and shape tokens should put their attn2
  attention inside the object's box. 0 (the default) trains as before, with the same random stream.
--exact-length: in the truncated (not padded-to-77) batches, each caption's attn2 keys stop at its own EOS (a key
  mask; padding after it is not attended to), so adaptive-length inference, whose prompt ends at EOS, sees what
  training saw. Without it a short caption is always followed by padding up to its batch's longest caption, and the
  fifteenth build drew 4-8 objects for "a red circle" cut at EOS (HISTORY.md). Same random stream either way.
"""
import _env  # noqa: F401  (sets OMP_WAIT_POLICY before torch loads)
import argparse
import copy
import hashlib
import json
import os
import shutil
import time
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn as nn

import continuation
import data
import ddp
import grounding
from bpe import Tokenizer
from common import (AE_CKPT, DIFF_CKPT, DIFF_FINAL, TOK_DIR, WORK, Budget, cosine_lr, load_pool, mirror, save_atomic,
                    to_tensor)
from autoencoder import AutoEncoder
from blocks import count_params
from noise_schedule import Schedule
from text_encoder import TextEncoder
from unet import UNet


def flip_meta(meta):
    """The metadata of the mirror image: centres (position words) and boxes (grounding targets) mirrored."""
    objs = []
    for o in meta["objects"]:
        o = dict(o)
        o["cx"] = data.SIZE - o["cx"]
        if "box" in o:
            x0, y0, x1, y1 = o["box"]
            o["box"] = [data.SIZE - x1, y0, data.SIZE - x0, y1]
        objs.append(o)
    return dict(bg=meta["bg"], objects=objs)


LATENTS = os.path.join(WORK, "latents.pt")
DIFF_STAGE1 = DIFF_FINAL.replace("diffusion_final", "diffusion_stage1")
BATCH = 32  # the global batch; each of `world` processes trains on BATCH / world of it


def pool_latents(ae, imgs, rank=0, world=1, bs=16):
    """imgs uint8 [N,64,64,3] -> unscaled latents float32 [N,2,4,16,16] of (image, mirror image), cached by key.
    With several processes each encodes a contiguous share and the shares are gathered on every rank."""
    h = hashlib.sha1(b"image+mirror")
    for v in ae.encoder.state_dict().values():
        h.update(v.detach().cpu().numpy().tobytes())
    h.update(np.ascontiguousarray(imgs).data)
    key = h.hexdigest()
    if os.path.exists(LATENTS):
        ck = torch.load(LATENTS)
        if ck.get("key") == key:
            if rank == 0:
                print(f"latents: cached ({LATENTS})", flush=True)
            return ck["z"]
    n = len(imgs)
    mine = imgs[ddp.chunk(rank, world, n)]
    t0, out = time.time(), []
    with torch.inference_mode():
        for i in range(0, len(mine), bs):
            x = mine[i:i + bs]
            z = ae.encode(to_tensor(np.concatenate([x, mirror(x)])))
            out.append(torch.stack([z[:len(x)], z[len(x):]], 1))
            if rank == 0 and (i // bs) % 500 == 0:
                print(f"latents: {(i + len(x)) * world}/{n} encoded (+ mirrors), {time.time() - t0:.0f}s", flush=True)
    z = ddp.gather_rows(world, torch.cat(out), n)
    if rank == 0:
        save_atomic(dict(key=key, z=z), LATENTS)
        print(f"latents: {n} images + mirrors encoded in {time.time() - t0:.0f}s ({world} processes) -> {LATENTS}",
              flush=True)
    return z


def tokenize_batch(tok, caps, fixed):
    ids = [tok(c, fixed=True) for c in caps]
    ids = torch.tensor(ids, dtype=torch.long)
    if not fixed:
        L = max(len(tok(c, fixed=False)) for c in caps)
        ids = ids[:, :L]
    return ids


class Denoiser(nn.Module):
    """Text encoder + UNet as one module, so DistributedDataParallel averages both gradients in one pass."""
    def __init__(self, te, unet):
        super().__init__()
        self.te, self.unet = te, unet

    def forward(self, zt, t, ids, summary_mask=None, empty_ids=None, ground=None, key_mask=None):
        """summary_mask [B, T] bool: positions whose text-encoder output is replaced by the empty caption's.
        key_mask [B, T] bool or None: positions no cross-attention may attend to (--exact-length).
        ground: None, or (cover {S: [B, T, S]}, weight [B, T]) -> returns (prediction, L_ground) (grounding.py)."""
        e = self.te(ids)  # [B, T, 128]
        if summary_mask is not None and bool(summary_mask.any()):
            u = self.te(empty_ids[:, :ids.shape[1]])  # [1, T, 128]
            e = torch.where(summary_mask[:, :, None], u.expand_as(e), e)
        attn2 = [m for _, m in self.unet.cross_attentions()]
        for m in attn2:
            m.key_mask = key_mask
        pred = self.unet(zt, t, e)
        for m in attn2:
            m.key_mask = None
        if ground is None:
            return pred
        layers = [m for _, m in self.unet.cross_attentions()]
        lg = grounding.loss([m.probs for m in layers], *ground)
        for m in layers:
            m.probs = None
        return pred, lg


def summary_mask(ids, eos_id, drop):
    """[B, T] bool: True from each caption's EOS on, for the rows where drop [B] is True.
    With these positions taken from the empty caption, the UNet can only learn a caption's content from its word
    tokens, which is where the Cones 2 residuals and the layout bias act; a causal text encoder otherwise lets it read
    everything from the EOS and padding outputs that summarise the whole caption."""
    pos, eos = positions_and_eos(ids, eos_id)
    return (pos >= eos) & torch.as_tensor(drop)[:, None]


def after_eos(ids, eos_id):
    """[B, T] bool: True after each caption's first EOS (its padding)."""
    pos, eos = positions_and_eos(ids, eos_id)
    return pos > eos


def positions_and_eos(ids, eos_id):
    """Token positions [1, T] and each caption's first EOS position [B, 1]."""
    return torch.arange(ids.shape[1])[None, :], (ids == eos_id).int().argmax(dim=1, keepdim=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("budget", help="minutes (e.g. 60) or a step count (e.g. 4700steps)")
    ap.add_argument("lr", type=float, nargs="?", default=4e-4)
    ap.add_argument("--attr-drop", type=float, default=0.0)
    ap.add_argument("--pad77", type=float, default=0.7)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--continue", dest="cont", action="store_true",
                    help="go on with the stopped run whose checkpoint is WORK/diffusion.pt (continuation.py)")
    ap.add_argument("--cached-latents", action="store_true")
    ap.add_argument("--summary-drop", type=float, default=0.0,
                    help="share of captions whose EOS and padding outputs are replaced by the empty caption's")
    ap.add_argument("--ground", type=float, default=0.0,
                    help="weight of the token grounding loss (grounding.py); 0 = off")
    ap.add_argument("--offset-noise", type=float, default=0.0,
                    help="std of a per-image, per-channel constant added to the noise (0 = off); see add_noise")
    ap.add_argument("--bg-p", type=float, default=0.3,
                    help="share of captions that name the background colour (data.caption_for's bg_p)")
    ap.add_argument("--heldout", action="store_true",
                    help="skip the pool's held-out scenes (data.heldout_scene): the evaluation's held-out split")
    ap.add_argument("--exact-length", action="store_true",
                    help="truncated batches: no attention to the padding after each caption's EOS")
    ap.add_argument("--procs", type=int, default=int(os.environ.get("DIFF_PROCS", "1")))
    args = ap.parse_args()
    Budget(args.budget)  # a bad spec fails here, before --resume overwrites the stage-1 copy or ranks are spawned
    if args.cont:
        continuation.load(args, max(1, args.procs))  # nothing to continue, or other settings: one line, no ranks
    if args.resume and not (args.cont and os.path.exists(DIFF_STAGE1)):
        shutil.copyfile(DIFF_FINAL, DIFF_STAGE1)
    if args.procs > 1:
        continuation.relay_signals()  # a stop asked of this process reaches the ranks as WORK/STOP
    continuation.clear_stop_file()
    started = time.time()
    ddp.launch(train, args.procs, args)
    if not (os.path.exists(DIFF_FINAL) and os.path.getmtime(DIFF_FINAL) >= started):
        print(f"stopped before the budget was spent; checkpoint in {DIFF_CKPT}. To go on, run the same command "
              "with --continue", flush=True)
        raise SystemExit(continuation.STOPPED)


def train(rank, world, args):
    """One rank of the run (ddp.launch): set up, step until the budget is spent, then rank 0 saves the weights."""
    continuation.watch_signals()
    run = setup(rank, world, args)
    step, elapsed, hist, stopped = step_loop(run, args)
    if rank == 0 and not stopped:
        save_final(run, args, step, elapsed, hist)


def setup(rank, world, args):
    """Seeds, tokenizer, frozen autoencoder, pool (and its cached latents), loss weights, models and optimiser.
    The order is that of the committed builds: the torch stream is seeded before the autoencoder is built."""
    run = SimpleNamespace(rank=rank, world=world, budget=Budget(args.budget), base_lr=args.lr, bs=BATCH,
                          mine=ddp.share(rank, world, BATCH))
    torch.manual_seed(1 if args.resume else 0)
    run.rng = np.random.default_rng(8 if args.resume else 7)
    run.log = print if rank == 0 else (lambda *a, **k: None)
    run.tok = Tokenizer(TOK_DIR)
    run.ae = load_frozen_ae()
    run.scale = float(run.ae.scaling_factor)
    run.imgs, run.metas = load_pool()
    run.latents = pool_latents(run.ae, run.imgs, rank, world) if args.cached_latents else None
    # pool rows a batch may draw: all, or (--heldout) those without a held-out pair; None keeps the committed stream
    run.rows = (np.array([i for i, m in enumerate(run.metas) if not data.heldout_scene(m["objects"])])
                if args.heldout else None)
    run.ac, run.w_snr = snr_weights(Schedule())
    run.nets = build_nets(len(run.tok.vocab), args, world, run.log)
    run.log(f"te {count_params(run.nets.te)} unet {count_params(run.nets.unet)} scale {run.scale:.4f} "
            f"budget {run.budget} lr {run.base_lr} "
            f"attr_drop {args.attr_drop} summary_drop {args.summary_drop} pad77 {args.pad77} ground {args.ground} "
            f"offset_noise {args.offset_noise} bg_p {args.bg_p} exact_length {args.exact_length} "
            f"heldout {'skipped, %d of %d rows left' % (len(run.rows), len(run.metas)) if args.heldout else 'trained on'} "
            f"cached_latents {args.cached_latents} "
            f"processes {world} x {torch.get_num_threads()} threads", flush=True)
    run.empty_ids = torch.tensor([run.tok("", fixed=True)])
    return run


def load_frozen_ae():
    ae = AutoEncoder()
    ck = torch.load(AE_CKPT)
    ae.load_state_dict(ck["state"])
    ae.eval().requires_grad_(False)
    return ae


def snr_weights(sched):
    """alphas_cumprod as float32 [1000] and the min-SNR-5 loss weight of each timestep."""
    ac = sched.alphas_cumprod.float()
    snr = ac / (1 - ac)
    return ac, torch.clamp(snr, max=5.0) / snr


def build_nets(vocab_size, args, world, log):
    """Text encoder and UNet (new, or with --resume the raw weights of WORK/diffusion_stage1.pt), their EMA copies,
    the Denoiser (DDP-wrapped with several processes) and AdamW."""
    te = TextEncoder(vocab_size)
    unet = UNet()
    previous = None
    if args.resume:
        prev = torch.load(DIFF_STAGE1)
        te.load_state_dict(prev["te_raw"])
        unet.load_state_dict(prev["unet_raw"])
        previous = prev.get("info")
        log("resuming from", DIFF_STAGE1, previous, flush=True)
    ema_te, ema_unet = copy.deepcopy(te).requires_grad_(False), copy.deepcopy(unet).requires_grad_(False)
    for _, m in unet.cross_attentions():
        m.keep_probs = args.ground > 0
    model = Denoiser(te, unet)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    params = list(te.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-2)
    return SimpleNamespace(te=te, unet=unet, ema_te=ema_te, ema_unet=ema_unet, model=model, params=params, opt=opt,
                           previous=previous)


def step_loop(run, args):
    """Trains until the budget is spent or a stop is asked for (continuation.py). Returns (steps, seconds on rank
    0's clock, [(step, seconds, mean MSE)], stopped)."""
    budget = run.budget
    budget.start()  # minutes count from the first step: loading and latent caching are not part of them
    elapsed = 0.0  # rank 0's clock, shared after every step
    step, hist = 0, []
    if args.cont:
        step, elapsed, hist = continuation.restore(run, args)
        budget.t0 -= elapsed
        run.log(f"continuing at step {step} ({elapsed:.0f}s of training so far)", flush=True)
    elif budget.seconds:
        plan_steps(run, args)
    last_ck, run_loss, run_ground, n_loss = time.time(), 0.0, 0.0, 0
    while not budget.done(step, elapsed):
        lr = cosine_lr(run.base_lr, budget.frac(step, elapsed), warm_frac=0.02, floor=0.03)
        per, lg = train_step(run, args, lr)
        step += 1
        update_ema(run.nets, step)
        elapsed, batch_mse, batch_ground, stop = ddp.sync_scalars(run.world, budget.elapsed(), per.mean().item(),
                                                                  lg.item(), continuation.stop_vote())
        run_loss += batch_mse
        run_ground += batch_ground
        n_loss += 1
        if step % 25 == 0:
            hist.append((step, round(elapsed), run_loss / n_loss))
            run.log(f"step {step} t {elapsed:.0f}s ({elapsed / step:.2f}s/step) lr {lr:.2e} "
                    f"mse {run_loss / n_loss:.4f}" + (f" ground {run_ground / n_loss:.4f}" if args.ground else ""),
                    flush=True)
            run_loss, run_ground, n_loss = 0.0, 0.0, 0
        stopping = stop > 0 and not budget.done(step, elapsed)
        if run.rank == 0 and (stopping or time.time() - last_ck > 600):
            save_atomic(checkpoint(run, step, hist, **continuation.state(run, args, elapsed)), DIFF_CKPT)
            last_ck = time.time()
            run.log(f"checkpoint at step {step}" + (" (stop asked for)" if stopping else ""), flush=True)
        if stopping:
            return step, elapsed, hist, True
    if budget.clock_stopped(elapsed) and step < budget.steps:
        run.log(f"the hard stop ended the run at step {step} of {budget.steps} planned ({elapsed / 60:.1f} min): "
                f"its learning rate had not decayed; the budget {budget.steps}steps@{step} reruns it", flush=True)
    return step, elapsed, hist, False


# Steps timed by plan_steps (the first two, slower, are not counted). A step's time depends on its batch (70% are
# padded to 77 tokens, the rest shorter); with 12 steps and their median the plans of five short runs were 25% slow to
# 40% fast, and the fast one hit the hard stop (training/HISTORY.md, "the deadline planned into steps"), so 32 and
# their mean.
PLAN_STEPS = 32


def plan_steps(run, args):
    """A budget with minutes becomes a step count before the first step (common.Budget.plan): PLAN_STEPS steps are
    timed on the run's own batches at learning rate 0 and then undone (weights, AdamW, both random generators), so
    the run goes on as a "<N>steps" run would from its start and that budget reruns it exactly. The plan is made on
    rank 0's clock and shared (ddp.sync_scalars)."""
    n, budget = run.nets, run.budget
    saved = dict(te=copy.deepcopy(n.te.state_dict()), unet=copy.deepcopy(n.unet.state_dict()),
                 torch=torch.get_rng_state(), np=copy.deepcopy(run.rng.bit_generator.state))
    times = []
    for _ in range(PLAN_STEPS):
        t0 = time.time()
        train_step(run, args, 0.0)
        ddp.sync_scalars(run.world, 0.0)
        times.append(time.time() - t0)
    rate, = ddp.sync_scalars(run.world, float(np.mean(times[2:])))
    elapsed, = ddp.sync_scalars(run.world, budget.elapsed())
    budget.t0 = time.time() - elapsed
    minutes = budget.seconds / 60
    steps = budget.plan(rate)
    n.te.load_state_dict(saved["te"])
    n.unet.load_state_dict(saved["unet"])
    n.opt = torch.optim.AdamW(n.params, lr=args.lr, weight_decay=1e-2)  # as build_nets made it: no moments yet
    torch.set_rng_state(saved["torch"])
    run.rng.bit_generator.state = saved["np"]
    run.log(f"planned: {steps} steps in {minutes:g} min at {rate:.3f} s/step (mean of {PLAN_STEPS - 2} timed "
            f"steps, undone; {elapsed:.0f}s spent timing); the budget {steps}steps reruns this run exactly", flush=True)


def train_step(run, args, lr):
    """One step on a freshly drawn batch: batch, latents, noise, then AdamW at learning rate lr.
    -> (per-sample MSE [b], L_ground)."""
    batch = draw_batch(run, args)
    z0 = clean_latents(run, batch)
    t, eps, zt = add_noise(run, z0, args.offset_noise)
    return optimise(run, args, batch, t, eps, zt, lr)


def draw_batch(run, args):
    """The full batch (pool rows, flips, captions, token ids), drawn identically on every rank, cut to this rank's
    slice. -> namespace idx, flip, ids, drop (summary mask or None), cover / grounded (grounding targets or None)."""
    rng, tok, bs, mine = run.rng, run.tok, run.bs, run.mine
    idx = rng.integers(0, len(run.metas), bs) if run.rows is None else run.rows[rng.integers(0, len(run.rows), bs)]
    flip = rng.random(bs) < 0.5
    ms = [flip_meta(run.metas[i]) if f else run.metas[i] for i, f in zip(idx, flip)]
    caps = [("", []) if rng.random() < 0.1 else
            data.caption_for(m["objects"], m["bg"], rng, bg_p=args.bg_p, attr_drop=args.attr_drop, spans=True)
            for m in ms]
    caps, wheres = [c for c, _ in caps], [w for _, w in caps]
    fixed = rng.random() >= 1 - args.pad77
    ids = tokenize_batch(tok, caps, fixed=fixed)
    keys = after_eos(ids, tok.eos)[mine] if args.exact_length and not fixed else None
    # drawn only when asked for, so runs without it keep the committed model's random stream
    drop = summary_mask(ids, tok.eos, rng.random(bs) < args.summary_drop)[mine] if args.summary_drop else None
    ids = ids[mine]
    idx, flip = idx[mine], flip[mine]
    cover = grounded = None
    if args.ground > 0:
        rows = [grounding.word_boxes(tok, caps[i], wheres[i], ms[i]["objects"], ids.shape[1])
                for i in range(bs)[mine]]
        cover, grounded = grounding.targets(rows, ids.shape[1], (16, 8))
    return SimpleNamespace(idx=idx, flip=flip, ids=ids, drop=drop, cover=cover, grounded=grounded, keys=keys)


def clean_latents(run, batch):
    """Scaled latents of the batch's images (mirrored where flipped): from the cache, or encoded now."""
    if run.latents is not None:
        return run.latents[torch.from_numpy(batch.idx), torch.from_numpy(batch.flip.astype(np.int64))] * run.scale
    x = run.imgs[batch.idx]
    x[batch.flip] = mirror(x[batch.flip])
    with torch.no_grad():
        return run.ae.encode(to_tensor(x)) * run.scale


def add_noise(run, z0, offset=0.0):
    """Timesteps and noise drawn for the full batch (the same torch stream on every rank), cut to this rank's
    slice. -> (t, eps, zt).
    offset > 0 adds offset noise (Guttenberg, 2023): a constant per image and channel, N(0, offset^2), so that the
    mean of z_t stops carrying the image's mean colour at t = 999. With this schedule sqrt(alphas_cumprod[999]) =
    0.069, and a 16 x 16 latent's per-channel mean of unit noise has std 1 / 16 = 0.0625: the mean of pure noise then
    reads as a background colour, and at sampling time the seed, not the caption, picks the background
    (training/HISTORY.md, thirteenth attempt). Drawn only when asked for (committed recipes keep their stream)."""
    t = torch.randint(0, 1000, (run.bs,))[run.mine]
    eps = torch.randn((run.bs,) + tuple(z0.shape[1:]))
    if offset > 0:
        eps = eps + offset * torch.randn((run.bs, z0.shape[1], 1, 1))
    eps = eps[run.mine]
    a = run.ac[t].view(-1, 1, 1, 1)
    zt = a.sqrt() * z0 + (1 - a).sqrt() * eps
    return t, eps, zt


def optimise(run, args, batch, t, eps, zt, lr):
    """One AdamW step at learning rate lr on min-SNR-weighted MSE (+ args.ground * L_ground).
    -> (per-sample MSE [b], L_ground)."""
    nets = run.nets
    for g in nets.opt.param_groups:
        g["lr"] = lr
    if args.ground > 0:
        weight = batch.grounded.float() * run.ac[t].sqrt().float()[:, None]  # grounding.py: less at high noise
        pred, lg = nets.model(zt, t.float(), batch.ids, batch.drop, run.empty_ids, (batch.cover, weight), batch.keys)
    else:
        pred, lg = nets.model(zt, t.float(), batch.ids, batch.drop, run.empty_ids, None, batch.keys), torch.zeros(())
    per = ((pred - eps) ** 2).mean(dim=(1, 2, 3))
    loss = (per * run.w_snr[t]).mean() + args.ground * lg
    nets.opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(nets.params, 1.0)
    nets.opt.step()
    return per, lg


def update_ema(nets, step):
    """EMA of the text encoder and UNet weights, decay min(0.999, (1 + step) / (10 + step))."""
    d = min(0.999, (1 + step) / (10 + step))
    with torch.no_grad():
        for src, dst in ((nets.te, nets.ema_te), (nets.unet, nets.ema_unet)):
            ema = list(dst.parameters())
            torch._foreach_mul_(ema, d)
            torch._foreach_add_(ema, [p.detach() for p in src.parameters()], alpha=1 - d)


def checkpoint(run, step, hist, **extra):
    """EMA and raw weights of both networks, as WORK/diffusion.pt and WORK/diffusion_final.pt store them."""
    n = run.nets
    return dict(te=n.ema_te.state_dict(), unet=n.ema_unet.state_dict(), te_raw=n.te.state_dict(),
                unet_raw=n.unet.state_dict(), step=step, vocab_size=len(run.tok.vocab), hist=hist, **extra)


def save_final(run, args, step, elapsed, hist):
    """Writes the run's weights and its info (settings, steps, time; the resumed run's info nested as "previous")
    to WORK/diffusion.pt and WORK/diffusion_final.pt."""
    info = dict(steps=step, seconds=round(elapsed), batch=run.bs, lr=run.base_lr,
                final_mse=hist[-1][2] if hist else None,
                s_per_step=elapsed / max(1, step), attr_drop=args.attr_drop, summary_drop=args.summary_drop,
                pad77=args.pad77, ground=args.ground, offset_noise=args.offset_noise, bg_p=args.bg_p,
                exact_length=args.exact_length,
                heldout_skipped=args.heldout,
                cached_latents=args.cached_latents, resumed=args.resume, processes=run.world)
    if run.budget.limit is not None or run.budget.stop is not None:
        # the schedule's steps, which rerun_budgets needs when the run ended before them (a hard stop, or "N steps@M")
        info["planned"] = dict(budget=args.budget, steps=run.budget.steps,
                               clock_stopped=run.budget.clock_stopped(elapsed) and step < run.budget.steps)
    if run.nets.previous is not None:
        info["previous"] = run.nets.previous
    obj = checkpoint(run, step, hist, info=info)
    save_atomic(obj, DIFF_CKPT)
    save_atomic(obj, DIFF_FINAL)
    print("done", json.dumps(info), flush=True)


if __name__ == "__main__":
    main()
