"""The small files of an SD replica folder (training/make_sd_replicas.py): model_index.json, scheduler config as SD
1.5 / 2.1 ship it, the tokenizer (the shapes model's, with SD 2's "!" padding where asked), the component configs in
diffusers / transformers form, and random residuals in the project's safetensors format (cones-graph-residual/1:
one F32 tensor "residual" [1, D] + string metadata, header padded so the data starts 8-byte aligned).
"""
import json
import os
import shutil
import struct

import numpy as np

from common import MODEL_DIR

DIFFUSERS_VERSION = "0.21.0"
# scheduler/scheduler_config.json as the two model repositories ship it (SD 1.5 has no prediction_type: epsilon).
SCHEDULERS = {
    "sd15": {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
             "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None,
             "clip_sample": False},
    "sd21": {"_class_name": "DDIMScheduler", "_diffusers_version": "0.8.0", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
             "num_train_timesteps": 1000, "prediction_type": "v_prediction", "set_alpha_to_one": False,
             "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None},
}


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def write_model_index(out, family):
    write_json(os.path.join(out, "model_index.json"), {
        "_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": DIFFUSERS_VERSION,
        "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", SCHEDULERS[family]["_class_name"]], "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"], "vae_encoder": ["diffusers", "OnnxRuntimeModel"]})
    write_json(os.path.join(out, "scheduler", "scheduler_config.json"), SCHEDULERS[family])


def write_tokenizer(out, pad):
    """The shapes model's CLIP BPE files; pad token `pad` ("<|endoftext|>" SD 1, "!" = id 0 SD 2)."""
    dst = os.path.join(out, "tokenizer")
    os.makedirs(dst, exist_ok=True)
    for f in ("vocab.json", "merges.txt"):
        shutil.copyfile(os.path.join(MODEL_DIR, "tokenizer", f), os.path.join(dst, f))
    for f in ("tokenizer_config.json", "special_tokens_map.json"):
        with open(os.path.join(MODEL_DIR, "tokenizer", f)) as fh:
            cfg = json.load(fh)
        cfg["pad_token"] = pad
        write_json(os.path.join(dst, f), cfg)


def text_config(te, dtype):
    return {"_name_or_path": "replica", "architectures": ["CLIPTextModel"], "model_type": "clip_text_model",
            "hidden_size": te["hidden_size"], "intermediate_size": 4 * te["hidden_size"],
            "num_attention_heads": te["num_attention_heads"], "num_hidden_layers": te["num_hidden_layers"],
            "max_position_embeddings": te["max_position_embeddings"], "vocab_size": te["vocab_size"],
            "hidden_act": te["hidden_act"], "layer_norm_eps": 1e-05, "projection_dim": te["hidden_size"],
            "bos_token_id": te["vocab_size"] - 2, "eos_token_id": te["vocab_size"] - 1,
            "pad_token_id": te["pad_token_id"], "torch_dtype": dtype}


def unet_config(u, sample_size, dtype, note):
    n = len(u["block_out_channels"])
    return {"_class_name": "UNet2DConditionModel", "_diffusers_version": DIFFUSERS_VERSION, "act_fn": "silu",
            "attention_head_dim": u["attention_head_dim"], "block_out_channels": list(u["block_out_channels"]),
            "center_input_sample": False, "cross_attention_dim": u["cross_attention_dim"],
            "down_block_types": ["CrossAttnDownBlock2D"] * (n - 1) + ["DownBlock2D"], "downsample_padding": 1,
            "dual_cross_attention": False, "flip_sin_to_cos": True, "freq_shift": 0, "in_channels": 4,
            "layers_per_block": u["layers_per_block"], "mid_block_scale_factor": 1, "norm_eps": 1e-05,
            "norm_num_groups": u["norm_num_groups"], "out_channels": 4, "sample_size": sample_size,
            "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * (n - 1),
            "upcast_attention": u["upcast_attention"], "use_linear_projection": u["use_linear_projection"],
            "torch_dtype": dtype, "note": note}


def vae_config(v, dtype):
    n = len(v["block_out_channels"])
    return {"_class_name": "AutoencoderKL", "_diffusers_version": DIFFUSERS_VERSION, "act_fn": "silu",
            "block_out_channels": list(v["block_out_channels"]), "down_block_types": ["DownEncoderBlock2D"] * n,
            "in_channels": 3, "latent_channels": v["latent_channels"], "layers_per_block": v["layers_per_block"],
            "norm_num_groups": v["norm_num_groups"], "out_channels": 3, "sample_size": 64,
            "scaling_factor": 0.18215, "up_block_types": ["UpDecoderBlock2D"] * n, "torch_dtype": dtype}


def write_residual(path, vector, metadata):
    """Our safetensors residual: {"residual": F32 [1, D], "__metadata__": {...}}, data 8-byte aligned."""
    data = np.asarray(vector, dtype="<f4").reshape(1, -1)
    header = {"residual": {"dtype": "F32", "shape": list(data.shape), "data_offsets": [0, data.nbytes]},
              "__metadata__": metadata}
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text.encode())) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text.encode())))
        f.write(text.encode())
        f.write(data.tobytes())


def write_residuals(out, model_name, width, seed):
    """Two random residuals (base words "circle" and "square", the phrases of the example graphs)."""
    rng = np.random.default_rng(seed)
    for word in ("circle", "square"):
        vec = rng.standard_normal(width).astype(np.float32) * 0.5
        recipe = {"random": True, "seed": seed, "std": 0.5, "note": "not trained: exercises the residual path only"}
        write_residual(os.path.join(out, "residuals", f"random_{word}.safetensors"), vec, {
            "format": "cones-graph-residual/1", "base_word": word, "model": model_name, "width": str(width),
            "recipe": json.dumps(recipe), "description": f"random residual for '{word}' (replica test fixture)"})
