"""Tiny architecture replicas of real Stable Diffusion ONNX exports, with random weights, for the TypeScript tests.

Writes four complete SD ONNX folders into test/fixtures/sd-replicas/ (or OUT):
  sd15/       SD 1.5 as optimum exports it with torch 2: epsilon, PNDMScheduler config as shipped, 1x1-conv
              proj_in/proj_out, attention in torch 2's SDPA decomposition on 4-D [B, H, S, d] (sqrt(scale) on q and
              on k^T, no Mul after the score MatMul), input_ids int64, timestep int64 [batch], "<|endoftext|>" padding,
              opset 17, UNet weights in unet/model.onnx_data.
  sd21/       SD 2.1-768 as diffusers' conversion script exports it with torch 1: v_prediction (DDIMScheduler config
              as shipped), Linear proj_in/proj_out, upcast_attention (scores and softmax in float32) in the baddbmm
              form on 3-D [B*H, S, T] logits (MatMul -> Mul(alpha) -> Add(0) -> Softmax), input_ids int32, timestep
              float [batch], "!" padding (id 0), a wider text encoder than sd15, opset 14, UNet weights in
              unet/weights.pb.
  sd15-fp16/, sd21-fp16/  the same weights as float16 exports (training/replica_export.py: traced in float64, then
              DOUBLE -> FLOAT16): fp16 weights, inputs sample / encoder_hidden_states / latent_sample (and sd21's float
              timestep), fp16 outputs; sd21-fp16 keeps Cast(to=FLOAT) before the score MatMul and Cast(to=FLOAT16)
              after the softmax, as a real SD 2.1 fp16 export does.
Each folder: model_index.json, scheduler/, tokenizer/ (the shapes model's BPE), text_encoder/, unet/, vae_decoder/,
vae_encoder/ (model.onnx + config.json each), residuals/random_{circle,square}.safetensors; plus README.md.
Module structure and names follow diffusers / transformers (replica_unet.py, replica_text.py, replica_vae.py,
replica_attention.py); files and metadata: replica_folder.py. Fixed seeds: the same bytes on every run.
Then checks every export with onnxruntime-node (replica_parity.cjs; repo node_modules) against PyTorch float32.

Usage (repo root): /usr/bin/python3 training/make_sd_replicas.py [OUT]
Needs python3-torch and python3-onnx (Debian).
"""
import _env  # noqa: F401  (sets OMP_WAIT_POLICY before torch loads)
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from common import HERE, REPO
from replica_export import export
from replica_folder import text_config, unet_config, vae_config, write_json, write_model_index, write_residuals, \
    write_tokenizer
from replica_readme import write_readme
from replica_text import CLIPTextModel
from replica_unet import UNet2DConditionModel, cross_attention_count
from replica_vae import AutoencoderKL, VaeDecoder, VaeEncoder

OUT = os.path.join(REPO, "test", "fixtures", "sd-replicas")
VOCAB = 674  # the shapes tokenizer: 672 = <|startoftext|>, 673 = <|endoftext|>
SAMPLE_SIZE = 8  # latent side: 64 px default images
FAMILIES = {
    "sd15": dict(seed=1501, opset=17, ids=torch.int64, timestep=torch.int64, pad="<|endoftext|>", pad_id=VOCAB - 1,
                 unet_data="model.onnx_data", exporter="optimum (torch 2 SDPA)",
                 text=dict(hidden_size=16, num_attention_heads=2, num_hidden_layers=2, hidden_act="quick_gelu"),
                 unet=dict(block_out_channels=(8, 16, 16), layers_per_block=1, heads=(2, 2, 2), attention_head_dim=2,
                           norm_num_groups=4, use_linear_projection=False, attention_form="sdpa",
                           upcast_attention=False),
                 vae=dict(block_out_channels=(4, 8, 8, 8), layers_per_block=1, norm_num_groups=4, latent_channels=4)),
    "sd21": dict(seed=2101, opset=14, ids=torch.int32, timestep=torch.float32, pad="!", pad_id=0,
                 unet_data="weights.pb", exporter="diffusers convert_stable_diffusion_checkpoint_to_onnx.py (torch 1)",
                 text=dict(hidden_size=24, num_attention_heads=2, num_hidden_layers=2, hidden_act="gelu"),
                 unet=dict(block_out_channels=(8, 8, 16), layers_per_block=1, heads=(1, 1, 2),
                           attention_head_dim=[1, 1, 2], norm_num_groups=4, use_linear_projection=True,
                           attention_form="baddbmm", upcast_attention=True),
                 vae=dict(block_out_channels=(4, 8, 8, 8), layers_per_block=1, norm_num_groups=4, latent_channels=4)),
}
VARIANTS = (("sd15", "sd15", False), ("sd21", "sd21", False), ("sd15-fp16", "sd15", True), ("sd21-fp16", "sd21", True))


def build(fam):
    """The three float32 modules of a family, from its seed (the fp16 variant gets the same weights)."""
    torch.manual_seed(fam["seed"])
    min_value = -65504.0 if fam.get("fp16") else float(torch.finfo(torch.float32).min)
    te_cfg = dict(fam["text"], vocab_size=VOCAB, max_position_embeddings=77, mask_min=min_value, pad_token_id=fam["pad_id"])
    u_cfg = dict(fam["unet"], cross_attention_dim=fam["text"]["hidden_size"], in_channels=4)
    v_cfg = dict(fam["vae"], attention_form=fam["unet"]["attention_form"])
    te, unet, vae = CLIPTextModel(te_cfg), UNet2DConditionModel(u_cfg), AutoencoderKL(v_cfg)
    for m in (te, unet, vae):
        m.eval().requires_grad_(False)
    return te, unet, vae, te_cfg, u_cfg, v_cfg


def example_inputs(fam, D):
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(0, VOCAB - 2, (1, 77), generator=g).to(fam["ids"])
    t = torch.tensor([500, 20], dtype=fam["timestep"])
    return ids, (torch.randn(2, 4, SAMPLE_SIZE, SAMPLE_SIZE, generator=g), t, torch.randn(2, 77, D, generator=g))


def export_variant(name, family, fp16, out):
    fam = dict(FAMILIES[family], fp16=fp16)
    te, unet, vae, te_cfg, u_cfg, v_cfg = build(fam)
    d = os.path.join(out, name)
    dtype = "float16" if fp16 else "float32"
    D = te_cfg["hidden_size"]
    ids, unet_args = example_inputs(fam, D)
    export(te, (ids,), os.path.join(d, "text_encoder", "model.onnx"), fam["opset"], ["input_ids"],
           ["last_hidden_state", "pooler_output"], {"input_ids": {0: "batch", 1: "sequence"},
           "last_hidden_state": {0: "batch", 1: "sequence"}, "pooler_output": {0: "batch"}}, fp16=fp16)
    export(unet, unet_args, os.path.join(d, "unet", "model.onnx"), fam["opset"],
           ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
           {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "batch"},
            "encoder_hidden_states": {0: "batch", 1: "sequence"}, "out_sample": {0: "batch", 2: "height", 3: "width"}},
           fp16=fp16, external=fam["unet_data"])
    export(VaeEncoder(vae), (torch.randn(1, 3, 64, 64),), os.path.join(d, "vae_encoder", "model.onnx"), fam["opset"],
           ["sample"], ["latent_sample"], {"sample": {0: "batch", 2: "height", 3: "width"},
                                            "latent_sample": {0: "batch", 2: "height", 3: "width"}}, fp16=fp16)
    export(VaeDecoder(vae), (torch.randn(1, 4, 8, 8),), os.path.join(d, "vae_decoder", "model.onnx"), fam["opset"],
           ["latent_sample"], ["sample"], {"latent_sample": {0: "batch", 2: "height", 3: "width"},
                                           "sample": {0: "batch", 2: "height", 3: "width"}}, fp16=fp16)
    write_model_index(d, family)
    write_tokenizer(d, fam["pad"])
    write_json(os.path.join(d, "text_encoder", "config.json"), text_config(te_cfg, dtype))
    note = f"replica of {family} as exported by {fam['exporter']}; random weights (seed {fam['seed']})"
    ucfg = unet_config(dict(u_cfg), SAMPLE_SIZE, dtype, note)
    for part in ("vae_decoder", "vae_encoder"):
        write_json(os.path.join(d, part, "config.json"), vae_config(v_cfg, dtype))
    write_json(os.path.join(d, "unet", "config.json"), ucfg)
    write_residuals(d, f"{name}-replica", D, fam["seed"])
    facts = dict(name=name, family=family, fp16=fp16, opset=fam["opset"], text_width=D, ids=str(fam["ids"])[6:],
                 timestep=("float16" if fp16 else "float32") if fam["timestep"].is_floating_point else "int64",
                 pad=fam["pad"], unet_data=fam["unet_data"], exporter=fam["exporter"],
                 attention=fam["unet"]["attention_form"], upcast=fam["unet"]["upcast_attention"],
                 cross_attentions=cross_attention_count(u_cfg), prediction=family == "sd21" and "v_prediction" or "epsilon")
    return facts, (te, unet, vae, fam)


def parity_cases(name, modules, d, tmp):
    """Inputs (fp16-rounded for fp16 exports) and PyTorch float32 outputs of a few calls of each part."""
    te, unet, vae, fam = modules
    half = fam["fp16"]
    g = torch.Generator().manual_seed(11)
    cases = []

    def save(tag, t, dtype=None):
        dtype = dtype or ("float16" if half and t.is_floating_point() else str(t.dtype)[6:])
        arr = t.numpy().astype({"float16": "<f2", "float32": "<f4", "int32": "<i4", "int64": "<i8"}[dtype])
        fn = os.path.join(tmp, f"{name}-{tag}.bin")
        (arr.view("<u2") if dtype == "float16" else arr).tofile(fn)
        return dict(file=fn, dtype=dtype, shape=list(t.shape))

    def r(t):  # what the fp16 graph really receives
        return t.half().float() if half and t.is_floating_point() else t

    with torch.no_grad():
        for L in (77, 9):
            ids = torch.randint(0, VOCAB - 2, (2, L), generator=g)
            ids[:, 0], ids[:, -1] = VOCAB - 2, VOCAB - 1
            h, p = te(ids.to(fam["ids"]))
            cases.append(dict(name=f"{name}/te_L{L}", model=os.path.join(d, "text_encoder/model.onnx"),
                              inputs={"input_ids": save(f"ids{L}", ids.to(fam["ids"]))},
                              outputs={"last_hidden_state": save(f"h{L}", h, "float32"),
                                       "pooler_output": save(f"p{L}", p, "float32")}))
        D = te.text_model.final_layer_norm.normalized_shape[0]
        for B, hgt, wid, L in ((2, 8, 8, 77), (1, 8, 12, 9)):
            x, c = r(torch.randn(B, 4, hgt, wid, generator=g)), r(torch.randn(B, L, D, generator=g))
            t = torch.tensor([700.5, 3.0][:B]) if fam["timestep"].is_floating_point else torch.tensor([700, 3][:B])
            o = unet(x, t, c)
            tag = f"unet_b{B}_{hgt}x{wid}_L{L}"
            cases.append(dict(name=f"{name}/{tag}", model=os.path.join(d, "unet/model.onnx"),
                              inputs={"sample": save(tag + "x", x), "timestep": save(tag + "t", t),
                                      "encoder_hidden_states": save(tag + "c", c)},
                              outputs={"out_sample": save(tag + "o", o, "float32")}))
        z = r(torch.randn(1, 4, 8, 8, generator=g))
        cases.append(dict(name=f"{name}/vae_decoder", model=os.path.join(d, "vae_decoder/model.onnx"),
                          inputs={"latent_sample": save("z", z)}, outputs={"sample": save("dec", VaeDecoder(vae)(z), "float32")}))
        x = r(torch.rand(1, 3, 64, 64, generator=g) * 2 - 1)
        cases.append(dict(name=f"{name}/vae_encoder", model=os.path.join(d, "vae_encoder/model.onnx"),
                          inputs={"sample": save("img", x)}, outputs={"latent_sample": save("enc", VaeEncoder(vae)(x), "float32")}))
    return cases


def folder_bytes(d):
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(d) for f in files)


def digest(d):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(d)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            h.update(os.path.relpath(p, d).encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()[:16]


def main(out=OUT):
    torch.set_num_threads(2)
    t0 = time.time()
    if os.path.isdir(out):
        shutil.rmtree(out)
    facts, cases = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, family, fp16 in VARIANTS:
            f, modules = export_variant(name, family, fp16, out)
            f["bytes"] = folder_bytes(os.path.join(out, name))
            facts.append(f)
            cases += parity_cases(name, modules, os.path.join(out, name), tmp)
            print(f"{name}: {f['bytes']} bytes, {f['cross_attentions']} cross-attentions ({time.time() - t0:.1f} s)")
        write_readme(out, facts)
        man = os.path.join(tmp, "cases.json")
        with open(man, "w") as fh:
            json.dump(dict(cases=cases), fh)
        r = subprocess.run(["node", os.path.join(HERE, "replica_parity.cjs"), man], capture_output=True, text=True, cwd=REPO)
        print(r.stdout, r.stderr)
    print("total bytes", folder_bytes(out), "digest", digest(out), f"time {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else OUT)
