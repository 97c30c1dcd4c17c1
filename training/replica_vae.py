"""diffusers' AutoencoderKL at toy width for the SD replicas (training/make_sd_replicas.py), with its module names
(encoder.down_blocks.N.resnets.M, encoder.mid_block.attentions.0, quant_conv, post_quant_conv, decoder.up_blocks...).

len(block_out_channels) = 4 levels -> 3 down/upsamplers -> downsample factor 8, latent 4 channels, as SD's VAE.
Encoder: conv_in -> DownEncoderBlock2D x4 (layers_per_block resnets, asymmetric-pad stride-2 downsampler on all but the
last) -> UNetMidBlock2D (resnet, single-head self-attention with GroupNorm and residual, resnet) -> GroupNorm, SiLU,
conv_out (2 x latent: mean, logvar) -> quant_conv. Decoder: post_quant_conv -> conv_in -> mid block ->
UpDecoderBlock2D x4 (layers_per_block + 1 resnets, nearest x2 + conv on all but the last) -> GroupNorm, SiLU, conv_out.
The exported encoder returns the posterior mean (latent_dist.mode(), deterministic; diffusers' own script exported a
random sample), unscaled; the decoder takes unscaled latents and returns the image unclamped, as SD exports do.
"""
import torch.nn as nn

from replica_attention import Attention
from replica_unet import Downsample2D, ResnetBlock2D, Upsample2D

EPS = 1e-6


class UNetMidBlock2D(nn.Module):
    def __init__(self, c, groups, form):
        super().__init__()
        self.attentions = nn.ModuleList([Attention(c, 1, c, form=form, upcast_softmax=True, bias=True, norm_groups=groups,
                                                   residual_connection=True)])
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, None, groups, EPS), ResnetBlock2D(c, c, None, groups, EPS)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class EncoderBlock(nn.Module):
    """DownEncoderBlock2D."""

    def __init__(self, cin, cout, layers, groups, down):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, None, groups, EPS) for i in range(layers)])
        self.downsamplers = nn.ModuleList([Downsample2D(cout, padding=0)]) if down else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.downsamplers[0](x) if self.downsamplers is not None else x


class DecoderBlock(nn.Module):
    """UpDecoderBlock2D."""

    def __init__(self, cin, cout, layers, groups, up):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, None, groups, EPS) for i in range(layers)])
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if up else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.upsamplers[0](x) if self.upsamplers is not None else x


class Encoder(nn.Module):
    def __init__(self, ch, layers, groups, latent, form):
        super().__init__()
        self.conv_in = nn.Conv2d(3, ch[0], 3, padding=1)
        self.down_blocks = nn.ModuleList([
            EncoderBlock(ch[max(i - 1, 0)], c, layers, groups, down=i < len(ch) - 1) for i, c in enumerate(ch)])
        self.mid_block = UNetMidBlock2D(ch[-1], groups, form)
        self.conv_norm_out = nn.GroupNorm(groups, ch[-1], eps=EPS)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(ch[-1], 2 * latent, 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        for b in self.down_blocks:
            x = b(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(self.mid_block(x))))


class Decoder(nn.Module):
    def __init__(self, ch, layers, groups, latent, form):
        super().__init__()
        rev = list(reversed(ch))
        self.conv_in = nn.Conv2d(latent, rev[0], 3, padding=1)
        self.mid_block = UNetMidBlock2D(rev[0], groups, form)
        self.up_blocks = nn.ModuleList([
            DecoderBlock(rev[max(i - 1, 0)], c, layers + 1, groups, up=i < len(ch) - 1) for i, c in enumerate(rev)])
        self.conv_norm_out = nn.GroupNorm(groups, ch[0], eps=EPS)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(ch[0], 3, 3, padding=1)

    def forward(self, z):
        x = self.mid_block(self.conv_in(z))
        for b in self.up_blocks:
            x = b(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class AutoencoderKL(nn.Module):
    """cfg: block_out_channels, layers_per_block, norm_num_groups, latent_channels, attention_form."""

    def __init__(self, cfg):
        super().__init__()
        ch, layers, groups, z = cfg["block_out_channels"], cfg["layers_per_block"], cfg["norm_num_groups"], cfg["latent_channels"]
        self.latent = z
        self.encoder = Encoder(ch, layers, groups, z, cfg["attention_form"])
        self.decoder = Decoder(ch, layers, groups, z, cfg["attention_form"])
        self.quant_conv = nn.Conv2d(2 * z, 2 * z, 1)
        self.post_quant_conv = nn.Conv2d(z, z, 1)


class VaeEncoder(nn.Module):
    """sample [B, 3, H, W] in [-1, 1] -> latent_sample [B, 4, H/8, W/8] (posterior mean, unscaled)."""

    def __init__(self, vae):
        super().__init__()
        self.latent = vae.latent
        self.encoder, self.quant_conv = vae.encoder, vae.quant_conv  # shared: node names /encoder/..., /quant_conv/...

    def forward(self, sample):
        moments = self.quant_conv(self.encoder(sample))  # [B, 2 * latent, h, w]: mean, logvar
        return moments[:, : self.latent]


class VaeDecoder(nn.Module):
    """latent_sample [B, 4, h, w] (unscaled) -> sample [B, 3, 8h, 8w]."""

    def __init__(self, vae):
        super().__init__()
        self.post_quant_conv, self.decoder = vae.post_quant_conv, vae.decoder

    def forward(self, latent_sample):
        return self.decoder(self.post_quant_conv(latent_sample))
