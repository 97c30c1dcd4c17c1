"""README.md of test/fixtures/sd-replicas/, written by training/make_sd_replicas.py from the facts of each export."""
import os

HEAD = """# Stable Diffusion replicas (test fixtures)

Four tiny Stable Diffusion ONNX model folders with the *architecture and export form* of real SD 1.5 and SD 2.1-768
exports (diffusers module structure and node names, the attention patterns, input/output dtypes, scheduler configs,
tokenizer padding, external-data UNet weights) at toy width. **The weights are random** (fixed seeds): the models draw
noise, and the residuals under `residuals/` are random vectors. They exist so the tests can run every loader, surgery
and pipeline path on the shapes of real exports without downloading gigabytes (`test/models/sd-replicas.test.ts`).

Regenerate (from the repository root; Debian's python3-torch and python3-onnx, plus `node_modules` for the
onnxruntime check; same bytes on every run):

    /usr/bin/python3 training/make_sd_replicas.py

The `-fp16` folders hold the same weights as their float32 siblings, exported as float16 the way GPU users get them
(traced in float64, then DOUBLE -> FLOAT16; see `training/replica_export.py`).

"""

COLUMNS = ("folder", "export form", "text width", "input_ids", "timestep", "weights", "attention",
           "cross-attentions", "prediction", "pad", "opset", "UNet weights file", "bytes")


def _attention(f):
    if f["attention"] == "sdpa":
        return "torch 2 SDPA, 4-D [B,H,S,T], sqrt(scale) on q and k^T"
    up = ", upcast to float32 (Cast nodes)" if f["fp16"] else ", upcast_attention"
    return "baddbmm, 3-D [B*H,S,T], MatMul -> Mul -> Add" + up


def write_readme(out, facts):
    rows = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for f in facts:
        cells = (f"`{f['name']}/`", f["exporter"], f["text_width"], f["ids"], f"{f['timestep']} [batch]",
                 "float16" if f["fp16"] else "float32", _attention(f), f["cross_attentions"], f["prediction"],
                 "`" + f["pad"].replace("|", "\\|") + "`", f["opset"], f"`unet/{f['unet_data']}`", f["bytes"])
        rows.append("| " + " | ".join(str(c) for c in cells) + " |")
    tail = ("\nEvery folder: `model_index.json` (OnnxStableDiffusionPipeline), `scheduler/scheduler_config.json` "
            "(SD 1.5's PNDMScheduler or SD 2.1's DDIMScheduler, as shipped), `tokenizer/` (the shapes model's BPE "
            "vocabulary, 674 tokens), `text_encoder/`, `unet/`, `vae_encoder/`, `vae_decoder/` (model.onnx + config.json; "
            "VAE factor 8 from 4 block_out_channels, scaling_factor 0.18215; the encoder returns the posterior mean), "
            "`residuals/random_circle.safetensors` and `residuals/random_square.safetensors` (cones-graph-residual/1, "
            "width = the text width). UNets: 3 levels (CrossAttnDown x2 + Down, cross-attention mid block, Up + "
            "CrossAttnUp x2), sample_size 8 (64 px images; sizes must be multiples of 32 px).\n")
    with open(os.path.join(out, "README.md"), "w") as fh:
        fh.write(HEAD + "\n".join(rows) + "\n" + tail)
