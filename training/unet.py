"""The shapes-world UNet (diffusers UNet2DConditionModel names): 16x16x4 latents, levels 16x16 (64 ch, 2 heads) and
8x8 (128 ch, 4 heads), one ResnetBlock + transformer block (attn1 self, attn2 cross, MLP) per level and in the
middle, timestep embedding 256 (sinusoid 64, cos first). `UNet(self_attn=(False, True))` leaves out attn1 at 16x16
(tried for a faster build, not shipped: training/HISTORY.md, fifth attempt).
Attention is written out explicitly (q @ k^T * scale -> softmax -> @ v on 4-D logits [B, H, S, T]) so the ONNX graph
has MatMul -> Mul -> Softmax per attention; attn2's key path starts at `encoder_hidden_states`.
`Attention.bias_hook` (None in export) lets the reference sampler add a layout bias to the scaled logits.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from blocks import ResnetBlock, count_params, gn, train_attention


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
        self.key_mask = None  # training only: [B, T] bool, context positions not to attend to (blocks.train_attention)

    def forward(self, x, context=None):
        context = x if context is None else context
        B, S, C = x.shape
        T = context.shape[1]
        H, D = self.heads, self.head_dim
        if self.training and self.bias_hook is None:
            q, k, v = self.to_q(x), self.to_k(context), self.to_v(context)
            if self.keep_probs:
                o, self.probs = train_attention(q, k, v, H, self.scale, return_probs=True, key_mask=self.key_mask)
                return self.to_out[0](o)
            return self.to_out[0](train_attention(q, k, v, H, self.scale, key_mask=self.key_mask))
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


def check_key_mask():
    """Self-check of Attention.key_mask (train_diffusion.py --exact-length) on a cross-attention with random weights:
    a context padded from 5 to 12 tokens with the padding masked gives the unpadded context's output, and without the
    mask it does not. -> (max |diff| masked, max |diff| unmasked)."""
    torch.manual_seed(0)
    attn = Attention(64, 2, 128).train()
    x, ctx = torch.randn(2, 16, 64), torch.randn(2, 12, 128)
    with torch.no_grad():
        short = attn(x, ctx[:, :5])
        unmasked = attn(x, ctx)
        attn.key_mask = torch.arange(12)[None, :].expand(2, 12) >= 5
        masked = attn(x, ctx)
    return (short - masked).abs().max().item(), (short - unmasked).abs().max().item()


if __name__ == "__main__":
    u = UNet()
    out = u(torch.randn(2, 4, 16, 16), torch.tensor([10.0, 500.0]), torch.randn(2, 77, 128))
    print("unet", count_params(u), tuple(out.shape))
    for n, _ in u.cross_attentions():
        print(n)
    print("key mask: padded + masked vs unpadded, max |diff| %.2e (without the mask %.2e)" % check_key_mask())
