"""A Stable Diffusion 1.5-shaped UNet with random weights, exported to ONNX for the large-model benchmark (bench/).

Shapes follow diffusers' UNet2DConditionModel config of SD 1.5: 4 latent channels, block_out_channels
(320, 640, 1280, 1280), layers_per_block 2, 8 heads, cross_attention_dim 768, GroupNorm(32), GEGLU feed-forward,
1x1-conv proj_in/proj_out, timestep embedding 1280 (sinusoid 320, cos first). About 860M parameters (3.4 GB fp32).
The weights are PyTorch's default initialisation with a fixed seed: the model computes nothing meaningful, only
its cost is measured. Attention reuses training/unet.py's Attention (explicit MatMul -> Mul -> Softmax), so the
graph has the same structure as the shapes model's.

Writes to OUT (default /tmp/cones-bench/sd15-unet; never commit it):
  unet/model.onnx (+ one external-data file per weight: the model is over protobuf's 2 GB limit)
  unet/config.json, manifest.json (parameter count, weight bytes, analytic FLOPs per UNet call).
FLOPs are counted on the meta device (no compute): 2 x multiply-adds of every Conv2d, Linear and attention MatMul;
norms, softmax, activations and bias adds are left out, as in the benchmark's count from the ORT profile.
Usage: python3 training/make_sd15_unet.py [OUT]   (3.4 GB of disk; measured here: 93 s, peak RSS 6.7 GiB)
"""
import _env  # noqa: F401  (sets OMP_WAIT_POLICY before torch loads)
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from export import OPSET, export_unet_onnx
from unet import Attention, Downsample2D, TimestepEmbedding, Upsample2D

SEED = 1234
CHANNELS = (320, 640, 1280, 1280)
LAYERS_PER_BLOCK = 2
HEADS = 8
CONTEXT_DIM = 768
TIME_PROJ = 320
TIME_EMB = 1280
GROUPS = 32
# (batch, latent side, sequence length) of the calls the benchmark times: CFG batch 2 at 512x512 and 256x256.
FLOP_CASES = ((2, 64, 77), (2, 32, 77), (1, 64, 77))


def sinusoid(t, dim):
    """unet.timestep_proj (cos first, shift 0), built on t's device so the FLOP count can run on the meta device."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    a = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


def group_norm(c, eps=1e-5):
    return nn.GroupNorm(GROUPS, c, eps=eps)


class Resnet(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = group_norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(TIME_EMB, cout)
        self.norm2 = group_norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.conv_shortcut(x) if self.conv_shortcut is not None else x) + h


class GegluFeedForward(nn.Module):
    """diffusers FeedForward(activation_fn="geglu"): Linear(C, 2 * 4C) -> value * gelu(gate) -> Linear(4C, C)."""

    def __init__(self, dim, mult=4):
        super().__init__()
        self.proj = nn.Linear(dim, 2 * mult * dim)
        self.out = nn.Linear(mult * dim, dim)

    def forward(self, x):
        value, gate = self.proj(x).chunk(2, dim=-1)
        return self.out(value * F.gelu(gate))


class TransformerBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, HEADS)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, HEADS, CONTEXT_DIM)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = GegluFeedForward(dim)

    def forward(self, x, context):
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        return x + self.ff(self.norm3(x))


class Transformer2D(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = group_norm(dim, eps=1e-6)
        self.proj_in = nn.Conv2d(dim, dim, 1)
        self.transformer_blocks = nn.ModuleList([TransformerBlock(dim)])
        self.proj_out = nn.Conv2d(dim, dim, 1)

    def forward(self, x, context):
        B, C, H, W = x.shape
        h = self.proj_in(self.norm(x)).permute(0, 2, 3, 1).reshape(B, H * W, C)  # h: [B, S, C]
        h = self.transformer_blocks[0](h, context)
        h = h.reshape(B, H, W, C).permute(0, 3, 1, 2)  # h: [B, C, H, W]
        return x + self.proj_out(h)


class DownBlock(nn.Module):
    def __init__(self, cin, cout, attention, down):
        super().__init__()
        self.resnets = nn.ModuleList([Resnet(cin if i == 0 else cout, cout) for i in range(LAYERS_PER_BLOCK)])
        self.attentions = nn.ModuleList([Transformer2D(cout) for _ in range(LAYERS_PER_BLOCK)]) if attention else None
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if down else None

    def forward(self, x, temb, context, skips):
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            skips.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            skips.append(x)
        return x


class UpBlock(nn.Module):
    def __init__(self, cin, skip_channels, cout, attention, up):
        super().__init__()
        self.resnets = nn.ModuleList([Resnet((cin if i == 0 else cout) + s, cout) for i, s in enumerate(skip_channels)])
        self.attentions = nn.ModuleList([Transformer2D(cout) for _ in skip_channels]) if attention else None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if up else None

    def forward(self, x, temb, context, skips):
        for i, resnet in enumerate(self.resnets):
            x = resnet(torch.cat([x, skips.pop()], 1), temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class MidBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.resnets = nn.ModuleList([Resnet(c, c), Resnet(c, c)])
        self.attentions = nn.ModuleList([Transformer2D(c)])

    def forward(self, x, temb, context):
        return self.resnets[1](self.attentions[0](self.resnets[0](x, temb), context), temb)


def skip_channels():
    """Channels of the skips in push order: conv_in, then per down level its resnets and its downsampler."""
    out = [CHANNELS[0]]
    for level, c in enumerate(CHANNELS):
        out += [c] * LAYERS_PER_BLOCK
        if level < len(CHANNELS) - 1:
            out.append(c)
    return out


class Sd15UNet(nn.Module):
    def __init__(self):
        super().__init__()
        last = len(CHANNELS) - 1
        self.time_embedding = TimestepEmbedding(TIME_PROJ, TIME_EMB)
        self.conv_in = nn.Conv2d(4, CHANNELS[0], 3, padding=1)
        self.down_blocks = nn.ModuleList([
            DownBlock(CHANNELS[max(i - 1, 0)], c, attention=i < last, down=i < last) for i, c in enumerate(CHANNELS)])
        self.mid_block = MidBlock(CHANNELS[-1])
        skips = skip_channels()
        ups, cin = [], CHANNELS[-1]
        for j, c in enumerate(reversed(CHANNELS)):
            mine = [skips.pop() for _ in range(LAYERS_PER_BLOCK + 1)]
            ups.append(UpBlock(cin, mine, c, attention=j > 0, up=j < last))
            cin = c
        self.up_blocks = nn.ModuleList(ups)
        self.conv_norm_out = group_norm(CHANNELS[0])
        self.conv_out = nn.Conv2d(CHANNELS[0], 4, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        temb = self.time_embedding(sinusoid(timestep, TIME_PROJ))  # temb: [B, 1280]
        x = self.conv_in(sample)  # x: [B, 320, h, w]
        skips = [x]
        for block in self.down_blocks:
            x = block(x, temb, encoder_hidden_states, skips)
        x = self.mid_block(x, temb, encoder_hidden_states)
        for block in self.up_blocks:
            x = block(x, temb, encoder_hidden_states, skips)
        return self.conv_out(F.silu(self.conv_norm_out(x)))  # [B, 4, h, w]


def count_flops(model, batch, side, seq):
    """Analytic FLOPs of one call, from the shapes met on the meta device (2 per multiply-add)."""
    total = {"conv": 0, "linear": 0, "attention": 0}
    hooks = []

    def conv_hook(m, inp, out):
        total["conv"] += 2 * out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inp, out):
        total["linear"] += 2 * out.numel() * m.in_features

    def attention_hook(m, inp, out):
        x = inp[0]
        context = inp[1] if len(inp) > 1 and inp[1] is not None else x
        B, S, C = x.shape
        T = context.shape[1]
        total["attention"] += 2 * (2 * B * S * T * C)  # q @ k^T and p @ v, each B*H*S*T*d MACs with H*d = C

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
        elif isinstance(m, Attention):
            hooks.append(m.register_forward_hook(attention_hook))
    with torch.no_grad():
        model(torch.zeros(batch, 4, side, side, device="meta"), torch.zeros(batch, device="meta"),
              torch.zeros(batch, seq, CONTEXT_DIM, device="meta"))
    for h in hooks:
        h.remove()
    return dict(batch=batch, latent=side, sequence=seq, total=sum(total.values()), **total)


def config():
    return {"_class_name": "UNet2DConditionModel", "in_channels": 4, "out_channels": 4, "sample_size": 64,
            "block_out_channels": list(CHANNELS), "layers_per_block": LAYERS_PER_BLOCK, "attention_head_dim": HEADS,
            "cross_attention_dim": CONTEXT_DIM, "norm_num_groups": GROUPS, "act_fn": "silu",
            "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
            "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
            "note": "random weights (seed %d), SD 1.5 shapes, benchmark only" % SEED}


def main(out):
    torch.set_num_threads(2)
    unet_dir = os.path.join(out, "unet")
    os.makedirs(unet_dir, exist_ok=True)
    meta_model = Sd15UNet().to("meta")
    params = sum(p.numel() for p in meta_model.parameters())
    flops = [count_flops(meta_model, *case) for case in FLOP_CASES]
    print("parameters", params, "flops", json.dumps(flops))
    del meta_model

    t0 = time.time()
    torch.manual_seed(SEED)
    model = Sd15UNet().eval().requires_grad_(False)
    print("built in %.1fs" % (time.time() - t0))
    path = os.path.join(unet_dir, "model.onnx")
    # Traced at a small latent (8x8 -> 1x1 at the lowest level) so the export costs little compute; height, width,
    # batch and sequence stay dynamic.
    args = (torch.randn(1, 4, 8, 8), torch.tensor([500.0]), torch.randn(1, 77, CONTEXT_DIM))
    t0 = time.time()
    export_unet_onnx(model, args, path)
    print("exported in %.1fs" % (time.time() - t0))
    weight_bytes = sum(os.path.getsize(os.path.join(unet_dir, f)) for f in os.listdir(unet_dir))
    with open(os.path.join(unet_dir, "config.json"), "w") as f:
        json.dump(config(), f, indent=2)
    manifest = {"format": "cones-bench-sd15-unet/1", "parameters": params, "weight_bytes_on_disk": weight_bytes,
                "dtype": "float32", "seed": SEED, "opset": OPSET, "torch": torch.__version__,
                "flops_per_call": flops,
                "flops_counted": "2 x multiply-adds of Conv2d, Linear, attention q@k^T and p@v; no norms/softmax/bias"}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print("wrote", out, "bytes", weight_bytes)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/cones-bench/sd15-unet")
