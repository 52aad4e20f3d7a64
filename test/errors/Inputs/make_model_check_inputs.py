"""Writes the ONNX model of model_checks.test whose graph output is declared with
another shape and type than Strata infers (a warning, not an error).

Run with `pip install onnx` in this folder; the .onnx file is committed, so
tests do not need it.
"""
import onnx
from onnx import TensorProto, helper

graph = helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="relu")], "declared_output_differs",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("y", TensorProto.INT64, [3, 2])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="strata-tests")
model.ir_version = 8
onnx.save(model, "declared_output_differs.onnx")
