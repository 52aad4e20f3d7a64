"""Writes the small ONNX models of opsets.test: models whose opset or operator
domain Strata does not implement, and old (opset < 7) or new forms used where
the model's opset does not have them.

Run with `pip install onnx` in this folder; the .onnx files are committed, so
tests do not need it.
"""
import onnx
from onnx import TensorProto, helper

F = TensorProto.FLOAT


def save(name, nodes, inputs, outputs, opset, inits=(), domains=(), check=True):
    if opset and opset < 7:  # IR version 3: initializers are listed as graph inputs too
        inputs = inputs + [vi(t.name, list(t.dims), t.data_type) for t in inits]
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    imports = [helper.make_opsetid("", opset)] if opset else []
    imports += [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=imports, producer_name="strata-tests")
    model.ir_version = 3 if opset and opset < 7 else 8
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, name + ".onnx")


def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


# An opset newer than any Strata implements.
save("opset99", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [vi("x", [4])], [vi("y", [4])], 99, check=False)

# An ONNX op in a model that imports only another domain.
save("no_default_opset", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [vi("x", [4])], [vi("y", [4])], None, domains=["ai.onnx.ml"], check=False)

# Nodes of ONNX-ML and of an unknown domain, next to an unsupported ONNX op.
save("domains",
     [helper.make_node("Binarizer", ["x"], ["b"], name="binarize", domain="ai.onnx.ml"),
      helper.make_node("Frobnicate", ["b"], ["f"], name="frob", domain="com.example"),
      helper.make_node("Bernoulli", ["f"], ["y"], name="bernoulli")],
     [vi("x", [4])], [vi("y", [4])], 17, domains=["ai.onnx.ml", "com.example"], check=False)

# Opset 17: ReduceMax's axes are an attribute; an axes input is an opset-18 form.
save("reduce_axes_input_opset17",
     [helper.make_node("ReduceMax", ["x", "axes"], ["y"], name="rmax")],
     [vi("x", [2, 3])], [vi("y", [1, 3])], 17,
     inits=[helper.make_tensor("axes", TensorProto.INT64, [1], [0])], check=False)

# Opset 18: Pad's wrap mode is an opset-19 form.
save("pad_wrap_opset18",
     [helper.make_node("Pad", ["x", "pads"], ["y"], name="pad", mode="wrap")],
     [vi("x", [2, 3])], [vi("y", [2, 5])], 18,
     inits=[helper.make_tensor("pads", TensorProto.INT64, [4], [0, 1, 0, 1])], check=False)

# Opset 6: without broadcast = 1, operands of different shapes do not broadcast.
save("add_no_broadcast_opset6",
     [helper.make_node("Add", ["a", "b"], ["y"], name="add")],
     [vi("a", [2, 3, 4]), vi("b", [3, 4])], [vi("y", [2, 3, 4])], 6)

# Opset 6: broadcast = 1, axis = 1: B [4, 5] does not match A's axes 1, 2 ([3, 4]).
save("mul_broadcast_axis_mismatch_opset6",
     [helper.make_node("Mul", ["a", "b"], ["y"], name="mul", broadcast=1, axis=1)],
     [vi("a", [2, 3, 4, 5]), vi("b", [4, 5])], [vi("y", [2, 3, 4, 5])], 6)

# Opset 6: a per-channel PRelu slope, as older PyTorch exporters wrote it.
save("prelu_per_channel_opset6",
     [helper.make_node("PRelu", ["x", "slope"], ["y"], name="prelu")],
     [vi("x", [1, 3, 2, 2])], [vi("y", [1, 3, 2, 2])], 6,
     inits=[helper.make_tensor("slope", F, [3], [0.1, 0.2, 0.3])])

# Opset 6: a PRelu slope that is neither one value nor one per channel.
save("prelu_bad_slope_opset6",
     [helper.make_node("PRelu", ["x", "slope"], ["y"], name="prelu")],
     [vi("x", [1, 3, 2, 2])], [vi("y", [1, 3, 2, 2])], 6,
     inits=[helper.make_tensor("slope", F, [2], [0.1, 0.2])])
