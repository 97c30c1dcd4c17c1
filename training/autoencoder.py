"""The shapes-world autoencoder: deterministic factor-4 conv autoencoder 64x64x3 <-> 16x16x4 (ResnetBlocks at 64, 32
and 16 px). Latents are unscaled; `scaling_factor` (1/std of the training latents, set by train_ae.py) scales them
for the diffusion model, as in SD. VaeEncoderExport / VaeDecoderExport are the two graphs the ONNX export traces.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from blocks import ResnetBlock, count_params, gn


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


if __name__ == "__main__":
    ae = AutoEncoder()
    print("ae", count_params(ae), tuple(ae.decode(ae.encode(torch.randn(2, 3, 64, 64))).shape))
