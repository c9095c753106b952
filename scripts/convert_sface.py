#!/usr/bin/env python3
"""Converts SFace 2021dec int8 block-quantized to fp32 for OpenCV 4.6.

OpenCV 4.6 rejects opset-21 block-quantized DequantizeLinear. This rewrites
every DequantizeLinear whose inputs are constants into an fp32 initializer
((x - zero_point) * scale, with per-block scales along `axis`), folds
Reshape nodes whose inputs are now constants, drops unused initializers and
declares opset 13. The result is deterministic: same input, same bytes.

usage: convert_sface.py INPUT.onnx OUTPUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def dequantize(x, scale, zero_point, axis, block_size):
    x = x.astype(np.float32)
    zp = zero_point.astype(np.float32) if zero_point is not None else np.zeros_like(scale, dtype=np.float32)
    scale = scale.astype(np.float32)
    if scale.ndim == 0 or scale.size == 1:
        return (x - zp.reshape(())) * scale.reshape(())
    axis = axis % x.ndim
    if block_size:
        scale = np.repeat(scale, block_size, axis=axis).take(range(x.shape[axis]), axis=axis)
        zp = np.repeat(zp, block_size, axis=axis).take(range(x.shape[axis]), axis=axis)
    else:  # per-axis: 1-D scale along `axis`
        shape = [1] * x.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zp = zp.reshape(shape)
    return (x - zp) * scale


def main(src, dst):
    model = onnx.load(src)
    graph = model.graph
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    new_nodes = []
    folded = {}
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "DequantizeLinear" and all(i in consts or i == "" for i in node.input):
            x = consts[node.input[0]]
            scale = consts[node.input[1]]
            zp = consts[node.input[2]] if len(node.input) > 2 and node.input[2] else None
            value = dequantize(x, scale, zp, attrs.get("axis", 1), attrs.get("block_size", 0))
            consts[node.output[0]] = value
            folded[node.output[0]] = value
            continue
        if node.op_type == "Reshape" and node.input[0] in folded and node.input[1] in consts:
            value = folded[node.input[0]].reshape(consts[node.input[1]].astype(np.int64))
            consts[node.output[0]] = value
            folded[node.output[0]] = value
            continue
        new_nodes.append(node)
    used = {i for n in new_nodes for i in n.input} | {o.name for o in graph.output}
    initializers = [i for i in graph.initializer if i.name in used]
    initializers += [numpy_helper.from_array(v.astype(np.float32), name) for name, v in folded.items() if name in used]
    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.initializer[:]
    graph.initializer.extend(sorted(initializers, key=lambda t: t.name))
    inputs = [i for i in graph.input if i.name in used]
    del graph.input[:]
    graph.input.extend(inputs)
    del model.opset_import[:]
    model.opset_import.extend([helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f"converted {src} -> {dst}: {len(folded)} constant tensors folded to fp32")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
