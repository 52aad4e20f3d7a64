"""Writes the small ONNX models the lit tests use.

mixed_dtypes.onnx: int32, bool and float32 inputs and outputs.

  ids_plus = ids + 7                      (int32 in, int32 out)
  sel      = (ids > 2) and mask           (bool out)
  y        = where(sel, x, 0)             (float32 out)

../../errors/Inputs/unsupported_parts.onnx: element types and ops Strata does not support, which the
importer must list all at once.

Run with `pip install onnx`; the .onnx files are committed, so tests do not need it.
"""
import onnx
from onnx import TensorProto, helper

nodes = [
    helper.make_node("Add", ["ids", "seven"], ["ids_plus"], name="add7"),
    helper.make_node("Greater", ["ids", "two"], ["big"], name="gt2"),
    helper.make_node("And", ["big", "mask"], ["sel"], name="and"),
    helper.make_node("Where", ["sel", "x", "zero"], ["y"], name="where"),
]
graph = helper.make_graph(
    nodes, "mixed_dtypes",
    [helper.make_tensor_value_info("ids", TensorProto.INT32, [2, 3]),
     helper.make_tensor_value_info("mask", TensorProto.BOOL, [2, 3]),
     helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("ids_plus", TensorProto.INT32, [2, 3]),
     helper.make_tensor_value_info("sel", TensorProto.BOOL, [2, 3]),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor("seven", TensorProto.INT32, [], [7]),
     helper.make_tensor("two", TensorProto.INT32, [], [2]),
     helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="strata-tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "mixed_dtypes.onnx")

nodes = [
    helper.make_node("Cast", ["u"], ["uf"], name="cast_u", to=TensorProto.FLOAT),
    helper.make_node("Cast", ["h"], ["hf"], name="cast_h", to=TensorProto.FLOAT),
    helper.make_node("Add", ["uf", "hf"], ["s"], name="add"),
    helper.make_node("Bernoulli", ["s"], ["y"], name="bernoulli"),
]
graph = helper.make_graph(
    nodes, "unsupported_parts",
    [helper.make_tensor_value_info("u", TensorProto.DOUBLE, [4]),
     helper.make_tensor_value_info("h", TensorProto.FLOAT16, [4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="strata-tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "../../errors/Inputs/unsupported_parts.onnx")
