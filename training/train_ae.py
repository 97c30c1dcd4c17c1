"""Train the factor-4 autoencoder (64x64x3 <-> 16x16x4) on a budget of minutes or steps (common.Budget).
Loss: L1 + edge-aware L1 on image gradients + tiny latent L2. 10% of each batch are custom-subject
images (checkered / striped / holed) so the decoder can draw their patterns.
Mode `decoder` (stage 2b of build_all.sh): fine-tunes the decoder only, encoder frozen (so the latent space, the
scaling factor and any diffusion model trained on it stay valid), with the L1 terms weighted FG_WEIGHT x on object
pixels (pixels away from the border colour). Objects are a small fraction of the pixels; without the weighting the
first AE run decoded green objects as orange ((35,160,55) -> (207,162,55)) and nothing in the loss noticed.
Writes WORK/ae.pt with the measured scaling factor (1/std of latents) and held-out PSNR.
Usage: OMP_WAIT_POLICY=PASSIVE python3 train_ae.py [budget=9 (minutes) or e.g. 1200steps] [new|resume|decoder]"""
import _env  # noqa: F401  (sets OMP_WAIT_POLICY before torch loads)
import json
import os
import sys

import numpy as np
import torch

import data
from common import AE_CKPT, Budget, cosine_lr, load_pool, save_atomic, to_tensor
from autoencoder import AutoEncoder
from blocks import count_params


def grads(x):
    return x[..., 1:, :] - x[..., :-1, :], x[..., :, 1:] - x[..., :, :-1]


FG_WEIGHT = 10.0


def object_weight(x):
    """x [B,3,H,W] in [-1,1] -> per-pixel weight [B,1,H,W]: FG_WEIGHT on pixels far from the border colour, else 1."""
    border = torch.cat([x[..., 0, :], x[..., -1, :], x[..., :, 0], x[..., :, -1]], dim=-1)  # [B,3,4W]
    bg = border.median(dim=-1).values[..., None, None]  # [B,3,1,1]
    fg = ((x - bg).norm(dim=1, keepdim=True) > 0.2).float()
    return 1.0 + (FG_WEIGHT - 1.0) * fg


def colour_errors(ae, rng):
    """Decoded centre colour of a plain square per palette colour (uint8 triples) and the worst channel error."""
    out, worst = {}, 0
    for co, rgb in data.COLORS.items():
        img, _ = data.render([dict(shape="square", color=co, cx=32.0, cy=32.0, size=24.0)], "gray", rng)
        with torch.no_grad():
            r = ae.decode(ae.encode(to_tensor(img[None])))[0, :, 28:36, 28:36].mean(dim=(1, 2))
        got = ((r + 1) * 127.5).clamp(0, 255).round().int().tolist()
        out[co] = got
        worst = max(worst, max(abs(a - b) for a, b in zip(got, rgb)))
    return out, worst


def psnr(a, b):
    mse = ((a - b) ** 2).mean(dim=(1, 2, 3))  # images in [-1,1] -> peak-to-peak 2
    return (10 * torch.log10(4.0 / mse)).mean().item()


def main():
    budget = Budget(sys.argv[1] if len(sys.argv) > 1 else "9")  # parsed first: a bad spec fails before the pool loads
    mode = sys.argv[2] if len(sys.argv) > 2 else "new"
    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
    imgs, _ = load_pool()
    rng = np.random.default_rng(123)
    val, vsub = held_out()
    ae, prev, base_lr = load_ae(mode)
    print("ae params", count_params(ae), flush=True)
    opt = torch.optim.Adam([p for p in ae.parameters() if p.requires_grad], lr=base_lr)
    bs = 16
    budget.start()  # minutes count from the first step, as before
    print("budget", budget, flush=True)
    step, loss = train_steps(ae, opt, imgs, rng, budget, base_lr, mode, bs)
    p, ps, std, mean = measure(ae, imgs, val, vsub)
    if mode != "decoder":
        ae.scaling_factor.fill_(1.0 / std)
    colours, worst = colour_errors(ae, np.random.default_rng(5))
    info = dict(mode=mode, steps=step, decoded_colours=colours, worst_colour_error=worst,
                seconds=round(budget.elapsed()), final_loss=loss.item(), psnr_val=p,
                psnr_subjects=ps, latent_std=std, latent_mean=mean, scaling_factor=float(ae.scaling_factor), batch=bs)
    if prev is not None:
        info["previous_runs"] = [prev["info"]] + prev["info"].get("previous_runs", [])
    print(json.dumps(info), flush=True)
    save_atomic(dict(state=ae.state_dict(), info=info), AE_CKPT)


def held_out():
    """Held-out images from a fresh seed (not in the pool): 256 scenes and 16 of each custom subject."""
    vrng = np.random.default_rng(999)
    val = to_tensor(np.stack([data.make_sample(vrng)[0] for _ in range(256)]))
    vsub = to_tensor(np.stack([data.make_subject_sample(n, vrng)[0] for n in data.SUBJECTS for _ in range(16)]))
    return val, vsub


def load_ae(mode):
    """The autoencoder to train and its peak learning rate: `new` (2e-3), or WORK/ae.pt continued (`resume`, 1e-3)
    or with its decoder alone trained (`decoder`, 5e-4). -> (ae, the loaded checkpoint or None, lr)."""
    ae = AutoEncoder()
    base_lr = 2e-3
    prev = None
    if mode in ("resume", "decoder"):  # continue from WORK/ae.pt with a fresh cosine
        prev = torch.load(AE_CKPT)
        ae.load_state_dict(prev["state"])
        base_lr = 1e-3 if mode == "resume" else 5e-4
        print(mode, "from", prev["info"], flush=True)
    if mode == "decoder":
        # decoder-only fine-tune: the encoder (hence the latent space the diffusion model was trained on) is frozen.
        # Half of each batch gets small latent noise so the decoder tolerates imperfect sampled latents.
        ae.encoder.requires_grad_(False)
        print("decoded colours before:", colour_errors(ae, np.random.default_rng(5)), flush=True)
    return ae, prev, base_lr


def train_steps(ae, opt, imgs, rng, budget, base_lr, mode, bs):
    """Steps until the budget is spent (cosine learning rate, 2% warm-up). -> (steps, last loss)."""
    step = 0
    names = list(data.SUBJECTS)
    while not budget.done(step):
        x = draw_batch(imgs, rng, names, bs)
        lr = cosine_lr(base_lr, budget.frac(step), warm_frac=0.02, floor=0.02)
        for g in opt.param_groups:
            g["lr"] = lr
        loss = reconstruction_loss(ae, x, mode)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ae.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f"step {step} t {budget.elapsed():.0f}s lr {lr:.2e} loss {loss.item():.4f}", flush=True)
    return step, loss


def draw_batch(imgs, rng, names, bs):
    """bs - 2 pool images and 2 custom-subject images, [bs, 3, 64, 64], all mirrored in half of the batches."""
    idx = rng.integers(0, len(imgs), bs - 2)
    batch = [imgs[i] for i in idx]
    for _ in range(2):
        batch.append(data.make_subject_sample(names[rng.integers(3)], rng)[0])
    x = to_tensor(np.stack(batch))
    if rng.random() < 0.5:
        x = x.flip(-1)
    return x


def reconstruction_loss(ae, x, mode):
    """L1 + 0.5 * L1 of image gradients, plus 1e-4 * latent L2 for the whole autoencoder. Mode `decoder`: the encoder
    runs without gradients, half of the latents get noise of std 0.08, and the L1 terms are object-weighted."""
    if mode == "decoder":
        with torch.no_grad():
            z = ae.encode(x)
            half = len(x) // 2
            z[:half] += 0.08 * torch.randn_like(z[:half])
    else:
        z = ae.encode(x)
    r = ae.decode(z)
    gx, gy = grads(x)
    rx, ry = grads(r)
    if mode == "decoder":
        w = object_weight(x)
        wx, wy = torch.maximum(w[..., 1:, :], w[..., :-1, :]), torch.maximum(w[..., :, 1:], w[..., :, :-1])
        return ((r - x).abs() * w).mean() + 0.5 * (((rx - gx).abs() * wx).mean() + ((ry - gy).abs() * wy).mean())
    return ((r - x).abs().mean() + 0.5 * ((rx - gx).abs().mean() + (ry - gy).abs().mean())
            + 1e-4 * z.pow(2).mean())


def measure(ae, imgs, val, vsub):
    """Eval mode. -> (PSNR of the held-out scenes, of the custom subjects, std and mean of the unscaled latents of the
    first 2048 pool images)."""
    ae.eval()
    with torch.no_grad():
        p = psnr(ae.decode(ae.encode(val)), val)
        ps = psnr(ae.decode(ae.encode(vsub)), vsub)
        zs = torch.cat([ae.encode(to_tensor(imgs[i:i + 256])) for i in range(0, 2048, 256)])
        std = zs.std().item()
        mean = zs.mean().item()
    return p, ps, std, mean


if __name__ == "__main__":
    main()
