"""diffusers' UNet2DConditionModel, module for module and name for name, at toy width, for the SD replicas
(training/make_sd_replicas.py). The ONNX node names the exporter derives from the module paths are therefore those of
a real SD export: /down_blocks.0/attentions.0/transformer_blocks.0/attn2/..., /mid_block/..., /up_blocks.2/...

Structure as SD 1.x / 2.x with len(block_out_channels) levels: CrossAttnDownBlock2D on every level but the last
(DownBlock2D, no attention, no downsampler), UNetMidBlock2DCrossAttn, then UpBlock2D on the lowest level and
CrossAttnUpBlock2D above it. Down blocks have layers_per_block resnets, up blocks layers_per_block + 1 (one per skip).
Each Transformer2DModel: GroupNorm(eps 1e-6), proj_in (1x1 conv for SD 1.x, Linear for SD 2.x), one
BasicTransformerBlock (norm1/attn1 self, norm2/attn2 cross, norm3/ff GEGLU), proj_out, residual.
Cross-attentions: (levels - 1) * layers_per_block down + 1 mid + (levels - 1) * (layers_per_block + 1) up.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from replica_attention import Attention


class ResnetBlock2D(nn.Module):
    """norm1 -> SiLU -> conv1 (+ time_emb_proj(SiLU(temb))) -> norm2 -> SiLU -> conv2, plus (conv_shortcut) input."""

    def __init__(self, cin, cout, temb, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout) if temb else None
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.nonlinearity = nn.SiLU()
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(self.nonlinearity(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]
        h = self.conv2(self.dropout(self.nonlinearity(self.norm2(h))))
        return (self.conv_shortcut(x) if self.conv_shortcut is not None else x) + h


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    """net.0 = GEGLU (Linear C -> 2 * 4C, value * gelu(gate)), net.1 = Dropout, net.2 = Linear 4C -> C."""

    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, context_dim, attn):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, heads, dim // heads, **attn)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, heads, dim // heads, cross_attention_dim=context_dim, **attn)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    def __init__(self, dim, heads, context_dim, groups, linear_proj, attn):
        super().__init__()
        self.linear_proj = linear_proj
        self.norm = nn.GroupNorm(groups, dim, eps=1e-6)
        self.proj_in = nn.Linear(dim, dim) if linear_proj else nn.Conv2d(dim, dim, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(dim, heads, context_dim, attn)])
        self.proj_out = nn.Linear(dim, dim) if linear_proj else nn.Conv2d(dim, dim, 1)

    def forward(self, x, context):
        B, C, H, W = x.shape
        h = self.norm(x)
        if not self.linear_proj:
            h = self.proj_in(h)  # conv 1x1 on [B, C, H, W]
        h = h.permute(0, 2, 3, 1).reshape(B, H * W, C)  # [B, S, C]
        if self.linear_proj:
            h = self.proj_in(h)
        h = self.transformer_blocks[0](h, context)
        if self.linear_proj:
            h = self.proj_out(h)
        h = h.reshape(B, H, W, C).permute(0, 3, 1, 2).contiguous()  # [B, C, H, W]
        if not self.linear_proj:
            h = self.proj_out(h)
        return h + x


class Downsample2D(nn.Module):
    def __init__(self, c, padding=1):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:  # the VAE's asymmetric padding
            x = F.pad(x, (0, 1, 0, 1), mode="constant", value=0)
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    """CrossAttnDownBlock2D (cfg given) or DownBlock2D (cfg None). Returns (x, the skips it pushes)."""

    def __init__(self, cin, cout, layers, temb, groups, down, cross):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, temb, groups, 1e-5) for i in range(layers)])
        if cross:
            self.attentions = nn.ModuleList([Transformer2DModel(cout, groups=groups, **cross) for _ in range(layers)])
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if down else None

    def forward(self, x, temb, context):
        skips = []
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            skips.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            skips.append(x)
        return x, skips


class UpBlock(nn.Module):
    """CrossAttnUpBlock2D / UpBlock2D: resnet i takes cat(x, skip) with skip channels skip_chs[i]."""

    def __init__(self, prev, skip_chs, cout, temb, groups, up, cross):
        super().__init__()
        self.resnets = nn.ModuleList([
            ResnetBlock2D((prev if i == 0 else cout) + s, cout, temb, groups, 1e-5) for i, s in enumerate(skip_chs)])
        if cross:
            self.attentions = nn.ModuleList([Transformer2DModel(cout, groups=groups, **cross) for _ in skip_chs])
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if up else None

    def forward(self, x, skips, temb, context):
        for i, resnet in enumerate(self.resnets):
            x = resnet(torch.cat([x, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNetMidBlock2DCrossAttn(nn.Module):
    def __init__(self, c, temb, groups, cross):
        super().__init__()
        self.attentions = nn.ModuleList([Transformer2DModel(c, groups=groups, **cross)])
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, temb, groups, 1e-5), ResnetBlock2D(c, c, temb, groups, 1e-5)])

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        return self.resnets[1](self.attentions[0](x, context), temb)


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.act = nn.SiLU()
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


class Timesteps(nn.Module):
    """Sinusoidal projection (flip_sin_to_cos=True, shift 0), computed in float32 whatever the model's dtype."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        exponent = -math.log(10000.0) * torch.arange(0, half, dtype=torch.float32) / half
        emb = t[:, None].float() * torch.exp(exponent)[None, :]
        emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
        return torch.cat([emb[:, half:], emb[:, :half]], dim=-1)  # cos first


class UNet2DConditionModel(nn.Module):
    """cfg: block_out_channels, layers_per_block, heads (per level), cross_attention_dim, norm_num_groups,
    use_linear_projection, attention form ("sdpa" | "baddbmm"), upcast_attention."""

    def __init__(self, cfg):
        super().__init__()
        ch, layers, groups = cfg["block_out_channels"], cfg["layers_per_block"], cfg["norm_num_groups"]
        temb = ch[0] * 4
        attn = dict(form=cfg["attention_form"], upcast_attention=cfg["upcast_attention"])

        def cross(level):
            return dict(heads=cfg["heads"][level], context_dim=cfg["cross_attention_dim"],
                        linear_proj=cfg["use_linear_projection"], attn=attn)

        last = len(ch) - 1
        self.time_proj = Timesteps(ch[0])
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        self.conv_in = nn.Conv2d(cfg["in_channels"], ch[0], 3, padding=1)
        self.down_blocks = nn.ModuleList([
            DownBlock(ch[max(i - 1, 0)], c, layers, temb, groups, down=i < last, cross=cross(i) if i < last else None)
            for i, c in enumerate(ch)])
        self.mid_block = UNetMidBlock2DCrossAttn(ch[-1], temb, groups, cross(last))
        skips = [ch[0]] + [c for i, c in enumerate(ch) for _ in range(layers + (i < last))]  # push order
        ups, prev = [], ch[-1]
        for j, c in enumerate(reversed(ch)):
            level = last - j
            mine = [skips.pop() for _ in range(layers + 1)]
            ups.append(UpBlock(prev, mine, c, temb, groups, up=level > 0, cross=cross(level) if level < last else None))
            prev = c
        self.up_blocks = nn.ModuleList(ups)
        self.conv_norm_out = nn.GroupNorm(groups, ch[0], eps=1e-5)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(ch[0], cfg["in_channels"], 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        t = timestep.expand(sample.shape[0])
        temb = self.time_embedding(self.time_proj(t).to(sample.dtype))  # [B, 4 * ch0]
        x = self.conv_in(sample)
        skips = [x]
        for block in self.down_blocks:
            x, pushed = block(x, temb, encoder_hidden_states)
            skips += pushed
        x = self.mid_block(x, temb, encoder_hidden_states)
        for block in self.up_blocks:
            x = block(x, skips, temb, encoder_hidden_states)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


def cross_attention_count(cfg):
    """attn2 modules of the architecture (the number the layout surgery must patch)."""
    n = len(cfg["block_out_channels"])
    return (n - 1) * cfg["layers_per_block"] + 1 + (n - 1) * (cfg["layers_per_block"] + 1)
