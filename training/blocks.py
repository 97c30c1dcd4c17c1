"""Building blocks shared by the shapes-world models (text_encoder.py, autoencoder.py, unet.py).

- train_attention: the training-mode attention of the text encoder and the UNet (one baddbmm over [B*H, S, T]).
- gn / ResnetBlock: GroupNorm and the residual conv block of the autoencoder and the UNet.
- count_params.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def train_attention(q, k, v, heads, scale, add=None, return_probs=False, key_mask=None):
    """Training-mode attention, the same math as the export path: softmax(q k^T * scale + add) v.
    q [B,S,C], k and v [B,T,C], add None or [S,T] -> [B,S,C]. key_mask None or [B,T] bool: keys a row must not see
    (the padding after a caption's EOS, train_diffusion.py --exact-length), so that row attends as if its sequence
    ended there. One baddbmm over [B*H,S,T] with the scale (and the
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
    if key_mask is not None:
        hidden = q.new_zeros(B, 1, T).masked_fill(key_mask[:, None, :], float("-inf"))  # [B, 1, T]
        base = base + hidden.repeat_interleave(H, dim=0)                                 # [B*H, 1, T], row b*H + h
    masked = add is not None or key_mask is not None
    p = torch.baddbmm(base, q, k.transpose(1, 2), beta=1.0 if masked else 0.0, alpha=scale).softmax(-1)
    out = torch.bmm(p, v).reshape(B, H, S, D).transpose(1, 2).reshape(B, S, C)
    return (out, p.reshape(B, H, S, T)) if return_probs else out


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


def count_params(m):
    return sum(p.numel() for p in m.parameters())
