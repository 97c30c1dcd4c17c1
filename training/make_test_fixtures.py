"""Writes the project's own stand-ins for third-party Cones 2 files, so the tests of the residual readers, the colour
layout reader and the config importer run on a machine that has nothing but this repository.

Output: test/fixtures/cones2/ (about 60 KB), with manifest.json describing every file and the values the tests expect.
- residuals/: files written by torch.save itself (PyTorch's own zip layout, so the TypeScript reader is checked against
  the real writer, not against our idea of it): the reference trainer's layout (a bare [1, 1024] float32 tensor with
  requires_grad, its storage tagged 'cuda:0', archive stem = file stem), a file renamed after saving (stem != name),
  a 1-D float16 tensor, a bfloat16 [1, 768] tensor, a float64 tensor; files that must be refused: a pre-1.6 legacy
  torch.save, a state dict instead of a bare tensor, an integer tensor, a [2, 768] tensor. Plus safetensors files
  as other tools write them (no metadata, F16), written byte by byte from the format description.
- layouts/ and configs/: colour layout PNGs (768 x 768, exact palette colours on white with blended anti-aliased
  edges, as paint programs draw them) and reference-style guidance configs whose PNG paths are relative to the
  folder above configs/; official/ mimics the reference example whose layout path is wrong (the PNG sits beside it).
- manifest.json: shapes, norms and first/last values of each residual (read back with torch.load), and the golden
  "inside" cell counts of layouts/two_subjects.png at 96/48/24/12, computed with torch's bilinear interpolation
  (align_corners=True) of the +2.5 / -1e8 weight map: a reference independent of the TypeScript code.

Command (from the repository root, Debian's python3-torch; re-running rewrites identical files except legacy_format.pt,
whose pre-1.6 format keys storages by Python object ids):
    /usr/bin/python3 training/make_test_fixtures.py
"""
import json
import os
import shutil
import struct
import tempfile
import zlib

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "cones2")
SIZE = 768
STRENGTH = 2.5
NEGATIVE = -1e8
RESOLUTIONS = (96, 48, 24, 12)


# ---------------------------------------------------------------------------------------------- residual files
def seeded_vector(seed, width, norm):
    """A reproducible vector of the given L2 norm (reference residuals have norms 14-30)."""
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(width, generator=g)
    return v * (norm / v.norm())


def save_as_cuda(tensor, path):
    """torch.save with every storage tagged 'cuda:0', as the reference trainer's files are (saved from a GPU).
    A tagger registered ahead of PyTorch's CPU tagger names the location; the bytes are otherwise torch's own."""
    torch.serialization.register_package(1, lambda _obj: "cuda:0", lambda obj, _loc: obj)
    try:
        torch.save(tensor, path)
    finally:
        torch.serialization._package_registry.pop(0)


def write_safetensors(path, tensors, metadata=None):
    """safetensors: u64 LE header length, JSON header {name: {dtype, shape, data_offsets}, __metadata__?}, data.
    `tensors` maps name -> (dtype name, shape, little-endian bytes)."""
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)  # pad so the data section starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def describe(path, expected_width):
    """What a correct reader must return for a readable file: width, norm, first and last element (as float32)."""
    t = torch.load(path, map_location="cpu")
    v = t.detach().reshape(-1).to(torch.float32)
    assert v.numel() == expected_width
    return {"width": v.numel(), "shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
            "norm": float(v.double().norm()), "first": float(v[0]), "last": float(v[-1])}


def write_residuals(out):
    os.makedirs(out, exist_ok=True)
    files = {}

    reference = seeded_vector(1, 1024, 24.0).reshape(1, 1024).requires_grad_(True)
    save_as_cuda(reference, os.path.join(out, "reference_layout.pt"))
    files["reference_layout.pt"] = {"ok": True, "location": "cuda:0", **describe(os.path.join(out, "reference_layout.pt"), 1024)}

    with tempfile.TemporaryDirectory() as tmp:  # stem 'residual' inside a file named otherwise
        torch.save(seeded_vector(2, 768, 14.0).reshape(1, 768), os.path.join(tmp, "residual.pt"))
        shutil.copyfile(os.path.join(tmp, "residual.pt"), os.path.join(out, "renamed_after_save.pt"))
    files["renamed_after_save.pt"] = {"ok": True, "stem": "residual", **describe(os.path.join(out, "renamed_after_save.pt"), 768)}

    for name, dtype, shape, seed in (("half_1d.pt", torch.float16, [768], 3), ("bfloat16.pt", torch.bfloat16, [1, 768], 4),
                                     ("double.pt", torch.float64, [1, 768], 5)):
        torch.save(seeded_vector(seed, 768, 20.0).to(dtype).reshape(shape), os.path.join(out, name))
        files[name] = {"ok": True, **describe(os.path.join(out, name), 768)}

    legacy = seeded_vector(6, 768, 20.0).reshape(1, 768)
    torch.save(legacy, os.path.join(out, "legacy_format.pt"), _use_new_zipfile_serialization=False)
    files["legacy_format.pt"] = {"ok": False, "code": "E_RESIDUAL_FORMAT", "mentions": "legacy"}
    torch.save({"string_to_param": {"*": legacy}}, os.path.join(out, "state_dict.pt"))
    files["state_dict.pt"] = {"ok": False, "code": "E_RESIDUAL_SHAPE"}  # a container, not one tensor
    torch.save(torch.arange(768, dtype=torch.int32).reshape(1, 768), os.path.join(out, "int32.pt"))
    files["int32.pt"] = {"ok": False, "code": "E_RESIDUAL_FORMAT"}
    torch.save(torch.zeros(2, 768), os.path.join(out, "two_rows.pt"))
    files["two_rows.pt"] = {"ok": False, "code": "E_RESIDUAL_SHAPE"}

    plain = seeded_vector(7, 768, 18.0)
    plain_raw = plain.numpy().astype("<f4").tobytes()
    write_safetensors(os.path.join(out, "no_metadata.safetensors"), {"emb": ("F32", [768], plain_raw)})
    files["no_metadata.safetensors"] = {"ok": True, "width": 768, "shape": [768], "dtype": "float32",
                                        "norm": float(plain.double().norm()), "first": float(plain[0]), "last": float(plain[-1])}
    half = seeded_vector(8, 768, 18.0).to(torch.float16)
    write_safetensors(os.path.join(out, "half.safetensors"), {"residual": ("F16", [1, 768], half.numpy().astype("<f2").tobytes())},
                      {"base_word": "square"})
    h32 = half.to(torch.float32)
    files["half.safetensors"] = {"ok": True, "width": 768, "shape": [1, 768], "dtype": "float16", "base_word": "square",
                                 "norm": float(h32.double().norm()), "first": float(h32[0]), "last": float(h32[-1])}
    write_safetensors(os.path.join(out, "two_tensors.safetensors"), {"a": ("F32", [768], plain_raw), "b": ("F32", [768], plain_raw)})
    files["two_tensors.safetensors"] = {"ok": False, "code": "E_RESIDUAL_SHAPE"}
    return files


# ---------------------------------------------------------------------------------------------- colour layouts
def write_png(path, rgb):
    """An 8-bit RGB PNG (colour type 2, no interlace), one filter-0 scanline per row."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def draw(shapes):
    """White canvas; each shape = (colour, kind, cx, cy, rx, ry) in pixels, drawn in order with a 2-pixel blended
    edge (coverage-weighted mix with what is below), so edge pixels hold colours of no subject."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5
    img = np.full((SIZE, SIZE, 3), 255.0)
    for colour, kind, cx, cy, rx, ry in shapes:
        if kind == "ellipse":
            dist = (np.sqrt(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2) - 1) * min(rx, ry)
        else:
            dist = np.maximum(np.abs(xx - cx) - rx, np.abs(yy - cy) - ry)
        cover = np.clip(0.5 - dist / 2.0, 0, 1)[..., None]  # 1 inside, 0 outside, a ramp over 2 px at the edge
        img = img * (1 - cover) + np.array(colour, np.float64) * cover
    return np.rint(img).astype(np.uint8)


ORANGE, RED, GREEN, BLUE = (255, 192, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255)
LAYOUTS = {
    # the reference example's scene: a mug (orange) left of a dog (red), both in the bottom half
    "two_subjects.png": [(ORANGE, "rect", 200, 560, 110, 130), (RED, "ellipse", 545, 560, 150, 140)],
    "three_subjects.png": [(RED, "ellipse", 140, 420, 100, 180), (GREEN, "rect", 384, 430, 110, 150),
                           (BLUE, "ellipse", 630, 420, 100, 170)],
    "cat_glasses.png": [(BLUE, "rect", 384, 384, 384, 384), (RED, "ellipse", 384, 470, 220, 260),
                        (GREEN, "rect", 384, 300, 150, 45)],
}


def counted(mask):
    """Cells whose bilinear (align_corners=True) sample of the +strength / -1e8 map is positive, per resolution."""
    w = torch.where(torch.from_numpy(mask), torch.tensor(STRENGTH, dtype=torch.float64), torch.tensor(NEGATIVE, dtype=torch.float64))
    out = {}
    for r in RESOLUTIONS:
        down = F.interpolate(w[None, None], size=(r, r), mode="bilinear", align_corners=True)[0, 0]
        out[str(r)] = int((down > 0).sum())
    return out


def write_layouts(out):
    os.makedirs(out, exist_ok=True)
    golden = {}
    for name, shapes in LAYOUTS.items():
        img = draw(shapes)
        write_png(os.path.join(out, name), img)
        colours = {}
        for colour, *_ in shapes:
            mask = np.all(img == np.array(colour, np.uint8), axis=-1)
            colours[",".join(map(str, colour))] = {"pixels": int(mask.sum()), "inside": counted(mask)}
        golden[name] = colours
    return golden


# ---------------------------------------------------------------------------------------------- configs
def config(prompt, residuals, colours, layout, subjects):
    return [{"prompt": prompt, "residual_dict": residuals, "color_context": colours, "guidance_steps": 50,
             "guidance_weight": 0.08, "weight_negative": -1e8, "layout": layout, "subject_list": subjects}]


CONFIGS = {
    "configs/guidance_config_two.json": config(
        "a mug and a dog on the beach", {"<mug>": "residuals/reference_layout.pt", "<dog>": "residuals/renamed_after_save.pt"},
        {"255,192,0": ["mug", 2.5], "255,0,0": ["dog", 2.5]}, "layouts/two_subjects.png", [["<mug>", 2], ["<dog>", 5]]),
    # punctuation shifts token indices: "dog," is one word but two tokens, so the third subject's index is one higher
    # than its word position, and the colour table spells the first phrase with its comma
    "configs/guidance_config_punctuation.json": config(
        "A dog, a pet cat and a dog near a forest.",
        {"<dog>": "residuals/reference_layout.pt", "<dog2>": "residuals/half_1d.pt", "<cat>": "residuals/double.pt"},
        {"255,0,0": ["dog,", 2.5], "0,255,0": ["pet cat", 2.5], "0,0,255": ["dog", 2.5]}, "layouts/three_subjects.png",
        [["<dog>", 2], ["<cat>", 4], ["<dog2>", 8]]),
    "configs/guidance_config_multiword.json": config(
        "A cat wearing wearable glasses in a watercolor style.",
        {"<cat>": "residuals/reference_layout.pt", "<glasses>": "residuals/bfloat16.pt", "<style>": "residuals/double.pt"},
        {"255,0,0": ["cat", 2.5], "0,255,0": ["wearable glasses", 2.5], "0,0,255": ["watercolor", 2.5]},
        "layouts/cat_glasses.png", [["<cat>", 2], ["<glasses>", 4], ["<style>", 8]]),
    # the reference example names layouts/ but ships the PNG beside the config
    "official/guidance_config_example.json": config(
        "a mug and a dog on the beach", {"dog": "residuals/dog.pt", "mug": "residuals/mug.pt"},
        {"255,192,0": ["mug", 2.5], "255,0,0": ["dog", 2.5]}, "layouts/layout_example.png", [["mug", 2], ["dog", 5]]),
}


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    residuals = write_residuals(os.path.join(OUT, "residuals"))
    golden = write_layouts(os.path.join(OUT, "layouts"))
    for rel, body in CONFIGS.items():
        os.makedirs(os.path.dirname(os.path.join(OUT, rel)), exist_ok=True)
        with open(os.path.join(OUT, rel), "w") as f:
            json.dump(body, f, indent=2)
            f.write("\n")
    shutil.copyfile(os.path.join(OUT, "layouts", "two_subjects.png"), os.path.join(OUT, "official", "layout_example.png"))
    manifest = {"written_by": "training/make_test_fixtures.py", "torch": torch.__version__, "residuals": residuals,
                "layouts": golden, "strength": STRENGTH, "negative": NEGATIVE}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(OUT) for n in names)
    print(f"wrote {OUT} ({total / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
