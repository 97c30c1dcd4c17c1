"""Export the shapes model to the Stable Diffusion ONNX folder layout under models/shapes/ and check parity.

Writes: model_index.json, scheduler/scheduler_config.json, tokenizer/ (already written by bpe.py),
text_encoder/, unet/, vae_decoder/, vae_encoder/ (model.onnx + config.json each). fp32, weights inside the .onnx,
no layout-bias inputs. TorchScript exporter, opset 17.
Parity: runs the exported graphs with onnxruntime-node (training/onnx_parity.cjs, repo node_modules) on inputs
saved here and prints max |onnx - torch| per case (including sequence lengths other than 77).
Usage: python3 export.py [diffusion_ckpt]"""
import _env  # noqa: F401  (sets OMP_WAIT_POLICY before torch loads)
import json
import os
import subprocess
import sys

import numpy as np
import torch

from bpe import BOS, EOS, PAD
from common import AE_CKPT, DIFF_FINAL, HERE, MODEL_DIR, WORK, trained_steps
from autoencoder import AutoEncoder, VaeDecoderExport, VaeEncoderExport
from noise_schedule import Schedule
from text_encoder import TextEncoder
from unet import UNet

OPSET = 17


class TEExport(torch.nn.Module):
    def __init__(self, te):
        super().__init__()
        self.te = te

    def forward(self, input_ids):
        return self.te(input_ids, return_pooled=True)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def scheduler_config():
    s = Schedule()
    return {"_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.21.0", "num_train_timesteps": 1000,
            "beta_start": s.beta_start, "beta_end": s.beta_end, "beta_schedule": "scaled_linear",
            "prediction_type": "epsilon", "timestep_spacing": "linspace", "steps_offset": 1, "clip_sample": False,
            "set_alpha_to_one": False, "interpolation_type": "linear", "use_karras_sigmas": False,
            "trained_betas": None}


def export_unet_onnx(unet, args, path):
    """Stable Diffusion's ONNX UNet interface: sample [B,4,h,w], timestep [B], encoder_hidden_states [B,L,D] ->
    out_sample [B,4,h,w], with batch, latent size and sequence length dynamic. args: example inputs for tracing."""
    torch.onnx.export(unet, args, path, opset_version=OPSET,
                      input_names=["sample", "timestep", "encoder_hidden_states"], output_names=["out_sample"],
                      dynamic_axes={"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "batch"},
                                    "encoder_hidden_states": {0: "batch", 1: "sequence"},
                                    "out_sample": {0: "batch", 2: "height", 3: "width"}},
                      do_constant_folding=True)


def export_all(diff_ckpt=DIFF_FINAL, out=MODEL_DIR, check=True):
    torch.set_num_threads(2)
    ck, te, unet, ae = load_models(diff_ckpt)
    scale = float(ae.scaling_factor)
    export_text_encoder(te, ck["vocab_size"], out)
    export_unet(unet, out)
    export_vae(ae, scale, out)
    write_folder_metadata(out, scale, trained_steps(ck))
    if check:
        return parity(te, unet, ae, ck["vocab_size"], out)


def load_models(diff_ckpt):
    """The diffusion checkpoint's EMA text encoder and UNet and WORK/ae.pt's autoencoder, in eval mode.
    -> (checkpoint, te, unet, ae)."""
    ck = torch.load(diff_ckpt)
    te = TextEncoder(ck["vocab_size"])
    te.load_state_dict(ck["te"])
    unet = UNet()
    unet.load_state_dict(ck["unet"])
    ae = AutoEncoder()
    aeck = torch.load(AE_CKPT)
    ae.load_state_dict(aeck["state"])
    for m in (te, unet, ae):
        m.eval().requires_grad_(False)
    return ck, te, unet, ae


def export_text_encoder(te, vocab_size, out):
    """text_encoder/model.onnx (input_ids -> last_hidden_state, pooler_output) and its CLIPTextModel-style config."""
    p = os.path.join(out, "text_encoder", "model.onnx")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    ids = torch.randint(0, vocab_size - 2, (2, 77))
    torch.onnx.export(TEExport(te), (ids,), p, opset_version=OPSET, input_names=["input_ids"],
                      output_names=["last_hidden_state", "pooler_output"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "last_hidden_state": {0: "batch", 1: "sequence"}, "pooler_output": {0: "batch"}},
                      do_constant_folding=True)
    cfg = dict(te.config)
    cfg.update({"_class_name": "CLIPTextModel", "architectures": ["CLIPTextModel"], "model_type": "clip_text_model",
                "hidden_act": "gelu", "intermediate_size": 4 * cfg["hidden_size"], "layer_norm_eps": 1e-5,
                "causal": True, "bos_token_id": vocab_size - 2, "eos_token_id": vocab_size - 1,
                "pad_token_id": vocab_size - 1, "projection_dim": cfg["hidden_size"],
                "pooler_output": "last_hidden_state at argmax(input_ids) (the first EOS)"})
    write_json(os.path.join(out, "text_encoder", "config.json"), cfg)


def export_unet(unet, out):
    """unet/model.onnx (export_unet_onnx) and its UNet2DConditionModel-style config."""
    p = os.path.join(out, "unet", "model.onnx")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    args = (torch.randn(2, 4, 16, 16), torch.tensor([500.0, 20.0]), torch.randn(2, 77, 128))
    export_unet_onnx(unet, args, p)
    ucfg = dict(unet.config)
    ucfg.update({"_class_name": "UNet2DConditionModel", "prediction_type": "epsilon",
                 "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
                 "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
                 "mid_block_type": "UNetMidBlock2DCrossAttn", "timestep_input": "float32 [batch]",
                 "cross_attention_resolutions": [16, 8],
                 "note": "one resnet+transformer per level (down and up); attention is explicit MatMul->Mul->Softmax "
                         "on 4-D logits [B, H, S, T]"})
    write_json(os.path.join(out, "unet", "config.json"), ucfg)


def export_vae(ae, scale, out):
    """vae_decoder/ and vae_encoder/: model.onnx (unscaled latents) and an AutoencoderKL-style config each."""
    for name, mod, inp, outn, x in (
            ("vae_decoder", VaeDecoderExport(ae), "latent_sample", "sample", torch.randn(1, 4, 16, 16)),
            ("vae_encoder", VaeEncoderExport(ae), "sample", "latent_sample", torch.rand(1, 3, 64, 64) * 2 - 1)):
        p = os.path.join(out, name, "model.onnx")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        torch.onnx.export(mod, (x,), p, opset_version=OPSET, input_names=[inp], output_names=[outn],
                          dynamic_axes={inp: {0: "batch", 2: "height", 3: "width"},
                                        outn: {0: "batch", 2: "height", 3: "width"}}, do_constant_folding=True)
        write_json(os.path.join(out, name, "config.json"), {
            "_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3, "latent_channels": 4,
            "sample_size": 64, "downsample_factor": 4, "scaling_factor": scale,
            "note": "deterministic autoencoder; latent_sample is UNSCALED (decoder input = latents / scaling_factor)"})


def write_folder_metadata(out, scale, steps_trained):
    """scheduler/scheduler_config.json and model_index.json (diffusers' ONNX pipeline layout + shapes_world)."""
    write_json(os.path.join(out, "scheduler", "scheduler_config.json"), scheduler_config())
    write_json(os.path.join(out, "model_index.json"), {
        "_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": "0.21.0",
        "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", "EulerDiscreteScheduler"], "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"], "vae_encoder": ["diffusers", "OnnxRuntimeModel"],
        "shapes_world": {"image_size": 64, "latent_size": 16, "latent_channels": 4, "vae_scaling_factor": scale,
                         "text_hidden_size": 128, "pad_token": PAD, "bos_token": BOS, "eos_token": EOS,
                         "recommended": {"steps": 25, "cfg": 5.0},
                         "diffusion_steps_trained": steps_trained, "source": "training/ (see training/README.md)"},
        # read by GuidedSampler for its -1 / "model" inputs (diffusion/model/recommended.ts); chosen by eval's
        # `defaults` experiment on the committed build (README, "The embedded model"): rerun it after a new build
        "cones_graph": {"layout": {"gw": 0.2, "guided_fraction": 1.0, "self_recurrence": False}}})


def parity(te, unet, ae, vocab, out):
    d = os.path.join(WORK, "parity_export")
    os.makedirs(d, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    cases = []

    def save(name, t):
        a = t.detach().numpy()
        fn = os.path.join(d, name + (".i64" if a.dtype == np.int64 else ".f32"))
        a.astype("<i8" if a.dtype == np.int64 else "<f4").tofile(fn)
        return dict(file=fn, shape=list(a.shape), dtype="int64" if a.dtype == np.int64 else "float32")

    with torch.no_grad():
        for L in (77, 9):
            ids = torch.randint(0, vocab - 2, (2, L), generator=g)
            ids[:, 0] = vocab - 2
            ids[:, -1] = vocab - 1
            h, pooled = te(ids, return_pooled=True)
            cases.append(dict(model="text_encoder", name=f"te_seq{L}", inputs={"input_ids": save(f"te{L}_ids", ids)},
                              outputs={"last_hidden_state": save(f"te{L}_out", h), "pooler_output": save(f"te{L}_pool", pooled)}))
        for (B, L, R) in ((2, 77, 16), (2, 12, 16), (1, 5, 16), (1, 77, 24)):
            x = torch.randn(B, 4, R, R, generator=g)
            t = torch.tensor([700.5, 3.0][:B])
            c = torch.randn(B, L, 128, generator=g)
            o = unet(x, t, c)
            tag = f"unet_b{B}_seq{L}_r{R}"
            cases.append(dict(model="unet", name=tag, inputs={"sample": save(tag + "_x", x), "timestep": save(tag + "_t", t),
                                                              "encoder_hidden_states": save(tag + "_c", c)},
                              outputs={"out_sample": save(tag + "_o", o)}))
        z = torch.randn(2, 4, 16, 16, generator=g)
        cases.append(dict(model="vae_decoder", name="vae_dec", inputs={"latent_sample": save("dec_z", z)},
                          outputs={"sample": save("dec_o", ae.decode(z).clamp(-1, 1))}))
        x = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1
        cases.append(dict(model="vae_encoder", name="vae_enc", inputs={"sample": save("enc_x", x)},
                          outputs={"latent_sample": save("enc_o", ae.encode(x))}))
    man = os.path.join(d, "cases.json")
    write_json(man, dict(model_dir=os.path.abspath(out), cases=cases))
    r = subprocess.run(["node", os.path.join(HERE, "onnx_parity.cjs"), man], capture_output=True, text=True,
                       cwd=os.path.dirname(HERE))
    print(r.stdout, r.stderr)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except Exception:
        return None


def sizes(out=MODEL_DIR):
    """Bytes of the shipped folder; skips the layout-patched UNet the TypeScript side caches beside the export
    (unet/model.layout.onnx*, git-ignored), which would double the UNet's share."""
    tot = 0
    for root, _, files in os.walk(out):
        for f in files:
            if ".layout.onnx" not in f:
                tot += os.path.getsize(os.path.join(root, f))
    return tot


if __name__ == "__main__":
    res = export_all(sys.argv[1] if len(sys.argv) > 1 else DIFF_FINAL)
    print("folder bytes", sizes())
    if res is not None:
        write_json(os.path.join(WORK, "export_parity.json"), res)
