"""PyTorch reference implementation of the Cones 2 sampler on the shapes model.

- Euler (first order) on diffusers EulerDiscreteScheduler sigmas, timestep_spacing "linspace":
  timesteps t_i = linspace(0, 999, steps)[::-1], sigma_i = interp(t_i, sigmas_train), sigmas += [0].
  x_0 = randn(seed) * sigma_0. Each step: model input x / sqrt(sigma^2 + 1), timestep t_i (float),
  eps -> denoised D = x - sigma * eps, x' = x + (sigma_next - sigma) * eps.
- CFG: eps = eps_u + cfg (eps_c - eps_u). CFG++ (Chung et al.): x' = D_lambda + sigma_next * eps_u with
  D_lambda = x - sigma (eps_u + lambda (eps_c - eps_u)).
- Residuals: added to the conditional text-encoder output at the subject word's token position(s).
- Layout bias (docs/method.md sections 4 and 5), conditional branch only, attn2 only, first `guidance_steps` steps:
  full-resolution (64x64) weight map per token: +strength inside the subject's box, NEG (-1e8) outside for subject
  tokens, 0 for all other tokens; bilinear align_corners=True down to each cross-attention resolution (16x16,
  8x8); cells with W < 0 are masked (-1e4 after scaling), W_pos = max(W, 0).
  Scaled logits L: L_cond += gw * eta * std(L_cond) * W_pos with eta = ln(1 + sigma^2), std = torch.std
  (unbiased) over all heads/queries/keys of that sample's conditional logits.
  Box pixel rule: pixel (i, j) of the 64x64 map is inside (x0,y0,x1,y1) (normalised) iff
  x0*64 <= j + 0.5 < x1*64 and y0*64 <= i + 0.5 < y1*64.
- Self-recurrence: each guided step runs twice: step sigma_i -> sigma_{i+1}, add fresh noise of std
  sqrt(sigma_i^2 - sigma_{i+1}^2), step again from sigma_i.
- Noise: CPU torch.Generator seeded with `seed`; initial noise first, then every injected noise tensor in order.
  All noise tensors are returned in the trace so another implementation can replay them.
"""
import _env  # noqa: F401  (sets OMP_WAIT_POLICY before torch loads)
import math
import os

import torch
import torch.nn.functional as F

from bpe import Tokenizer
from common import AE_CKPT, DIFF_FINAL, TOK_DIR, WORK
from autoencoder import AutoEncoder
from noise_schedule import Schedule
from text_encoder import TextEncoder
from unet import UNet

NEG = -1e8
MASK_VALUE = -1e4
FULL = 64


def box_map(box, size=FULL):
    x0, y0, x1, y1 = box
    c = (torch.arange(size, dtype=torch.float32) + 0.5) / size
    inx = (c >= x0) & (c < x1)
    iny = (c >= y0) & (c < y1)
    return (iny[:, None] & inx[None, :]).float()


def layout_maps(tok, prompt_ids_len, positions_and_boxes, resolutions=(16, 8), seq_len=77):
    """positions_and_boxes: list of (token_positions, box, strength).
    Returns {res: (W_pos [res*res, seq_len], neg_mask bool [res*res, seq_len])} and the full map [T, 64, 64]."""
    W = torch.zeros(seq_len, FULL, FULL)
    for positions, box, strength in positions_and_boxes:
        m = box_map(box)
        for p in positions:
            W[p] = torch.where(m > 0, torch.full_like(m, strength), torch.full_like(m, NEG))
    out = {}
    for r in resolutions:
        Wr = F.interpolate(W[None], size=(r, r), mode="bilinear", align_corners=True)[0]  # [T, r, r]
        Wr = Wr.reshape(seq_len, r * r).t().contiguous()  # [r*r, T] row-major queries
        out[r] = (Wr.clamp(min=0), Wr < 0)
    return out, W


class Pipeline:
    def __init__(self, te, unet, ae, tok, sched=None):
        self.te, self.unet, self.ae, self.tok = te.eval(), unet.eval(), ae.eval(), tok
        self.sched = sched or Schedule()
        self.scale = float(ae.scaling_factor)
        self.attn2 = [m for n, m in unet.named_modules() if n.endswith("attn2")]

    @classmethod
    def load(cls, diff_ckpt=DIFF_FINAL, ae_ckpt=AE_CKPT, ema=True):
        tok = Tokenizer(TOK_DIR)
        ck = torch.load(diff_ckpt)
        te = TextEncoder(ck["vocab_size"])
        unet = UNet()
        te.load_state_dict(ck["te" if ema else "te_raw"])
        unet.load_state_dict(ck["unet" if ema else "unet_raw"])
        ae = AutoEncoder()
        ae.load_state_dict(torch.load(ae_ckpt)["state"])
        for m in (te, unet, ae):
            m.requires_grad_(False)
        return cls(te, unet, ae, tok)

    # ---------------------------------------------------------------- text
    def token_ids(self, prompts, fixed=True):
        ids = [self.tok(p, fixed=True) for p in prompts]
        L = 77 if fixed else max(len(self.tok(p, fixed=False)) for p in prompts)
        return torch.tensor([i[:L] for i in ids], dtype=torch.long)

    @torch.no_grad()
    def encode(self, ids):
        return self.te(ids)

    # ---------------------------------------------------------------- layout hook
    def _install_bias(self, maps_per_sample, n, gw, eta):
        """maps_per_sample: list (len n) of {res: (W_pos, neg)} or None. Batch layout: [uncond x n, cond x n]."""
        def hook(mod, logits):
            B, H, S, T = logits.shape
            r = int(round(math.sqrt(S)))
            cond = logits[n:]
            new = []
            for k in range(n):
                mp = maps_per_sample[k]
                lk = cond[k]
                if mp is None:
                    new.append(lk)
                    continue
                Wpos, neg = mp[r]
                Wpos, neg = Wpos[:, :T], neg[:, :T]
                s = lk.std()
                lk = lk + gw * eta * s * Wpos[None]
                lk = lk.masked_fill(neg[None], MASK_VALUE)
                new.append(lk)
            return torch.cat([logits[:n], torch.stack(new)], 0)
        for m in self.attn2:
            m.bias_hook = hook

    def _remove_bias(self):
        for m in self.attn2:
            m.bias_hook = None

    # ---------------------------------------------------------------- sampling
    @torch.no_grad()
    def sample(self, prompts, seeds, steps=25, cfg=5.0, mode="cfg", lam=0.6, layouts=None, gw=0.2,
               guidance_steps=None, self_recurrence=False, residuals=None, fixed=True, negative="",
               trace=False, decode=True):
        """prompts/seeds: lists of equal length n.
        layouts: None or list (len n) of None | list of (word, box(x0,y0,x1,y1 normalised), strength).
        residuals: None or list (len n) of None | list of (word, tensor[1,128]) applied at every occurrence."""
        sig, ts = self.sched.euler_sigmas(steps)
        ids_c, ids_u, emb_c, emb_u, emb_c_plain = self._conditioning(prompts, negative, fixed, residuals)
        ctx = torch.cat([emb_u, emb_c], 0)
        maps = self._layout(prompts, layouts, ids_c.shape[1])
        gsteps = steps if guidance_steps is None else guidance_steps
        gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
        x = torch.cat([torch.randn((1, 4, 16, 16), generator=g) for g in gens]) * sig[0]
        tr = dict(sigmas=sig, timesteps=ts, init_noise=x.clone() / sig[0], latents=[], noises=[],
                  ids_cond=ids_c, ids_uncond=ids_u, emb_cond=emb_c, emb_cond_plain=emb_c_plain, emb_uncond=emb_u)

        def step(x, i, guided):
            return self._euler_step(x, i, sig, ts, ctx, maps if guided else None, gw, mode, cfg, lam)

        for i in range(steps):
            guided = maps is not None and i < gsteps
            if guided and self_recurrence:
                x = self._recurrent_step(step, x, i, sig, gens, tr["noises"])
            else:
                x = step(x, i, guided)
            if trace:
                tr["latents"].append(x.clone())
        tr["final_latents"] = x
        if decode:
            img = self.ae.decode(x / self.scale).clamp(-1, 1)
            tr["images"] = img
        return tr

    def _conditioning(self, prompts, negative, fixed, residuals):
        """Token ids and text-encoder outputs of the prompts (residuals added at their words) and of the negative
        prompt (padded to 77, cut to the prompts' length). -> (ids_c, ids_u, emb_c, emb_u, emb_c without residuals)."""
        n = len(prompts)
        ids_c = self.token_ids(prompts, fixed)
        L = ids_c.shape[1]
        ids_u = self.token_ids([negative] * n, True)[:, :L]
        emb_c = self.te(ids_c)
        emb_u = self.te(ids_u)
        emb_c_plain = emb_c.clone()
        if residuals is not None:
            for k in range(n):
                for word, vec in (residuals[k] or []):
                    for p in self.tok.word_positions(prompts[k], word):
                        emb_c[k, p] += vec.reshape(-1)
        return ids_c, ids_u, emb_c, emb_u, emb_c_plain

    def _layout(self, prompts, layouts, L):
        """Per prompt its layout_maps (or None), or None when no prompt has a layout."""
        if layouts is None or not any(l is not None for l in layouts):
            return None
        maps = []
        for k in range(len(prompts)):
            if layouts[k] is None:
                maps.append(None)
                continue
            pb = [(self.tok.word_positions(prompts[k], w), box, s) for (w, box, s) in layouts[k]]
            maps.append(layout_maps(self.tok, L, pb, seq_len=L)[0])
        return maps

    def _euler_step(self, x, i, sig, ts, ctx, maps, gw, mode, cfg, lam):
        """One Euler step sigma_i -> sigma_{i+1} of the n latents x, the UNet run on [uncond x n, cond x n];
        maps: the layout bias of this step (None: no bias)."""
        n = x.shape[0]
        s, s_next = float(sig[i]), float(sig[i + 1])
        if maps is not None:
            self._install_bias(maps, n, gw, math.log(1 + s * s))
        xin = torch.cat([x, x]) / math.sqrt(s * s + 1)
        t = torch.full((2 * n,), float(ts[i]))
        eps = self.unet(xin, t, ctx)
        self._remove_bias()
        eu, ec = eps[:n], eps[n:]
        if mode == "cfg":
            e = eu + cfg * (ec - eu)
            return x + (s_next - s) * e
        elif mode == "cfgpp":
            d_lam = x - s * (eu + lam * (ec - eu))
            return d_lam + s_next * eu
        raise ValueError(mode)

    @staticmethod
    def _recurrent_step(step, x, i, sig, gens, noises):
        """Self-recurrence: step i, re-noise to sigma_i with fresh noise from each sample's generator (kept in
        noises), step i again."""
        x1 = step(x, i, True)
        s, s_next = float(sig[i]), float(sig[i + 1])
        nz = torch.cat([torch.randn((1, 4, 16, 16), generator=g) for g in gens])
        noises.append(nz.clone())
        x = x1 + math.sqrt(max(s * s - s_next * s_next, 0.0)) * nz
        return step(x, i, True)


def to_uint8(img):
    """[N,3,64,64] in [-1,1] -> numpy uint8 [N,64,64,3]"""
    return ((img.permute(0, 2, 3, 1).numpy() + 1) * 127.5 + 0.5).clip(0, 255).astype("uint8")


if __name__ == "__main__":
    import sys
    import numpy as np
    from PIL import Image
    torch.set_num_threads(2)
    ck = sys.argv[1] if len(sys.argv) > 1 else DIFF_FINAL
    pipe = Pipeline.load(ck)
    prompts = ["a red circle", "a blue square", "a green triangle", "a yellow star", "a purple circle and a red star",
               "a blue triangle and a yellow square", "a green circle on the left", "a red square at the top"]
    import time
    t0 = time.time()
    out = pipe.sample(prompts, list(range(len(prompts))), steps=25, cfg=5.0)
    print("sampled %d in %.1fs" % (len(prompts), time.time() - t0))
    ims = to_uint8(out["images"])
    lay = [[("circle", (0, 0, 0.5, 1), 2.5), ("star", (0.5, 0, 1, 1), 2.5)]]
    out2 = pipe.sample(["a purple circle and a red star"] * 4, [0, 1, 2, 3], layouts=lay * 4, gw=0.2)
    ims = np.concatenate([ims, to_uint8(out2["images"])])
    grid = np.concatenate(list(ims), axis=1)
    Image.fromarray(grid).resize((grid.shape[1] * 2, 128), Image.NEAREST).save(os.path.join(WORK, "samples.png"))
    print("wrote", os.path.join(WORK, "samples.png"))
