//===- OpsetTests.cpp - ops read with the semantics of the model's opset --===//
//
// The forms that newer opsets added to ops Strata has (Split's num_outputs and
// the Reduce ops' axes input at 18, Pad's axes input at 18 and wrap mode at 19,
// Resize's antialias / axes / keep_aspect_ratio_policy at 18 and
// half_pixel_symmetric at 19, ReduceMax/Min of bool at 20, dilated
// AveragePool at 19, Mod's floor remainder of floats and SpaceToDepth's CRD
// mode at 28) and the forms older PyTorch exporters wrote before opset 7
// (broadcast / axis of the binary ops and Gemm, PRelu's per-channel slope).
// The parameterized cases compare the compiled code with the reference
// interpreter; the *Exact tests compare both with values computed by numpy and
// ONNX's reference implementation (onnx 1.23, onnx.reference), so they check
// the decompositions themselves. Tolerance: 1e-5 absolute and relative.
//
//===----------------------------------------------------------------------===//
#include "test/e2e/Harness.h"
#include "test/e2e/OpCase.h"

#include <gtest/gtest.h>

using namespace strata;
using namespace strata::testing;

namespace {

json ints(std::vector<double> data) {
  return {{"shape", {(int64_t)data.size()}}, {"dtype", "int64"}, {"data", data}};
}
json floats(std::vector<int64_t> shape, std::vector<double> data) {
  return {{"shape", shape}, {"data", data}};
}

/// 0, 1, 2, ... in `shape`.
HostTensor iota(std::vector<int64_t> shape) {
  HostTensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setF(i, (double)i);
  return t;
}

OpCase opsetCase(const std::string &name, int opset, const std::string &op, std::vector<json> inputs,
                 std::vector<std::pair<std::string, json>> consts, json attrs,
                 std::vector<std::string> outputs = {"out"}) {
  return singleNodeCase(name, op, std::move(inputs), std::move(consts), std::move(attrs), opset, std::move(outputs));
}

std::vector<OpCase> opsetCases() {
  std::vector<OpCase> cases;
  // Split-18: num_outputs, the last part smaller (7 = 2 + 2 + 2 + 1).
  cases.push_back(opsetCase("Split18_num_outputs_uneven", 18, "Split", {input("x", {3, 7, 2})}, {},
                            {{"axis", 1}, {"num_outputs", 4}}, {"a", "b", "c", "d"}));
  cases.push_back(opsetCase("Split18_num_outputs_even", 18, "Split", {input("x", {6, 5})}, {},
                            {{"num_outputs", 3}}, {"a", "b", "c"}));
  // Reduce-18: axes as an input (negative, unsorted), noop_with_empty_axes.
  for (const char *op : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                         "ReduceSumSquare", "ReduceLogSumExp"})
    cases.push_back(opsetCase(std::string(op) + "18_axes_input", 18, op, {input("x", {3, 4, 5})},
                              {{"axes", ints({-1, 0})}}, {{"keepdims", 0}}));
  cases.push_back(opsetCase("ReduceMean18_no_axes_reduces_all", 18, "ReduceMean", {input("x", {3, 4, 5})}, {},
                            {{"keepdims", 1}}));
  cases.push_back(opsetCase("ReduceSum13_axes_with_noop_attribute", 13, "ReduceSum", {input("x", {3, 4, 5})},
                            {{"axes", ints({1})}}, {{"noop_with_empty_axes", 1}}));
  // Pad-18 axes (negative), Pad-19 wrap.
  cases.push_back(opsetCase("Pad18_axes_reflect", 18, "Pad", {input("x", {2, 5, 6})},
                            {{"pads", ints({2, 1, 3, 0})}, {"", json()}, {"axes", ints({-1, 1})}},
                            {{"mode", "reflect"}}));
  cases.push_back(opsetCase("Pad19_wrap", 19, "Pad", {input("x", {4, 5})},
                            {{"pads", ints({3, 1, 1, 4})}}, {{"mode", "wrap"}}));
  // Resize-18 antialias (downsampling) on random inputs, and axes.
  for (const char *mode : {"linear", "cubic"})
    cases.push_back(opsetCase(std::string("Resize18_antialias_") + mode, 18, "Resize", {input("x", {1, 2, 9, 13})},
                              {{"", json()}, {"scales", floats({4}, {1, 1, 0.6, 0.3})}},
                              {{"mode", mode}, {"antialias", 1}}));
  cases.push_back(opsetCase("Resize18_axes_sizes_not_smaller", 18, "Resize", {input("x", {2, 5, 7})},
                            {{"", json()}, {"", json()}, {"sizes", ints({9, 9})}},
                            {{"mode", "linear"}, {"axes", {1, 2}}, {"keep_aspect_ratio_policy", "not_smaller"}}));
  // AveragePool-19 dilations: the compiled count of covered cells against the
  // reference interpreter's tap-by-tap count.
  cases.push_back(opsetCase("AveragePool19_dilations", 19, "AveragePool", {input("x", {1, 2, 9, 10})}, {},
                            {{"kernel_shape", {3, 3}}, {"dilations", {2, 2}}}));
  cases.push_back(opsetCase("AveragePool19_dilations_pads_count_include_pad", 19, "AveragePool",
                            {input("x", {1, 2, 9, 10})}, {},
                            {{"kernel_shape", {3, 2}}, {"dilations", {2, 3}}, {"strides", {2, 1}},
                             {"pads", {2, 1, 2, 3}}, {"count_include_pad", 1}}));
  cases.push_back(opsetCase("AveragePool19_dilations_ceil_mode", 19, "AveragePool", {input("x", {2, 3, 10, 11})}, {},
                            {{"kernel_shape", {3, 3}}, {"dilations", {3, 2}}, {"strides", {2, 2}},
                             {"pads", {1, 1, 1, 1}}, {"ceil_mode", 1}}));
  cases.push_back(opsetCase("AveragePool19_dilations_1d", 19, "AveragePool", {input("x", {1, 3, 11})}, {},
                            {{"kernel_shape", {3}}, {"dilations", {2}}, {"pads", {1, 2}}}));
  // Before opset 7: broadcast = 1 aligns B at axis (default: A's last axes).
  cases.push_back(opsetCase("Add6_broadcast_axis1", 6, "Add", {input("a", {2, 3, 4, 5}), input("b", {3, 4})}, {},
                            {{"broadcast", 1}, {"axis", 1}}));
  cases.push_back(opsetCase("Div6_broadcast_suffix", 6, "Div", {input("a", {2, 3, 4}), input("b", {4})}, {},
                            {{"broadcast", 1}}));
  cases.push_back(opsetCase("Gemm6_broadcast_c", 6, "Gemm", {input("a", {3, 5}), input("b", {4, 5}), input("c", {4})},
                            {}, {{"broadcast", 1}, {"transB", 1}, {"beta", 0.5}}));
  // Concat with an input empty along the axis (the expansions of opset 23-27
  // functions write them): it contributes nothing and is never read.
  cases.push_back(opsetCase("Concat_empty_input", 13, "Concat", {input("x", {2, 4, 3})},
                            {{"e", {{"shape", {2, 0, 3}}, {"data", json::array()}}}}, {{"axis", 1}}));
  cases.push_back(opsetCase("Mod28_float_fmod0", 28, "Mod", {input("x", {3, 7}), input("y", {7})}, {}, json::object()));
  cases.push_back(opsetCase("SpaceToDepth28_crd", 28, "SpaceToDepth", {input("x", {2, 3, 4, 6})}, {},
                            {{"blocksize", 2}, {"mode", "CRD"}}));
  cases.push_back(opsetCase("PRelu6_per_channel", 6, "PRelu", {input("x", {2, 3, 4, 5})},
                            {{"slope", floats({3}, {0.1, -0.2, 0.3})}}, json::object()));
  return cases;
}

STRATA_OP_CASE_SUITE(OpsetForms, opsetCases);

TEST(OpsetFormsExact, SplitNumOutputs) {
  HostTensor x = iota({7});
  expectOpCaseOutputs(opsetCase("split", 18, "Split", {input("x", {7})}, {}, {{"num_outputs", 4}}, {"a", "b", "c", "d"}),
                      {x}, {floatTensor({2}, {0, 1}), floatTensor({2}, {2, 3}), floatTensor({2}, {4, 5}),
                            floatTensor({1}, {6})});
}

TEST(OpsetFormsExact, ReduceAxesInputAndNoop) {
  HostTensor x = iota({2, 3});
  expectOpCaseOutputs(opsetCase("max", 18, "ReduceMax", {input("x", {2, 3})}, {{"axes", ints({-1})}},
                                {{"keepdims", 0}}),
                      {x}, {floatTensor({2}, {2, 5})});
  // An empty axes input with noop_with_empty_axes = 1 returns x unchanged.
  expectOpCaseOutputs(opsetCase("noop", 18, "ReduceL2", {input("x", {2, 3})},
                                {{"axes", {{"shape", {0}}, {"dtype", "int64"}, {"data", json::array()}}}},
                                {{"noop_with_empty_axes", 1}}),
                      {x}, {x});
}

TEST(OpsetFormsExact, ReduceMaxMinOfBool) {
  HostTensor b = boolTensor({2, 3}, {1, 0, 1, 0, 0, 1});
  auto reduce = [&](const std::string &op, json attrs, std::vector<std::pair<std::string, json>> consts) {
    return opsetCase(op, 20, op, {typedInput("x", {2, 3}, "bool")}, consts, attrs);
  };
  expectOpCaseOutputs(reduce("ReduceMax", {{"keepdims", 0}}, {{"axes", ints({1})}}), {b}, {boolTensor({2}, {1, 1})});
  expectOpCaseOutputs(reduce("ReduceMin", {{"keepdims", 0}}, {{"axes", ints({1})}}), {b}, {boolTensor({2}, {0, 0})});
  expectOpCaseOutputs(reduce("ReduceMax", {{"keepdims", 0}}, {{"axes", ints({0})}}), {b}, {boolTensor({3}, {1, 0, 1})});
  expectOpCaseOutputs(reduce("ReduceMin", {{"keepdims", 1}}, {}), {b}, {boolTensor({1, 1}, {0})});
}

TEST(OpsetFormsExact, PadAxesAndWrap) {
  // Pad-18: pads [1, 0, 2, 1] for axes [-1, 1] with constant 9.
  HostTensor x = iota({2, 3, 4});
  std::vector<float> axesExpected = {9, 0,  1,  2,  3,  9, 9, 9, 4,  5,  6,  7,  9, 9, 9, 8,  9,  10, 11, 9,
                                     9, 9,  9,  9,  9,  9, 9, 9, 9,  12, 13, 14, 15, 9, 9, 9, 16, 17, 18, 19,
                                     9, 9,  9,  20, 21, 22, 23, 9, 9, 9,  9,  9,  9,  9, 9, 9};
  expectOpCaseOutputs(opsetCase("axes", 18, "Pad", {input("x", {2, 3, 4})},
                                {{"pads", ints({1, 0, 2, 1})}, {"value", floats({}, {9})}, {"axes", ints({-1, 1})}},
                                json::object()),
                      {x}, {floatTensor({2, 4, 7}, axesExpected)});
  // Pad-19 wrap: pads [1, 2, 0, 3] of a [3, 4] input.
  std::vector<float> wrapExpected = {10, 11, 8, 9,  10, 11, 8, 9, 10, 2,  3,  0, 1, 2,  3,  0, 1, 2,
                                     6,  7,  4, 5,  6,  7,  4, 5, 6,  10, 11, 8, 9, 10, 11, 8, 9, 10};
  expectOpCaseOutputs(opsetCase("wrap", 19, "Pad", {input("x", {3, 4})}, {{"pads", ints({1, 2, 0, 3})}},
                                {{"mode", "wrap"}}),
                      {iota({3, 4})}, {floatTensor({4, 9}, wrapExpected)});
}

TEST(OpsetFormsExact, ResizeAntialiasAxesPolicy) {
  // Linear antialias, halving axis 3 only (axes = [3]).
  HostTensor x = floatTensor({1, 1, 2, 8}, {0.0, 1.0, 2.8284270763397217, 5.196152210235596, 1.0, 4.180339813232422,
                                            0.6969385147094727, 4.520259857177734, 1.6274166107177734, 6.0,
                                            3.6227760314941406, 1.4828720092773438, 6.569217681884766,
                                            4.872165679931641, 3.3832015991210938, 2.0947494506835938});
  expectOpCaseOutputs(opsetCase("linear", 18, "Resize", {input("x", {1, 1, 2, 8})},
                                {{"", json()}, {"scales", floats({1}, {0.5})}},
                                {{"mode", "linear"}, {"antialias", 1}, {"axes", {3}}}),
                      {x}, {floatTensor({1, 1, 2, 4}, {0.7285534143447876, 3.2592172622680664, 2.6792638301849365,
                                                       3.0440244674682617, 3.5165553092956543, 3.4857702255249023,
                                                       4.898777961730957, 2.925096035003662})});
  // Cubic antialias to sizes [2, 4] with not_larger: one scale, min(2/4, 4/6) = 0.5, so [2, 3].
  HostTensor x2 = floatTensor({1, 1, 4, 6}, {0, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0, 7});
  expectOpCaseOutputs(opsetCase("cubic", 18, "Resize", {input("x", {1, 1, 4, 6})},
                                {{"", json()}, {"", json()}, {"sizes", ints({2, 4})}},
                                {{"mode", "cubic"}, {"antialias", 1}, {"axes", {2, 3}},
                                 {"keep_aspect_ratio_policy", "not_larger"}}),
                      {x2}, {floatTensor({1, 1, 2, 3}, {4.692623138427734, 6.152103424072266, 3.9814796447753906,
                                                        5.055423736572266, 5.240779876708984, 4.266567230224609})});
}

TEST(OpsetFormsExact, ResizeHalfPixelSymmetric) {
  // Scales 1.7 and 2.3 of a 3x3 input: 5x6, not 5.1x6.9, so the grid is centred.
  std::vector<float> expected = {
      0.0, 0.3478260636329651, 0.782608687877655, 1.2173912525177002, 1.6521738767623901, 2.0,
      1.235294222831726, 1.5831202268600464, 2.0179028511047363, 2.452685594558716, 2.887468099594116,
      3.2352941036224365, 3.0, 3.3478260040283203, 3.7826087474823, 4.217391490936279, 4.65217399597168, 5.0,
      4.764705657958984, 5.112532138824463, 5.547314643859863, 5.982097148895264, 6.416879653930664,
      6.764705657958984, 6.0, 6.34782600402832, 6.782608509063721, 7.217391490936279, 7.65217399597168, 8.0};
  expectOpCaseOutputs(opsetCase("hps", 19, "Resize", {input("x", {1, 1, 3, 3})},
                                {{"", json()}, {"scales", floats({4}, {1, 1, 1.7, 2.3})}},
                                {{"mode", "linear"}, {"coordinate_transformation_mode", "half_pixel_symmetric"}}),
                      {iota({1, 1, 3, 3})}, {floatTensor({1, 1, 5, 6}, expected)});
}

TEST(OpsetFormsExact, ClipMinAboveMaxAndZeroNorm) {
  // Clip with min > max gives max everywhere; LpNormalization of a zero vector gives 0.
  expectOpCaseOutputs(opsetCase("clip", 13, "Clip", {input("x", {4})},
                                {{"lo", floats({}, {2})}, {"hi", floats({}, {1})}}, json::object()),
                      {floatTensor({4}, {-3, 0, 1.5, 7})}, {floatTensor({4}, {1, 1, 1, 1})});
  expectOpCaseOutputs(opsetCase("lpnorm", 22, "LpNormalization", {input("x", {2, 2})}, {}, {{"axis", 0}}),
                      {floatTensor({2, 2}, {3, 0, 4, 0})}, {floatTensor({2, 2}, {0.6f, 0, 0.8f, 0})});
}

TEST(OpsetFormsExact, ModFloatFloorRemainder) {
  // Opset 28: fmod = 0 on floats has the sign of y; infinite y keeps x when the
  // signs agree (else y); infinite x and zero y give NaN. fmod = 1 (C's fmod)
  // keeps x for an infinite y too.
  float inf = INFINITY, nan = NAN;
  HostTensor x = floatTensor({9}, {5.5, -5.5, 5.5, -5.5, 0, 3, -3, inf, 1});
  HostTensor y = floatTensor({9}, {2, 2, -2, -2, -2, inf, inf, 2, 0});
  auto mod = [&](int fmod) {
    return opsetCase("mod", 28, "Mod", {input("x", {9}), input("y", {9})}, {}, {{"fmod", fmod}});
  };
  expectOpCaseOutputs(mod(0), {x, y}, {floatTensor({9}, {1.5, 0.5, -0.5, -1.5, -0.0f, 3, inf, nan, nan})});
  expectOpCaseOutputs(mod(1), {x, y}, {floatTensor({9}, {1.5, -1.5, 1.5, -1.5, 0, 3, -3, nan, nan})});
}

TEST(OpsetFormsExact, SpaceToDepthModes) {
  // [1, 1, 2, 4], blocksize 2: DCR orders the output channels by block
  // position, then input channel; CRD by input channel, then block position
  // (the same for one channel), so two channels tell them apart.
  HostTensor x = iota({1, 2, 2, 2});
  auto s2d = [&](const std::string &mode) {
    return opsetCase("s2d", 28, "SpaceToDepth", {input("x", {1, 2, 2, 2})}, {}, {{"blocksize", 2}, {"mode", mode}});
  };
  expectOpCaseOutputs(s2d("DCR"), {x}, {floatTensor({1, 8, 1, 1}, {0, 4, 1, 5, 2, 6, 3, 7})});
  expectOpCaseOutputs(s2d("CRD"), {x}, {floatTensor({1, 8, 1, 1}, {0, 1, 2, 3, 4, 5, 6, 7})});
}

TEST(OpsetFormsExact, OpsetOneForms) {
  // Concat-1's axis defaults to 1; Cast-1 names its target type as a string.
  expectOpCaseOutputs(opsetCase("concat", 1, "Concat", {input("a", {2, 1}), input("b", {2, 2})}, {}, json::object()),
                      {floatTensor({2, 1}, {1, 2}), floatTensor({2, 2}, {3, 4, 5, 6})},
                      {floatTensor({2, 3}, {1, 3, 4, 2, 5, 6})});
  HostTensor truncated = int64Tensor({3}, {1, -2, 3});
  expectOpCaseOutputs(opsetCase("cast", 1, "Cast", {input("x", {3})}, {}, {{"to", "INT64"}}),
                      {floatTensor({3}, {1.7f, -2.5f, 3})}, {truncated});
}

void expectCompileError(const OpCase &c, const std::string &message) {
  SCOPED_TRACE(c.name);
  auto exe = compile(writeTempFile(c.name + ".json", c.model.dump()));
  ASSERT_FALSE(exe.ok());
  EXPECT_NE(exe.error().find(message), std::string::npos) << exe.error();
}

TEST(OpsetFormsErrors, FormsTheModelsOpsetDoesNotHave) {
  // Each form one opset before it exists: refused, never read as the newer form.
  expectCompileError(opsetCase("tile1", 1, "Tile", {input("x", {2})}, {{"t", ints({2})}, {"a", ints({0})}},
                               json::object()),
                     "Tile before opset 6 (inputs tiles and axis) is not supported");
  expectCompileError(opsetCase("split17", 17, "Split", {input("x", {4})}, {}, {{"num_outputs", 2}}, {"a", "b"}),
                     "attribute 'num_outputs' is not supported");
  expectCompileError(opsetCase("pad17", 17, "Pad", {input("x", {4})},
                               {{"pads", ints({1, 1})}, {"", json()}, {"axes", ints({0})}}, json::object()),
                     "input 3 ('axes') is not an input of Pad before opset 18");
  expectCompileError(opsetCase("avgpool18", 18, "AveragePool", {input("x", {1, 1, 5, 5})}, {},
                               {{"kernel_shape", {2, 2}}, {"dilations", {2, 2}}}),
                     "dilations are not part of AveragePool before opset 19");
  expectCompileError(opsetCase("resize18", 18, "Resize", {input("x", {1, 1, 2, 2})},
                               {{"", json()}, {"scales", floats({4}, {1, 1, 2, 2})}},
                               {{"coordinate_transformation_mode", "half_pixel_symmetric"}}),
                     "coordinate_transformation_mode 'half_pixel_symmetric' is not supported at opset 18");
  expectCompileError(opsetCase("rmax19", 19, "ReduceMax", {typedInput("x", {2}, "bool")}, {}, json::object()),
                     "bool inputs are not supported before opset 20");
  expectCompileError(opsetCase("scatter17", 17, "ScatterElements",
                               {input("d", {3}), typedInput("i", {1}, "int64"), input("u", {1})}, {},
                               {{"reduction", "max"}}),
                     "reduction 'max' is not part of ScatterElements before opset 18");
  expectCompileError(opsetCase("mod27", 27, "Mod", {input("x", {2}), input("y", {2})}, {}, json::object()),
                     "float inputs need fmod = 1 before opset 28");
  expectCompileError(opsetCase("s2d27", 27, "SpaceToDepth", {input("x", {1, 1, 2, 2})}, {},
                               {{"blocksize", 2}, {"mode", "CRD"}}),
                     "attribute 'mode' is not supported");
}

TEST(OpsetFormsExact, BroadcastBeforeOpset7) {
  // A [2, 3, 2] + B [3] aligned at axis 1: B[j] added along the channels.
  HostTensor a = iota({2, 3, 2});
  expectOpCaseOutputs(opsetCase("add", 6, "Add", {input("a", {2, 3, 2}), input("b", {3})}, {},
                                {{"broadcast", 1}, {"axis", 1}}),
                      {a, floatTensor({3}, {10, 20, 30})},
                      {floatTensor({2, 3, 2}, {10, 11, 22, 23, 34, 35, 16, 17, 28, 29, 40, 41})});
  // Default axis: B [2] aligned with A's last axis; a one-element B is a scalar.
  expectOpCaseOutputs(opsetCase("sub", 6, "Sub", {input("a", {2, 3, 2}), input("b", {2})}, {}, {{"broadcast", 1}}),
                      {a, floatTensor({2}, {1, 100})},
                      {floatTensor({2, 3, 2}, {-1, -99, 1, -97, 3, -95, 5, -93, 7, -91, 9, -89})});
  expectOpCaseOutputs(opsetCase("mul", 1, "Mul", {input("a", {2, 2}), input("b", {1, 1})}, {}, {{"broadcast", 1}}),
                      {iota({2, 2}), floatTensor({1, 1}, {3})}, {floatTensor({2, 2}, {0, 3, 6, 9})});
  // Gemm-6: C [2] broadcast over the rows of A * B (A [2, 2], B the identity).
  expectOpCaseOutputs(opsetCase("gemm", 6, "Gemm", {input("a", {2, 2}), input("b", {2, 2}), input("c", {2})}, {},
                                {{"broadcast", 1}}),
                      {iota({2, 2}), floatTensor({2, 2}, {1, 0, 0, 1}), floatTensor({2}, {10, 20})},
                      {floatTensor({2, 2}, {10, 21, 12, 23})});
  // PRelu-6: slope [C] is per channel (axis 1), not per last-axis element.
  expectOpCaseOutputs(opsetCase("prelu", 6, "PRelu", {input("x", {1, 2, 2})}, {{"slope", floats({2}, {0.5, 2})}},
                                json::object()),
                      {floatTensor({1, 2, 2}, {-2, 4, -2, 4})}, {floatTensor({1, 2, 2}, {-1, 4, -4, 4})});
}

} // namespace
