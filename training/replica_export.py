"""ONNX export of the SD replica parts (training/make_sd_replicas.py): float32 exports straight from the TorchScript
exporter, float16 exports the way GPU users get them (diffusers' script / optimum with --fp16) without tracing in
half precision, which torch 1.13 cannot run on CPU (no Half conv, GroupNorm, LayerNorm or matmul):

  1. trace the float32 module converted to float64 (same weights), with the upcasts of the attention and of the
     timestep embedding written as explicit `.float()` / `.to(dtype)` calls, so they become real Cast nodes;
  2. rewrite the ONNX graph: every DOUBLE becomes FLOAT16 (initializers and Constant values converted, Cast `to`,
     tensor-valued attributes such as ConstantOfShape's value, graph input/output/value_info types); FLOAT tensors
     (the upcast attention scores and softmax, the sinusoidal timestep projection) stay FLOAT.

Needs the onnx Python package (Debian: apt-get install -y python3-onnx) for the rewrite and for saving a UNet's
weights as one external-data file beside model.onnx, as real exports do (`model.onnx_data` from optimum,
`weights.pb` from diffusers' conversion script).
"""
import os
import tempfile

import numpy as np
import onnx
import torch
from onnx import TensorProto, numpy_helper

DOUBLE, FLOAT16 = TensorProto.DOUBLE, TensorProto.FLOAT16


def export(module, args, path, opset, input_names, output_names, dynamic_axes, fp16=False, external=None):
    """Exports `module` (float32, eval) called on `args` (float32 example inputs) to `path`. fp16: traced in float64
    and rewritten to float16. external: file name for the weights (beside model.onnx), or None to keep them inline."""
    if fp16:
        module = module.double()
        args = tuple(a.double() if a.is_floating_point() else a for a in args)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(module, args, raw, opset_version=opset, input_names=input_names,
                              output_names=output_names, dynamic_axes=dynamic_axes, do_constant_folding=True)
        model = onnx.load(raw)
    if fp16:
        module.float()
        double_to_half(model)
    onnx.checker.check_model(model, full_check=True)  # types consistent after the rewrite, shapes inferable
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if external:
        data = os.path.join(os.path.dirname(path), external)
        if os.path.exists(data):
            os.remove(data)  # onnx appends to an existing data file
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=external,
                        size_threshold=1024, convert_attribute=False)
    else:
        onnx.save_model(model, path)
    return model


def _half_tensor(t):
    """A DOUBLE TensorProto -> the same-named FLOAT16 one (round to nearest)."""
    h = numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), t.name)
    t.CopyFrom(h)


def _retype(value_info):
    tt = value_info.type.tensor_type
    if tt.elem_type == DOUBLE:
        tt.elem_type = FLOAT16


def double_to_half(model):
    """In place: DOUBLE -> FLOAT16 everywhere in the main graph (the replicas have no subgraphs)."""
    g = model.graph
    for t in g.initializer:
        if t.data_type == DOUBLE:
            _half_tensor(t)
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        _retype(vi)
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == DOUBLE:
                _half_tensor(a.t)
            elif n.op_type == "Cast" and a.name == "to" and a.i == DOUBLE:
                a.i = FLOAT16
            elif a.name == "dtype" and a.type == onnx.AttributeProto.INT and a.i == DOUBLE:
                a.i = FLOAT16  # RandomNormalLike & co. (none expected)
            elif a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                raise ValueError(f"{n.name}: subgraphs are not rewritten")
    left = [n.name for n in g.node for a in n.attribute if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == DOUBLE]
    assert not left, left
