"""Shapes-world models, shaped like Stable Diffusion's components (diffusers-style module names).

- TextEncoder: CLIP-like causal transformer, width 128, 77 learned positions, pre-LN, final LayerNorm.
- AutoEncoder: factor-4 conv autoencoder 64x64x3 <-> 16x16x4 (deterministic; latent scale = 1/std recorded).
- UNet: 16x16x4 latents, levels 16x16 (64 ch, 2 heads) and 8x8 (128 ch, 4 heads), ResBlock + transformer
  block (attn1 self, attn2 cross, MLP) per level and in the middle, timestep embedding 256. `UNet(self_attn=(False,
  True))` leaves out attn1 at 16x16 (tried for a faster build, not shipped: training/README.md, fifth attempt).
Attention is written out explicitly (q @ k^T * scale -> softmax -> @ v on 4-D logits [B, H, S, T]) so the
ONNX graph has MatMul -> Mul -> Softmax per attention; attn2's key path starts at `encoder_hidden_states`.
`Attention.bias_hook` (None in export) lets the reference sampler add a layout bias to the scaled logits.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------- text encoder


def train_attention(q, k, v, heads, scale, add=None, return_probs=False):
    """Training-mode attention, the same math as the export path: softmax(q k^T * scale + add) v.
    q [B,S,C], k and v [B,T,C], add None or [S,T] -> [B,S,C]. One baddbmm over [B*H,S,T] with the scale (and the
    additive mask) folded in, instead of 4-D matmuls on permuted views: a training step with 77-token captions is
    1.3-1.5x faster, truncated captions gain nothing (training/bench_attention.py). Outputs and gradients agree
    with the export path to float rounding. return_probs: also return the attention [B, H, S, T]."""
    B, S, C = q.shape
    T, H = k.shape[1], heads
    D = C // H
    q = q.reshape(B, S, H, D).transpose(1, 2).reshape(B * H, S, D)
    k = k.reshape(B, T, H, D).transpose(1, 2).reshape(B * H, T, D)
    v = v.reshape(B, T, H, D).transpose(1, 2).reshape(B * H, T, D)
    base = q.new_zeros(1, 1, 1) if add is None else add.unsqueeze(0)
    p = torch.baddbmm(base, q, k.transpose(1, 2), beta=0.0 if add is None else 1.0, alpha=scale).softmax(-1)
    out = torch.bmm(p, v).reshape(B, H, S, D).transpose(1, 2).reshape(B, S, C)
    return (out, p.reshape(B, H, S, T)) if return_probs else out


class TEAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.scale = self.head_dim ** -0.5
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x, mask):
        B, L, C = x.shape
        H, D = self.heads, self.head_dim
        if self.training:
            return self.out_proj(train_attention(self.q_proj(x), self.k_proj(x), self.v_proj(x), H, self.scale, mask))
        q = self.q_proj(x).reshape(B, L, H, D).transpose(1, 2)
        k = self.k_proj(x).reshape(B, L, H, D).transpose(1, 2)
        v = self.v_proj(x).reshape(B, L, H, D).transpose(1, 2)
        a = (q @ k.transpose(-1, -2)) * self.scale + mask
        a = a.softmax(-1)
        o = (a @ v).transpose(1, 2).reshape(B, L, C)
        return self.out_proj(o)


class TELayer(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(width)
        self.self_attn = TEAttention(width, heads)
        self.layer_norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        x = x + self.mlp(self.layer_norm2(x))
        return x


class TextEncoder(nn.Module):
    def __init__(self, vocab_size, width=128, layers=4, heads=4, max_positions=77):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, hidden_size=width, num_hidden_layers=layers,
                           num_attention_heads=heads, max_position_embeddings=max_positions)
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.position_embedding = nn.Embedding(max_positions, width)
        self.layers = nn.ModuleList([TELayer(width, heads) for _ in range(layers)])
        self.final_layer_norm = nn.LayerNorm(width)
        mask = torch.full((max_positions, max_positions), -1e9).triu(1)
        self.register_buffer("causal_mask", mask, persistent=False)
        self.register_buffer("position_ids", torch.arange(max_positions), persistent=False)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.position_embedding.weight, std=0.01)

    def forward(self, input_ids, return_pooled=False):
        L = input_ids.shape[1]
        x = self.token_embedding(input_ids) + self.position_embedding(self.position_ids[:L])
        mask = self.causal_mask[:L, :L]
        for layer in self.layers:
            x = layer(x, mask)
        x = self.final_layer_norm(x)
        if return_pooled:
            pooled = x[torch.arange(x.shape[0]), input_ids.argmax(-1)]
            return x, pooled
        return x


# ---------------------------------------------------------------- shared blocks


def gn(c):
    return nn.GroupNorm(8 if c % 8 == 0 else 1, c, eps=1e-5)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, temb=None):
        super().__init__()
        self.norm1 = gn(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout) if temb else None
        self.norm2 = gn(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


# ---------------------------------------------------------------- autoencoder


class Encoder(nn.Module):
    def __init__(self, ch=(32, 64, 128), zc=4):
        super().__init__()
        self.conv_in = nn.Conv2d(3, ch[0], 3, padding=1)
        self.res0 = ResnetBlock(ch[0], ch[0])
        self.down0 = nn.Conv2d(ch[0], ch[1], 3, stride=2, padding=1)
        self.res1 = ResnetBlock(ch[1], ch[1])
        self.down1 = nn.Conv2d(ch[1], ch[2], 3, stride=2, padding=1)
        self.res2 = ResnetBlock(ch[2], ch[2])
        self.norm_out = gn(ch[2])
        self.conv_out = nn.Conv2d(ch[2], zc, 3, padding=1)

    def forward(self, x):
        h = self.res0(self.conv_in(x))
        h = self.res1(self.down0(h))
        h = self.res2(self.down1(h))
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, ch=(32, 64, 128), zc=4):
        super().__init__()
        self.conv_in = nn.Conv2d(zc, ch[2], 3, padding=1)
        self.res0 = ResnetBlock(ch[2], ch[2])
        self.res1 = ResnetBlock(ch[2], ch[2])
        self.up0 = nn.Conv2d(ch[2], ch[1], 3, padding=1)
        self.res2 = ResnetBlock(ch[1], ch[1])
        self.up1 = nn.Conv2d(ch[1], ch[0], 3, padding=1)
        self.res3 = ResnetBlock(ch[0], ch[0])
        self.norm_out = gn(ch[0])
        self.conv_out = nn.Conv2d(ch[0], 3, 3, padding=1)

    def forward(self, z):
        h = self.res1(self.res0(self.conv_in(z)))
        h = self.res2(self.up0(F.interpolate(h, scale_factor=2.0, mode="nearest")))
        h = self.res3(self.up1(F.interpolate(h, scale_factor=2.0, mode="nearest")))
        return self.conv_out(F.silu(self.norm_out(h)))


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()
        self.register_buffer("scaling_factor", torch.tensor(1.0))

    def encode(self, x):  # unscaled latents
        return self.encoder(x)

    def decode(self, z):  # unscaled latents
        return self.decoder(z)


class VaeEncoderExport(nn.Module):
    """sample [-1,1] -> latent_sample (unscaled, like SD's encoder output; multiply by scaling_factor)."""
    def __init__(self, ae):
        super().__init__()
        self.ae = ae

    def forward(self, sample):
        return self.ae.encode(sample)


class VaeDecoderExport(nn.Module):
    """latent_sample (unscaled, i.e. latents / scaling_factor) -> sample in [-1,1]."""
    def __init__(self, ae):
        super().__init__()
        self.ae = ae

    def forward(self, latent_sample):
        return self.ae.decode(latent_sample).clamp(-1, 1)


# ---------------------------------------------------------------- UNet


class Attention(nn.Module):
    def __init__(self, dim, heads, context_dim=None):
        super().__init__()
        context_dim = context_dim or dim
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim)])
        self.bias_hook = None  # reference sampler only: fn(module, scaled_logits [B,H,S,T]) -> logits
        self.keep_probs = False  # training only: keep the last attention [B,H,S,T] in self.probs (grounding.py)
        self.probs = None

    def forward(self, x, context=None):
        context = x if context is None else context
        B, S, C = x.shape
        T = context.shape[1]
        H, D = self.heads, self.head_dim
        if self.training and self.bias_hook is None:
            q, k, v = self.to_q(x), self.to_k(context), self.to_v(context)
            if self.keep_probs:
                o, self.probs = train_attention(q, k, v, H, self.scale, return_probs=True)
                return self.to_out[0](o)
            return self.to_out[0](train_attention(q, k, v, H, self.scale))
        q = self.to_q(x).reshape(B, S, H, D).permute(0, 2, 1, 3)
        k = self.to_k(context).reshape(B, T, H, D).permute(0, 2, 1, 3)
        v = self.to_v(context).reshape(B, T, H, D).permute(0, 2, 1, 3)
        logits = torch.matmul(q, k.transpose(-1, -2)) * self.scale  # export: MatMul -> Mul -> Softmax
        if self.bias_hook is not None:
            logits = self.bias_hook(self, logits)
        p = logits.softmax(-1)
        o = torch.matmul(p, v).permute(0, 2, 1, 3).reshape(B, S, C)
        return self.to_out[0](o)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, dim * mult), nn.GELU(), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.net(x)


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, context_dim, self_attn=True):
        super().__init__()
        # self_attn=False: no norm1/attn1 (used at 16x16, where self-attention over 256 positions is the
        # costliest op of a training step); cross-attention attn2 is always there for layout guidance.
        self.self_attn = self_attn
        if self_attn:
            self.norm1 = nn.LayerNorm(dim)
            self.attn1 = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, heads, context_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        if self.self_attn:
            x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        x = x + self.ff(self.norm3(x))
        return x


class Transformer2DModel(nn.Module):
    def __init__(self, dim, heads, context_dim, self_attn=True):
        super().__init__()
        self.norm = gn(dim)
        self.proj_in = nn.Linear(dim, dim)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(dim, heads, context_dim, self_attn)])
        self.proj_out = nn.Linear(dim, dim)

    def forward(self, x, context):
        B, C, Hh, Ww = x.shape
        h = self.norm(x).permute(0, 2, 3, 1).reshape(B, Hh * Ww, C)
        h = self.proj_in(h)
        h = self.transformer_blocks[0](h, context)
        h = self.proj_out(h).reshape(B, Hh, Ww, C).permute(0, 3, 1, 2)
        return x + h


class Downsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    def __init__(self, cin, cout, heads, temb, ctx, down, self_attn=True):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock(cin, cout, temb)])
        self.attentions = nn.ModuleList([Transformer2DModel(cout, heads, ctx, self_attn)])
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if down else None

    def forward(self, x, temb, ctx):
        outs = []
        x = self.attentions[0](self.resnets[0](x, temb), ctx)
        outs.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
        return x, outs


class UpBlock(nn.Module):
    def __init__(self, cin, skip_chs, cout, heads, temb, ctx, up, self_attn=True):
        super().__init__()
        res, att = [], []
        c = cin
        for s in skip_chs:
            res.append(ResnetBlock(c + s, cout, temb))
            att.append(Transformer2DModel(cout, heads, ctx, self_attn))
            c = cout
        self.resnets = nn.ModuleList(res)
        self.attentions = nn.ModuleList(att)
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if up else None

    def forward(self, x, skips, temb, ctx):
        for r, a in zip(self.resnets, self.attentions):
            x = torch.cat([x, skips.pop()], 1)
            x = a(r(x, temb), ctx)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class MidBlock(nn.Module):
    def __init__(self, c, heads, temb, ctx):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock(c, c, temb), ResnetBlock(c, c, temb)])
        self.attentions = nn.ModuleList([Transformer2DModel(c, heads, ctx)])

    def forward(self, x, temb, ctx):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, ctx)
        return self.resnets[1](x, temb)


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


def timestep_proj(t, dim):
    """Sinusoidal projection of float timesteps [B] -> [B, dim] (flip_sin_to_cos, shift 0 like SD)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    a = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


class UNet(nn.Module):
    def __init__(self, ch=(64, 128), heads=(2, 4), context_dim=128, temb=256, tproj=64, self_attn=(True, True)):
        # self_attn[i]: whether level i (16x16, 8x8; the mid block is at 8x8) has self-attention attn1.
        # Cross-attention attn2 is at every level.
        super().__init__()
        self.config = dict(in_channels=4, out_channels=4, sample_size=16, block_out_channels=list(ch),
                           attention_head_dim=[ch[0] // heads[0], ch[1] // heads[1]], num_heads=list(heads),
                           cross_attention_dim=context_dim, layers_per_block=1, time_embedding_dim=temb,
                           time_proj_dim=tproj, flip_sin_to_cos=True, freq_shift=0,
                           self_attention_levels=[bool(a) for a in self_attn])
        self.tproj = tproj
        self.time_embedding = TimestepEmbedding(tproj, temb)
        self.conv_in = nn.Conv2d(4, ch[0], 3, padding=1)
        self.down_blocks = nn.ModuleList([
            DownBlock(ch[0], ch[0], heads[0], temb, context_dim, down=True, self_attn=self_attn[0]),
            DownBlock(ch[0], ch[1], heads[1], temb, context_dim, down=False, self_attn=self_attn[1]),
        ])
        self.mid_block = MidBlock(ch[1], heads[1], temb, context_dim)
        # skips (in push order): down0 (ch0@16), down1 (ch1@8); one resnet+transformer per up level
        self.up_blocks = nn.ModuleList([
            UpBlock(ch[1], [ch[1]], ch[1], heads[1], temb, context_dim, up=True, self_attn=self_attn[1]),
            UpBlock(ch[1], [ch[0]], ch[0], heads[0], temb, context_dim, up=False, self_attn=self_attn[0]),
        ])
        self.conv_norm_out = gn(ch[0])
        self.conv_out = nn.Conv2d(ch[0], 4, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, sample, timestep, encoder_hidden_states):
        temb = self.time_embedding(timestep_proj(timestep, self.tproj))
        x = self.conv_in(sample)
        skips = []
        for b in self.down_blocks:
            x, outs = b(x, temb, encoder_hidden_states)
            skips += outs
        x = self.mid_block(x, temb, encoder_hidden_states)
        for b in self.up_blocks:
            x = b(x, skips, temb, encoder_hidden_states)
        return self.conv_out(F.silu(self.conv_norm_out(x)))

    def cross_attentions(self):
        return [(n, m) for n, m in self.named_modules() if n.endswith("attn2")]


# ---------------------------------------------------------------- schedule


class Schedule:
    """scaled_linear betas (0.00085 .. 0.012), 1000 steps, epsilon prediction."""
    def __init__(self, n=1000, beta_start=0.00085, beta_end=0.012):
        self.n = n
        self.beta_start, self.beta_end = beta_start, beta_end
        betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, n, dtype=torch.float64) ** 2
        self.alphas_cumprod = torch.cumprod(1.0 - betas, 0)
        self.sigmas_all = ((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5  # float64 [1000]
        self.log_sigmas = self.sigmas_all.log()

    def euler_sigmas(self, steps):
        """diffusers EulerDiscreteScheduler, timestep_spacing 'linspace', interpolation 'linear':
        timesteps = linspace(0, n-1, steps)[::-1]; sigmas interpolated at those (fractional) timesteps; append 0."""
        import numpy as np
        ts = np.linspace(0, self.n - 1, steps, dtype=np.float64)[::-1].copy()
        sig = self.sigmas_all.numpy()
        s = np.interp(ts, np.arange(self.n), sig)
        sigmas = np.concatenate([s, [0.0]]).astype(np.float32)
        return torch.from_numpy(sigmas), torch.from_numpy(ts.astype(np.float32))

    def sigma_to_t(self, sigma):
        """Fractional timestep for a sigma by linear interpolation in log-sigma (as diffusers/k-diffusion)."""
        import numpy as np
        ls = np.log(max(float(sigma), 1e-10))
        lsig = self.log_sigmas.numpy()
        return float(np.interp(ls, lsig, np.arange(self.n)))


def count_params(m):
    return sum(p.numel() for p in m.parameters())


if __name__ == "__main__":
    te = TextEncoder(674)
    u = UNet()
    ae = AutoEncoder()
    print("text encoder", count_params(te), "unet", count_params(u), "ae", count_params(ae))
    x = torch.randn(2, 4, 16, 16)
    c = te(torch.randint(0, 674, (2, 77)))
    print(u(x, torch.tensor([10.0, 500.0]), c).shape, ae.decode(ae.encode(torch.randn(2, 3, 64, 64))).shape)
    for n, _ in u.cross_attentions():
        print(n)
