//===- OpTests.cpp - every graph op, compiled vs. the reference -----------===//
//
// Each case is a tiny JSON model (ONNX op names) run through the whole
// pipeline (fold, fuse, schedule, lower, LLVM, JIT) and compared with the
// reference interpreter on the unoptimized graph. Shapes are chosen odd
// (not multiples of the vector width), with batch > 1 and broadcasting.
// Tolerance: 1e-5 absolute + 1e-5 relative (float reassociation in
// reductions and vector math functions).
//
//===----------------------------------------------------------------------===//
#include "test/e2e/OpCase.h"

#include <gtest/gtest.h>

using namespace strata::testing;

namespace {

/// A single-node model y = OP(inputs...) with the given input shapes.
OpCase unaryCase(const std::string &op, std::vector<int64_t> shape, json attrs = json::object()) {
  std::string name = op;
  for (auto d : shape)
    name += "_" + std::to_string(d);
  return {name, model({input("x", shape)}, {node(op, {"x"}, {"y"}, attrs)}, {"y"})};
}

OpCase binaryCase(const std::string &op, std::vector<int64_t> a, std::vector<int64_t> b) {
  std::string name = op;
  for (auto d : a)
    name += "_" + std::to_string(d);
  name += "_by";
  for (auto d : b)
    name += "_" + std::to_string(d);
  return {name, model({input("a", a), input("b", b)}, {node(op, {"a", "b"}, {"y"})}, {"y"})};
}

OpCase convCase(const std::string &name, std::vector<int64_t> x, std::vector<int64_t> w,
                json attrs, bool bias, std::vector<json> epilogue = {}) {
  json init = {{"w", randomTensor(w, 7)}};
  std::vector<std::string> ins{"x", "w"};
  if (bias) {
    init["b"] = randomTensor({w[0]}, 8);
    ins.push_back("b");
  }
  std::vector<json> nodes{node("Conv", ins, {epilogue.empty() ? "y" : "c"}, attrs)};
  for (auto &n : epilogue)
    nodes.push_back(n);
  return {name, model({input("x", x)}, nodes, {"y"}, init)};
}

std::vector<OpCase> allCases() {
  std::vector<OpCase> cases;
  // Elementwise binary with broadcasting, odd sizes and batch > 1.
  for (const char *op : {"Add", "Sub", "Mul", "Div", "Max", "Min"}) {
    cases.push_back(binaryCase(op, {2, 3, 5, 7}, {2, 3, 5, 7}));
    cases.push_back(binaryCase(op, {2, 3, 5, 17}, {17}));
    cases.push_back(binaryCase(op, {3, 1, 19}, {1, 4, 1}));
  }
  cases.push_back(binaryCase("Pow", {2, 33}, {2, 33}));
  // Pow on positive bases (negative bases with fractional exponents are NaN on both sides).
  {
    OpCase c{"Pow_positive", model({input("a", {3, 21})}, {node("Abs", {"a"}, {"p"}), node("Pow", {"p", "e"}, {"y"})}, {"y"},
                                   {{"e", {{"shape", {1}}, {"data", {2.5}}}}})};
    cases.push_back(c);
  }
  // Unary.
  for (const char *op : {"Relu", "Sigmoid", "Tanh", "Exp", "Neg", "Abs", "Erf", "HardSwish"}) {
    cases.push_back(unaryCase(op, {2, 3, 17}));
    cases.push_back(unaryCase(op, {67}));
  }
  {
    OpCase c{"Sqrt_Log_positive", model({input("x", {5, 37})}, {node("Abs", {"x"}, {"a"}), node("Sqrt", {"a"}, {"s"}),
                                        node("Exp", {"s"}, {"e"}), node("Log", {"e"}, {"y"})}, {"y"})};
    cases.push_back(c);
  }
  // Trigonometric and hyperbolic functions (libm per lane) on inputs in [-1, 1); Acosh on 1 + |x|.
  for (const char *op : {"Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Atanh"})
    cases.push_back(unaryCase(op, {2, 3, 17}));
  cases.push_back({"Acosh_at_least_one", model({input("x", {3, 13})}, {node("Abs", {"x"}, {"a"}), node("Add", {"a", "one"}, {"p"}),
                                                                      node("Acosh", {"p"}, {"y"})},
                                               {"y"}, {{"one", {{"shape", {1}}, {"data", {1.0}}}}})});
  // Opset 10 and older: bounds as attributes (later opsets take them as inputs).
  cases.push_back({"Clip_attrs_opset10", model({input("x", {2, 3, 19})}, {node("Clip", {"x"}, {"y"}, {{"min", -0.3}, {"max", 0.6}})},
                                               {"y"}, json::object(), 10)});
  cases.push_back({"Clip_inputs", model({input("x", {4, 9})}, {node("Clip", {"x", "lo", "hi"}, {"y"})}, {"y"},
                                        {{"lo", {{"shape", json::array()}, {"data", {-0.25}}}},
                                         {"hi", {{"shape", json::array()}, {"data", {0.5}}}}})});
  cases.push_back(unaryCase("HardSigmoid", {3, 23}, {{"alpha", 0.3}, {"beta", 0.4}}));
  // Rounding family on values spread over [-4, 4), and Round on exact halves (to even).
  for (const char *op : {"Floor", "Ceil", "Round", "Sign"})
    cases.push_back({std::string(op) + "_scaled", model({input("x", {3, 29})},
                                                       {node("Mul", {"x", "four"}, {"s"}), node(op, {"s"}, {"y"})}, {"y"},
                                                       {{"four", {{"shape", {1}}, {"data", {4.0}}}}})});
  cases.push_back({"Round_halves", model({input("x", {6})},
                                         {node("Mul", {"x", "zero"}, {"z"}), node("Add", {"z", "h"}, {"s"}), node("Round", {"s"}, {"y"})}, {"y"},
                                         {{"zero", {{"shape", {1}}, {"data", {0.0}}}},
                                          {"h", {{"shape", {6}}, {"data", {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}}}}})});
  // Decomposed activations.
  for (const char *op : {"Reciprocal", "Softsign", "Softplus", "LeakyRelu", "Elu", "Selu"})
    cases.push_back(unaryCase(op, {2, 3, 19}));
  cases.push_back(unaryCase("LeakyRelu", {37}, {{"alpha", 0.2}}));
  cases.push_back(unaryCase("Elu", {4, 9}, {{"alpha", 0.5}}));
  cases.push_back({"PRelu_channel_slope", model({input("x", {2, 3, 5, 7})}, {node("PRelu", {"x", "s"}, {"y"})}, {"y"},
                                                {{"s", randomTensor({3, 1, 1}, 12)}})});
  cases.push_back({"Mean_broadcast", model({input("a", {3, 17}), input("b", {17}), input("c", {3, 1})},
                                           {node("Mean", {"a", "b", "c"}, {"y"})}, {"y"})});
  // Conv: strides, pads, dilations, groups, depthwise, bias, fused epilogues, batch 2.
  cases.push_back(convCase("conv3x3", {1, 3, 11, 13}, {8, 3, 3, 3}, {{"pads", {1, 1, 1, 1}}}, true));
  cases.push_back(convCase("conv3x3_stride2_batch2", {2, 4, 13, 9}, {6, 4, 3, 3},
                           {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}}, false));
  cases.push_back(convCase("conv_asym_pads_dilation", {1, 2, 12, 15}, {5, 2, 3, 2},
                           {{"pads", {0, 2, 1, 0}}, {"dilations", {2, 1}}}, true));
  cases.push_back(convCase("conv_groups", {1, 6, 9, 9}, {9, 2, 3, 3}, {{"pads", {1, 1, 1, 1}}, {"group", 3}}, true));
  cases.push_back(convCase("conv_depthwise", {2, 8, 10, 21}, {8, 1, 5, 5},
                           {{"pads", {2, 2, 2, 2}}, {"group", 8}, {"strides", {2, 2}}}, true));
  cases.push_back(convCase("conv1x1_relu", {1, 16, 7, 23}, {24, 16, 1, 1}, json::object(), true,
                           {node("Relu", {"c"}, {"y"})}));
  cases.push_back(convCase("conv_same_upper", {1, 3, 10, 11}, {4, 3, 3, 3}, {{"auto_pad", "SAME_UPPER"}, {"strides", {2, 2}}}, false));
  {
    OpCase c = convCase("conv_hardswish_residual", {1, 8, 9, 17}, {8, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}, true,
                        {node("HardSwish", {"c"}, {"h"}), node("Add", {"h", "x"}, {"y"})});
    cases.push_back(c);
  }
  {
    // Conv + BatchNormalization folded into the conv at compile time.
    json init = {{"w", randomTensor({6, 3, 3, 3}, 3)}, {"s", randomTensor({6}, 4, 0.5, 1.5)},
                 {"bb", randomTensor({6}, 5)}, {"m", randomTensor({6}, 6)},
                 {"v", randomTensor({6}, 7, 0.5, 2.0)}};
    cases.push_back({"conv_batchnorm", model({input("x", {2, 3, 8, 9})},
                                             {node("Conv", {"x", "w"}, {"c"}, {{"pads", {1, 1, 1, 1}}}),
                                              node("BatchNormalization", {"c", "s", "bb", "m", "v"}, {"y"}, {{"epsilon", 1e-3}})},
                                             {"y"}, init)});
    cases.push_back({"batchnorm_alone", model({input("x", {2, 6, 5, 3})},
                                              {node("BatchNormalization", {"x", "s", "bb", "m", "v"}, {"y"})},
                                              {"y"}, init)});
  }
  // Matmul and Gemm.
  cases.push_back({"matmul", model({input("a", {7, 13}), input("b", {13, 19})}, {node("MatMul", {"a", "b"}, {"y"})}, {"y"})});
  cases.push_back({"matmul_batched_broadcast", model({input("a", {2, 3, 5, 9}), input("b", {3, 9, 17})},
                                                     {node("MatMul", {"a", "b"}, {"y"})}, {"y"})});
  cases.push_back({"matmul_vector", model({input("a", {9}), input("b", {4, 9, 6})}, {node("MatMul", {"a", "b"}, {"y"})}, {"y"})});
  // GPU: gpu_matmul's large-product tiling (128 x 128 per group, 8 x 8 per work-item), the last
  // tile shifted inward on both axes.
  cases.push_back({"matmul_large_tiles", model({input("a", {520, 48}), input("b", {48, 600})},
                                               {node("MatMul", {"a", "b"}, {"y"})}, {"y"})});
  cases.push_back({"gemm_transB_bias", model({input("a", {5, 33})}, {node("Gemm", {"a", "w", "c"}, {"y"}, {{"transB", 1}, {"alpha", 0.5}, {"beta", 2.0}})},
                                             {"y"}, {{"w", randomTensor({21, 33}, 9)}, {"c", randomTensor({21}, 10)}})});
  cases.push_back({"gemm_transA", model({input("a", {12, 5})}, {node("Gemm", {"a", "w"}, {"y"}, {{"transA", 1}})},
                                        {"y"}, {{"w", randomTensor({12, 7}, 11)}})});
  // Pooling.
  cases.push_back(unaryCase("MaxPool", {2, 3, 11, 13}, {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}, {"pads", {1, 1, 1, 1}}}));
  cases.push_back(unaryCase("MaxPool", {1, 2, 9, 10}, {{"kernel_shape", {2, 2}}, {"strides", {2, 2}}, {"ceil_mode", 1}}));
  cases.push_back(unaryCase("AveragePool", {2, 3, 11, 13}, {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}, {"pads", {1, 1, 1, 1}}}));
  cases.push_back(unaryCase("AveragePool", {1, 2, 10, 7}, {{"kernel_shape", {3, 2}}, {"pads", {1, 0, 1, 1}}, {"count_include_pad", 1}}));
  cases.push_back(unaryCase("GlobalAveragePool", {2, 5, 7, 9}));
  cases.push_back(unaryCase("GlobalMaxPool", {2, 5, 7, 9}));
  // Reductions.
  cases.push_back(unaryCase("ReduceMean", {2, 3, 17}, {{"axes", {-1}}}));
  cases.push_back(unaryCase("ReduceMean", {2, 3, 17}, {{"axes", {0, 2}}, {"keepdims", 0}}));
  cases.push_back(unaryCase("ReduceMax", {4, 19}, {{"axes", {1}}}));
  cases.push_back({"ReduceSum_axes_input", model({input("x", {3, 5, 7})}, {node("ReduceSum", {"x", "axes"}, {"y"}, {{"keepdims", 0}})},
                                                 {"y"}, {{"axes", {{"shape", {1}}, {"dtype", "int64"}, {"data", {1}}}}})});
  for (const char *op : {"ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"}) {
    cases.push_back(unaryCase(op, {2, 3, 17}, {{"axes", {-1}}}));
    cases.push_back(unaryCase(op, {3, 5, 7}, {{"axes", {0, 2}}, {"keepdims", 0}}));
  }
  {
    // ReduceLogSum needs positive sums: reduce |x| + 1.
    OpCase c{"ReduceLogSum_positive", model({input("x", {4, 9})}, {node("Abs", {"x"}, {"a"}), node("Add", {"a", "one"}, {"p"}),
                                            node("ReduceLogSum", {"p"}, {"y"}, {{"axes", {1}}})}, {"y"},
                                            {{"one", {{"shape", {1}}, {"data", {1.0}}}}})};
    cases.push_back(c);
  }
  cases.push_back(unaryCase("ReduceMin", {5, 11}));  // all axes
  // Arg reductions (int64 outputs); ties come from Round on scaled inputs.
  cases.push_back(unaryCase("ArgMax", {3, 5, 17}, {{"axis", -1}}));
  cases.push_back(unaryCase("ArgMin", {3, 5, 7}, {{"axis", 1}, {"keepdims", 0}}));
  for (int lastIndex : {0, 1})
    cases.push_back({"ArgMax_ties_last_" + std::to_string(lastIndex),
                     model({input("x", {4, 9})}, {node("Round", {"x"}, {"r"}),
                                                  node("ArgMax", {"r"}, {"y"}, {{"axis", 1}, {"select_last_index", lastIndex}})},
                           {"y"})});
  // Normalizations.
  cases.push_back({"LayerNormalization_last_axis", model({input("x", {2, 3, 19})},
                                                         {node("LayerNormalization", {"x", "s", "b"}, {"y"}, {{"epsilon", 1e-4}})}, {"y"},
                                                         {{"s", randomTensor({19}, 21)}, {"b", randomTensor({19}, 22)}})});
  cases.push_back({"LayerNormalization_axis1_with_stats", model({input("x", {3, 4, 5})},
                                                                {node("LayerNormalization", {"x", "s"}, {"y", "m", "inv"}, {{"axis", 1}})}, {"y", "m", "inv"},
                                                                {{"s", randomTensor({4, 5}, 23)}})});
  cases.push_back({"InstanceNormalization", model({input("x", {2, 3, 7, 5})},
                                                  {node("InstanceNormalization", {"x", "s", "b"}, {"y"})}, {"y"},
                                                  {{"s", randomTensor({3}, 24)}, {"b", randomTensor({3}, 25)}})});
  cases.push_back(unaryCase("LRN", {2, 7, 5, 3}, {{"size", 3}, {"alpha", 0.01}, {"beta", 0.6}, {"bias", 2.0}}));
  cases.push_back(unaryCase("LRN", {1, 6, 4, 9}, {{"size", 4}}));
  // Softmax and LogSoftmax.
  cases.push_back(unaryCase("LogSoftmax", {3, 37}));
  cases.push_back(unaryCase("LogSoftmax", {2, 5, 3}, {{"axis", -2}}));
  cases.push_back({"LogSoftmax_opset11_flatten", model({input("x", {2, 3, 4})}, {node("LogSoftmax", {"x"}, {"y"}, {{"axis", 1}})}, {"y"},
                                                       json::object(), 11)});
  cases.push_back(unaryCase("Softmax", {3, 37}));
  cases.push_back(unaryCase("Softmax", {2, 5, 3}, {{"axis", 1}}));
  // Long rows (GPU: gpu_softmax, rows sharing a work-group, the last group shifted inward).
  cases.push_back(unaryCase("Softmax", {2, 3, 5, 70}));
  cases.push_back(unaryCase("Softmax", {1, 2500}));
  // Data movement.
  cases.push_back(unaryCase("Transpose", {2, 3, 5, 7}, {{"perm", {0, 3, 1, 2}}}));
  cases.push_back(unaryCase("Flatten", {2, 3, 5}));
  cases.push_back({"concat", model({input("a", {2, 3, 5}), input("b", {2, 4, 5})},
                                   {node("Concat", {"a", "b", "a"}, {"y"}, {{"axis", 1}})}, {"y"})});
  cases.push_back({"slice_steps", model({input("x", {6, 20})}, {node("Slice", {"x", "st", "en", "ax", "sp"}, {"y"})}, {"y"},
                                        {{"st", {{"shape", {2}}, {"dtype", "int64"}, {"data", {1, -17}}}},
                                         {"en", {{"shape", {2}}, {"dtype", "int64"}, {"data", {100, 19}}}},
                                         {"ax", {{"shape", {2}}, {"dtype", "int64"}, {"data", {0, 1}}}},
                                         {"sp", {{"shape", {2}}, {"dtype", "int64"}, {"data", {2, 3}}}}})});
  cases.push_back({"reshape_then_add", model({input("x", {2, 3, 4})},
                                             {node("Reshape", {"x", "shape"}, {"r"}), node("Add", {"r", "r"}, {"y"})}, {"y"},
                                             {{"shape", {{"shape", {2}}, {"dtype", "int64"}, {"data", {6, -1}}}}})});
  cases.push_back({"shape_subgraph_reshape", model({input("x", {2, 3, 4})},
                                                   {node("Shape", {"x"}, {"s"}),
                                                    node("Slice", {"s", "z", "one"}, {"s0"}),
                                                    node("Concat", {"s0", "m1"}, {"ns"}, {{"axis", 0}}),
                                                    node("Reshape", {"x", "ns"}, {"r"}),
                                                    node("Sigmoid", {"r"}, {"y"})}, {"y"},
                                                   {{"z", {{"shape", {1}}, {"dtype", "int64"}, {"data", {0}}}},
                                                    {"one", {{"shape", {1}}, {"dtype", "int64"}, {"data", {1}}}},
                                                    {"m1", {{"shape", {1}}, {"dtype", "int64"}, {"data", {-1}}}}})});
  cases.push_back({"slice_negative_steps", model({input("x", {7, 9})}, {node("Slice", {"x", "st", "en", "ax", "sp"}, {"y"})}, {"y"},
                                                 {{"st", {{"shape", {2}}, {"dtype", "int64"}, {"data", {-1, 8}}}},
                                                  {"en", {{"shape", {2}}, {"dtype", "int64"}, {"data", {-100, 0}}}},
                                                  {"ax", {{"shape", {2}}, {"dtype", "int64"}, {"data", {0, -1}}}},
                                                  {"sp", {{"shape", {2}}, {"dtype", "int64"}, {"data", {-2, -3}}}}})});
  // Backward starts below the first element clamp to it: one element (index 0).
  cases.push_back({"slice_negative_step_clamped_start", model({input("x", {5, 3})}, {node("Slice", {"x", "st", "en", "ax", "sp"}, {"y"})}, {"y"},
                                                 {{"st", {{"shape", {1}}, {"dtype", "int64"}, {"data", {-100}}}},
                                                  {"en", {{"shape", {1}}, {"dtype", "int64"}, {"data", {-100}}}},
                                                  {"ax", {{"shape", {1}}, {"dtype", "int64"}, {"data", {0}}}},
                                                  {"sp", {{"shape", {1}}, {"dtype", "int64"}, {"data", {-1}}}}})});
  cases.push_back({"split_uneven_two_outputs", model({input("x", {3, 11})}, {node("Split", {"x", "parts"}, {"a", "b"}, {{"axis", -1}})}, {"a", "b"},
                                                     {{"parts", {{"shape", {2}}, {"dtype", "int64"}, {"data", {4, 7}}}}})});
  cases.push_back({"expand", model({input("x", {3, 1})}, {node("Expand", {"x", "shape"}, {"y"})}, {"y"},
                                   {{"shape", {{"shape", {3}}, {"dtype", "int64"}, {"data", {2, 1, 13}}}}})});
  cases.push_back({"gather_negative_indices", model({input("x", {5, 4, 3})}, {node("Gather", {"x", "idx"}, {"y"}, {{"axis", 1}})}, {"y"},
                                                    {{"idx", {{"shape", {2, 2}}, {"dtype", "int64"}, {"data", {0, -1, 2, 1}}}}})});
  cases.push_back({"tile", model({input("x", {2, 3})}, {node("Tile", {"x", "reps"}, {"y"})}, {"y"},
                                 {{"reps", {{"shape", {2}}, {"dtype", "int64"}, {"data", {3, 2}}}}})});
  for (const char *mode : {"constant", "edge", "reflect"})
    cases.push_back({std::string("pad_") + mode, model({input("x", {2, 3, 5, 6})}, {node("Pad", {"x", "pads", "v"}, {"y"}, {{"mode", mode}})}, {"y"},
                                                       {{"pads", {{"shape", {8}}, {"dtype", "int64"}, {"data", {0, 1, 2, 3, 0, 0, 4, -1}}}},
                                                        {"v", {{"shape", json::array()}, {"data", {0.75}}}}})});
  // Edge cases: pads wider than the input and than the kernel.
  cases.push_back({"pad_constant_wider_than_input", model({input("x", {2, 3})}, {node("Pad", {"x", "pads"}, {"y"})}, {"y"},
                                                          {{"pads", {{"shape", {4}}, {"dtype", "int64"}, {"data", {0, 7, 1, 5}}}}})});
  cases.push_back(convCase("conv1x1_pads_wider_than_kernel", {2, 3, 5, 4}, {4, 3, 1, 1}, {{"pads", {2, 3, 2, 1}}}, true));
  // Variadic ops over three broadcast inputs.
  for (const char *op : {"Sum", "Max", "Min"})
    cases.push_back({std::string(op) + "_three_inputs", model({input("a", {3, 17}), input("b", {17}), input("c", {3, 1})},
                                                               {node(op, {"a", "b", "c"}, {"y"})}, {"y"})});
  // Squeeze/Unsqueeze: axes as an input (opset 13) and as an attribute (opset 11), negative axes.
  cases.push_back({"squeeze_negative_axes", model({input("x", {3, 1, 5, 1})}, {node("Squeeze", {"x", "axes"}, {"y"})}, {"y"},
                                                  {{"axes", {{"shape", {2}}, {"dtype", "int64"}, {"data", {-1, 1}}}}})});
  cases.push_back({"squeeze_all_ones", model({input("x", {1, 7, 1})}, {node("Squeeze", {"x"}, {"y"})}, {"y"})});
  cases.push_back({"unsqueeze_negative_axes", model({input("x", {3, 5})}, {node("Unsqueeze", {"x", "axes"}, {"y"})}, {"y"},
                                                    {{"axes", {{"shape", {2}}, {"dtype", "int64"}, {"data", {-1, 0}}}}})});
  cases.push_back({"unsqueeze_opset11_attr", model({input("x", {3, 5})}, {node("Unsqueeze", {"x"}, {"y"}, {{"axes", {1, -1}}})}, {"y"},
                                                   json::object(), 11)});
  // Size (an int64 scalar known at compile time) and Constant's value forms.
  cases.push_back({"size_plus_constants", model({input("x", {3, 7})},
                                                {node("Size", {"x"}, {"n"}), node("Cast", {"n"}, {"nf"}, {{"to", 1}}),
                                                 node("Constant", {}, {"k"}, {{"value_float", 0.5}}),
                                                 node("Constant", {}, {"v"}, {{"value", {{"shape", {7}}, {"data", {1, 2, 3, 4, 5, 6, 7}}}}}),
                                                 node("Mul", {"x", "nf"}, {"a"}), node("Add", {"a", "k"}, {"b"}), node("Add", {"b", "v"}, {"y"})},
                                                {"y"})});
  // Empty reduce axes: reduce everything, or (noop_with_empty_axes) nothing.
  for (int noop : {0, 1})
    cases.push_back({"ReduceSum_empty_axes_noop_" + std::to_string(noop),
                     model({input("x", {3, 5})}, {node("ReduceSum", {"x", "axes"}, {"y"}, {{"noop_with_empty_axes", noop}})}, {"y"},
                           {{"axes", {{"shape", {0}}, {"dtype", "int64"}, {"data", json::array()}}}})});
  cases.push_back(unaryCase("DepthToSpace", {2, 8, 3, 5}, {{"blocksize", 2}}));
  cases.push_back(unaryCase("DepthToSpace", {1, 18, 2, 3}, {{"blocksize", 3}, {"mode", "CRD"}}));
  cases.push_back(unaryCase("SpaceToDepth", {2, 3, 6, 4}, {{"blocksize", 2}}));
  cases.push_back({"constant_of_shape_plus_range", model({input("x", {4})},
                                                         {node("ConstantOfShape", {"shape"}, {"c"}, {{"value", {{"shape", {1}}, {"data", {0.5}}}}}),
                                                          node("Range", {"r0", "r1", "r2"}, {"r"}),
                                                          node("Add", {"x", "c"}, {"t"}), node("Add", {"t", "r"}, {"y"})}, {"y"},
                                                         {{"shape", {{"shape", {1}}, {"dtype", "int64"}, {"data", {4}}}},
                                                          {"r0", {{"shape", json::array()}, {"data", {1.0}}}},
                                                          {"r1", {{"shape", json::array()}, {"data", {3.0}}}},
                                                          {"r2", {{"shape", json::array()}, {"data", {0.5}}}}})});
  cases.push_back({"identity_output", model({input("x", {3, 5})}, {node("Identity", {"x"}, {"y"})}, {"y"})});
  cases.push_back({"two_outputs_same_value", model({input("x", {3, 5})}, {node("Relu", {"x"}, {"y"})}, {"y", "y"})});
  return cases;
}

STRATA_OP_CASE_SUITE(OpTest, allCases);

} // namespace
