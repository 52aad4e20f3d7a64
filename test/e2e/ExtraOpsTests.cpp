//===- ExtraOpsTests.cpp - the decompositions of convert/Extra.cpp --------===//
//
// Celu, ThresholdedRelu, Shrink, IsNaN, IsInf, Mod, Trilu, EyeLike, OneHot,
// Hardmax, CumSum, GatherElements, MeanVarianceNormalization,
// LpNormalization and GlobalLpPool. The parameterized cases compile them on
// odd shapes, broadcasting and negative axes and compare with the reference
// interpreter; since that runs the same decomposed graph, the *Exact tests
// check each decomposition against small hand-computed values.
//
//===----------------------------------------------------------------------===//
#include "test/e2e/Harness.h"
#include "test/e2e/OpCase.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace strata;
using namespace strata::testing;

namespace {

json constTensor(std::vector<int64_t> shape, std::vector<double> data, const std::string &dtype = "float32") {
  return {{"shape", shape}, {"dtype", dtype}, {"data", data}};
}

/// One node over model inputs `inputs` and constant initializers `consts`
/// (passed to the node after the inputs, in the given order).
OpCase oneNode(const std::string &name, const std::string &op, std::vector<json> inputs, json attrs,
               std::vector<std::pair<std::string, json>> consts = {}, int opset = 17) {
  return singleNodeCase(name, op, std::move(inputs), std::move(consts), std::move(attrs), opset);
}

std::vector<OpCase> extraCases() {
  std::vector<OpCase> cases;
  // Activations.
  cases.push_back(oneNode("Celu_alpha2", "Celu", {input("x", {3, 5, 7})}, {{"alpha", 2.0}}));
  cases.push_back(oneNode("Celu_default", "Celu", {input("x", {17})}, json::object()));
  cases.push_back(oneNode("ThresholdedRelu", "ThresholdedRelu", {input("x", {2, 9})}, {{"alpha", -0.2}}));
  cases.push_back(oneNode("Shrink", "Shrink", {input("x", {4, 7})}, {{"lambd", 0.4}, {"bias", 0.1}}));
  cases.push_back(oneNode("Shrink_default", "Shrink", {input("x", {3, 11})}, json::object()));
  // IsNaN / IsInf on a = x / floor(y) (floor(y) is -1 or 0, so a is finite or
  // +-inf) and on log(a) (NaN where a < 0).
  for (auto [name, attrs] : std::vector<std::pair<std::string, json>>{
           {"IsInf", json::object()},
           {"IsInf_pos", {{"detect_negative", 0}}},
           {"IsInf_neg", {{"detect_positive", 0}}},
           {"IsInf_none", {{"detect_positive", 0}, {"detect_negative", 0}}}})
    cases.push_back({name, model({input("x", {3, 13}), input("y", {13})},
                                 {node("Floor", {"y"}, {"f"}), node("Div", {"x", "f"}, {"a"}),
                                  node("IsInf", {"a"}, {"y0"}, attrs)},
                                 {"y0"})});
  cases.push_back({"IsNaN", model({input("x", {3, 13}), input("y", {13})},
                                  {node("Floor", {"y"}, {"f"}), node("Div", {"x", "f"}, {"a"}),
                                   node("Log", {"a"}, {"l"}), node("IsNaN", {"l"}, {"y0"})},
                                  {"y0"})});
  // Mod: int64 with broadcasting (zero divisors replaced by 3), float fmod.
  // Mod builds on integer Div, which truncates toward zero.
  auto intDivision = [&](const std::string &name, const std::string &op, json attrs) {
    cases.push_back({name, model({typedInput("a", {3, 17}, "int64"), typedInput("b", {3, 1}, "int64")},
                                 {node("Equal", {"b", "zero"}, {"z"}), node("Where", {"z", "three", "b"}, {"d"}),
                                  node(op, {"a", "d"}, {"y"}, attrs)},
                                 {"y"},
                                 {{"zero", constTensor({}, {0}, "int64")}, {"three", constTensor({}, {3}, "int64")}})});
  };
  intDivision("Div_i64_truncates", "Div", json::object());
  for (int fmod : {0, 1})
    intDivision("Mod_i64_fmod" + std::to_string(fmod), "Mod", {{"fmod", fmod}});
  cases.push_back({"Mod_f32_fmod", model({input("a", {2, 9}), input("b", {9})},
                                         {node("Mul", {"a", "ten"}, {"a10"}), node("Add", {"b", "two"}, {"d"}),
                                          node("Mod", {"a10", "d"}, {"y"}, {{"fmod", 1}})},
                                         {"y"}, {{"ten", constTensor({}, {10})}, {"two", constTensor({}, {2})}})});
  // Trilu: leading dims, k from an initializer, int64 data.
  cases.push_back(oneNode("Trilu_upper_kneg", "Trilu", {input("x", {2, 3, 5, 7})}, json::object(),
                          {{"k", constTensor({}, {-1}, "int64")}}));
  cases.push_back(oneNode("Trilu_lower", "Trilu", {input("x", {6, 4})}, {{"upper", 0}}));
  cases.push_back(oneNode("Trilu_lower_k2_i64", "Trilu", {typedInput("x", {3, 5, 6}, "int64")}, {{"upper", 0}},
                          {{"k", constTensor({}, {2}, "int64")}}));
  // EyeLike: the result is a constant.
  cases.push_back(oneNode("EyeLike_k2", "EyeLike", {input("x", {5, 7})}, {{"k", 2}}));
  cases.push_back(oneNode("EyeLike_i64_kneg", "EyeLike", {input("x", {6, 3})}, {{"k", -1}, {"dtype", 7}}));
  // OneHot: indices in [-4, 3]; depth 5 (all valid) or 3 (some out of range).
  for (auto [axis, depth] : std::vector<std::pair<int, int>>{{-1, 5}, {1, 3}, {0, 5}, {-3, 3}})
    cases.push_back(oneNode("OneHot_axis" + std::to_string(axis) + "_depth" + std::to_string(depth), "OneHot",
                            {typedInput("i", {3, 4}, "int64")}, {{"axis", axis}},
                            {{"depth", constTensor({}, {(double)depth}, "int64")},
                             {"values", constTensor({2}, {-0.5, 2.5})}}));
  cases.push_back(oneNode("OneHot_float_indices", "OneHot", {input("i", {7})}, json::object(),
                          {{"depth", constTensor({1}, {4})}, {"values", constTensor({2}, {0, 1}, "int64")}}));
  // Hardmax: every axis; opset 11 flattens from the axis on; ties.
  for (int axis : {0, 1, 2, -1})
    cases.push_back(oneNode("Hardmax_axis" + std::to_string(axis), "Hardmax", {input("x", {3, 4, 5})}, {{"axis", axis}}));
  cases.push_back(oneNode("Hardmax_opset11_axis1", "Hardmax", {input("x", {3, 4, 5})}, {{"axis", 1}}, {}, 11));
  cases.push_back(oneNode("Hardmax_opset11_default", "Hardmax", {input("x", {2, 3, 7})}, json::object(), {}, 11));
  cases.push_back({"Hardmax_ties", model({input("x", {5, 6})},
                                         {node("Mul", {"x", "two"}, {"x2"}), node("Floor", {"x2"}, {"xf"}),
                                          node("Hardmax", {"xf"}, {"y"})},
                                         {"y"}, {{"two", constTensor({}, {2})}})});
  // CumSum: every exclusive/reverse combination, lengths that are not powers
  // of two, a length of 1, negative axes, int64.
  for (int exclusive : {0, 1})
    for (int reverse : {0, 1})
      cases.push_back(oneNode("CumSum_ex" + std::to_string(exclusive) + "_rev" + std::to_string(reverse), "CumSum",
                              {input("x", {3, 13, 7})}, {{"exclusive", exclusive}, {"reverse", reverse}},
                              {{"axis", constTensor({}, {1}, "int64")}}));
  cases.push_back(oneNode("CumSum_axis_neg", "CumSum", {input("x", {4, 9})}, json::object(),
                          {{"axis", constTensor({}, {-1}, "int64")}}));
  cases.push_back(oneNode("CumSum_len1_exclusive", "CumSum", {input("x", {5, 1})}, {{"exclusive", 1}},
                          {{"axis", constTensor({}, {1}, "int64")}}));
  cases.push_back(oneNode("CumSum_i64_rev", "CumSum", {typedInput("x", {6, 5}, "int64")}, {{"reverse", 1}},
                          {{"axis", constTensor({1}, {0}, "int32")}}));
  // GatherElements: indices in [-4, 3], the axis at least 4 long; indices
  // smaller than the data outside the axis.
  cases.push_back(oneNode("GatherElements_axis1", "GatherElements",
                          {input("d", {3, 4, 5}), typedInput("i", {3, 7, 5}, "int64")}, {{"axis", 1}}));
  cases.push_back(oneNode("GatherElements_axis0_smaller", "GatherElements",
                          {input("d", {4, 6, 5}), typedInput("i", {2, 3, 5}, "int64")}, json::object()));
  cases.push_back(oneNode("GatherElements_axis_neg_i64data", "GatherElements",
                          {typedInput("d", {3, 5}, "int64"), typedInput("i", {2, 9}, "int64")}, {{"axis", -1}}));
  // Normalizations.
  cases.push_back(oneNode("MVN_default", "MeanVarianceNormalization", {input("x", {2, 3, 4, 5})}, json::object()));
  cases.push_back(oneNode("MVN_axes_neg", "MeanVarianceNormalization", {input("x", {3, 5, 7})}, {{"axes", {-1}}}));
  cases.push_back(oneNode("LpNormalization_p2", "LpNormalization", {input("x", {3, 5, 2})}, {{"axis", 1}}));
  cases.push_back(oneNode("LpNormalization_p1_default_axis", "LpNormalization", {input("x", {4, 7})}, {{"p", 1}}));
  for (int p : {1, 2, 3})
    cases.push_back(oneNode("GlobalLpPool_p" + std::to_string(p), "GlobalLpPool", {input("x", {2, 3, 5, 7})}, {{"p", p}}));
  cases.push_back(oneNode("GlobalLpPool_1d", "GlobalLpPool", {input("x", {2, 3, 9})}, json::object()));
  return cases;
}

STRATA_OP_CASE_SUITE(ExtraOpsTest, extraCases);

//===----------------------------------------------------------------------===//
// Hand-computed values
//===----------------------------------------------------------------------===//

TEST(ExtraOpsExact, Activations) {
  // Celu, alpha 2: -2 -> 2 * (exp(-1) - 1).
  expectOpCaseOutputs(oneNode("celu", "Celu", {input("x", {3})}, {{"alpha", 2.0}}),
                      {floatTensor({3}, {-2, 0, 1})}, {floatTensor({3}, {2 * (std::exp(-1.f) - 1), 0, 1})});
  expectOpCaseOutputs(oneNode("trelu", "ThresholdedRelu", {input("x", {3})}, json::object()),
                      {floatTensor({3}, {0.5, 1, 2})}, {floatTensor({3}, {0, 0, 2})});
  expectOpCaseOutputs(oneNode("shrink", "Shrink", {input("x", {5})}, {{"lambd", 1.0}, {"bias", 0.5}}),
                      {floatTensor({5}, {-2, -1, 0, 1, 2})}, {floatTensor({5}, {-1.5, 0, 0, 0, 1.5})});
}

TEST(ExtraOpsExact, IsNaNIsInf) {
  float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  HostTensor x = floatTensor({4}, {nan, inf, -inf, 1});
  auto is = [&](const std::string &op, json attrs, std::vector<int64_t> expected) {
    SCOPED_TRACE(op + " " + attrs.dump());
    expectOpCaseOutputs(oneNode(op, op, {input("x", {4})}, attrs), {x}, {boolTensor({4}, expected)});
  };
  is("IsNaN", json::object(), {1, 0, 0, 0});
  is("IsInf", json::object(), {0, 1, 1, 0});
  is("IsInf", {{"detect_negative", 0}}, {0, 1, 0, 0});
  is("IsInf", {{"detect_positive", 0}}, {0, 0, 1, 0});
  is("IsInf", {{"detect_positive", 0}, {"detect_negative", 0}}, {0, 0, 0, 0});
}

TEST(ExtraOpsExact, Mod) {
  HostTensor x = int64Tensor({6}, {-4, -3, 5, 7, 0, 6}), y = int64Tensor({6}, {3, 3, -3, -2, 5, 3});
  auto mod = [&](int fmod) {
    return oneNode("mod", "Mod", {typedInput("x", {6}, "int64"), typedInput("y", {6}, "int64")}, {{"fmod", fmod}});
  };
  // fmod = 0: the sign of the divisor (Python's %); fmod = 1: the sign of the dividend (C).
  expectOpCaseOutputs(mod(0), {x, y}, {int64Tensor({6}, {2, 0, -1, -1, 0, 0})});
  expectOpCaseOutputs(mod(1), {x, y}, {int64Tensor({6}, {-1, 0, 2, 1, 0, 0})});
  expectOpCaseOutputs(oneNode("div", "Div", {typedInput("x", {6}, "int64"), typedInput("y", {6}, "int64")}, json::object()),
                      {x, y}, {int64Tensor({6}, {-1, -1, -1, -3, 0, 2})});
  expectOpCaseOutputs(oneNode("fmod", "Mod", {input("x", {6}), input("y", {6})}, {{"fmod", 1}}),
                      {floatTensor({6}, {5.5, -5.5, 5.5, -5.5, 7, -7}), floatTensor({6}, {2, 2, -2, -2, 2.5, 2.5})},
                      {floatTensor({6}, {1.5, -1.5, 1.5, -1.5, 2, -2})});
}

TEST(ExtraOpsExact, TriluAndEyeLike) {
  HostTensor x = floatTensor({3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  expectOpCaseOutputs(oneNode("triu", "Trilu", {input("x", {3, 4})}, json::object(), {{"k", constTensor({}, {1}, "int64")}}),
                      {x}, {floatTensor({3, 4}, {0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12})});
  expectOpCaseOutputs(oneNode("tril", "Trilu", {input("x", {3, 4})}, {{"upper", 0}}, {{"k", constTensor({}, {-1}, "int64")}}),
                      {x}, {floatTensor({3, 4}, {0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0})});
  expectOpCaseOutputs(oneNode("eye", "EyeLike", {input("x", {3, 4})}, {{"k", 1}}), {x},
                      {floatTensor({3, 4}, {0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1})});
}

TEST(ExtraOpsExact, OneHot) {
  // -1 counts from the end; 5 is out of range: all off.
  expectOpCaseOutputs(oneNode("onehot", "OneHot", {typedInput("i", {4}, "int64")}, json::object(),
                              {{"depth", constTensor({}, {3})}, {"values", constTensor({2}, {2, 7})}}),
                      {int64Tensor({4}, {1, -1, 5, 0})},
                      {floatTensor({4, 3}, {2, 7, 2, 2, 2, 7, 2, 2, 2, 7, 2, 2})});
  // axis 0: the depth comes first.
  expectOpCaseOutputs(oneNode("onehot0", "OneHot", {typedInput("i", {2}, "int64")}, {{"axis", 0}},
                              {{"depth", constTensor({}, {3}, "int64")}, {"values", constTensor({2}, {0, 1})}}),
                      {int64Tensor({2}, {2, 0})}, {floatTensor({3, 2}, {0, 1, 0, 0, 1, 0})});
}

TEST(ExtraOpsExact, Hardmax) {
  // The first maximum wins ties.
  expectOpCaseOutputs(oneNode("hardmax", "Hardmax", {input("x", {2, 3})}, json::object()),
                      {floatTensor({2, 3}, {1, 3, 3, 0, -1, -2})}, {floatTensor({2, 3}, {0, 1, 0, 1, 0, 0})});
  // Opset 11, axis 0: over all 6 values at once.
  expectOpCaseOutputs(oneNode("hardmax11", "Hardmax", {input("x", {2, 3})}, {{"axis", 0}}, {}, 11),
                      {floatTensor({2, 3}, {1, 3, 2, 0, 5, -2})}, {floatTensor({2, 3}, {0, 0, 0, 0, 1, 0})});
}

TEST(ExtraOpsExact, CumSum) {
  HostTensor x = floatTensor({5}, {1, 2, 3, 4, 5});
  auto cumsum = [&](int exclusive, int reverse) {
    return oneNode("cumsum", "CumSum", {input("x", {5})}, {{"exclusive", exclusive}, {"reverse", reverse}},
                   {{"axis", constTensor({}, {0}, "int64")}});
  };
  expectOpCaseOutputs(cumsum(0, 0), {x}, {floatTensor({5}, {1, 3, 6, 10, 15})});
  expectOpCaseOutputs(cumsum(1, 0), {x}, {floatTensor({5}, {0, 1, 3, 6, 10})});
  expectOpCaseOutputs(cumsum(0, 1), {x}, {floatTensor({5}, {15, 14, 12, 9, 5})});
  expectOpCaseOutputs(cumsum(1, 1), {x}, {floatTensor({5}, {14, 12, 9, 5, 0})});
  expectOpCaseOutputs(oneNode("cumsum_i64", "CumSum", {typedInput("x", {2, 3}, "int64")}, json::object(),
                              {{"axis", constTensor({}, {-1}, "int64")}}),
                      {int64Tensor({2, 3}, {1, 2, 3, 4, 5, 6})}, {int64Tensor({2, 3}, {1, 3, 6, 4, 9, 15})});
}

TEST(ExtraOpsExact, GatherElements) {
  // ONNX's examples.
  expectOpCaseOutputs(oneNode("ge1", "GatherElements", {input("d", {2, 2}), typedInput("i", {2, 2}, "int64")}, {{"axis", 1}}),
                      {floatTensor({2, 2}, {1, 2, 3, 4}), int64Tensor({2, 2}, {0, 0, 1, 0})},
                      {floatTensor({2, 2}, {1, 1, 4, 3})});
  expectOpCaseOutputs(oneNode("ge0", "GatherElements", {input("d", {3, 3}), typedInput("i", {2, 3}, "int64")}, json::object()),
                      {floatTensor({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), int64Tensor({2, 3}, {-1, -2, 0, -2, 0, 0})},
                      {floatTensor({2, 3}, {7, 5, 3, 4, 2, 3})});
}

TEST(ExtraOpsExact, Normalizations) {
  // MVN over [0, 2, 3]: channel 0 holds 0, 4 (mean 2, std 2); channel 1 is
  // constant (std 0: 0 / 1e-9 = 0).
  expectOpCaseOutputs(oneNode("mvn", "MeanVarianceNormalization", {input("x", {1, 2, 2, 1})}, json::object()),
                      {floatTensor({1, 2, 2, 1}, {0, 4, 5, 5})}, {floatTensor({1, 2, 2, 1}, {-1, 1, 0, 0})});
  expectOpCaseOutputs(oneNode("lp2", "LpNormalization", {input("x", {2, 2})}, json::object()),
                      {floatTensor({2, 2}, {3, 4, 0, 5})}, {floatTensor({2, 2}, {0.6f, 0.8f, 0, 1})});
  expectOpCaseOutputs(oneNode("lp1", "LpNormalization", {input("x", {2, 2})}, {{"p", 1}, {"axis", 0}}),
                      {floatTensor({2, 2}, {1, -2, 3, 6})}, {floatTensor({2, 2}, {0.25f, -0.25f, 0.75f, 0.75f})});
  auto pool = [&](int p) { return oneNode("lppool", "GlobalLpPool", {input("x", {1, 1, 2, 2})}, {{"p", p}}); };
  expectOpCaseOutputs(pool(2), {floatTensor({1, 1, 2, 2}, {1, 2, -2, 4})}, {floatTensor({1, 1, 1, 1}, {5})});
  expectOpCaseOutputs(pool(1), {floatTensor({1, 1, 2, 2}, {-1, 2, -3, 4})}, {floatTensor({1, 1, 1, 1}, {10})});
  expectOpCaseOutputs(pool(3), {floatTensor({1, 1, 2, 2}, {1, 2, 2, -1})},
                      {floatTensor({1, 1, 1, 1}, {std::cbrt(18.f)})});
}

//===----------------------------------------------------------------------===//
// Rejected variants
//===----------------------------------------------------------------------===//

void expectCompileError(const OpCase &c, const std::string &message) {
  auto exe = compile(writeTempFile(c.name + ".json", c.model.dump()));
  ASSERT_FALSE(exe.ok());
  EXPECT_NE(exe.error().find(message), std::string::npos) << exe.error();
}

TEST(ExtraOpsErrors, RejectedVariants) {
  expectCompileError(oneNode("mod_float_fmod0", "Mod", {input("x", {3}), input("y", {3})}, json::object()),
                     "float inputs need fmod = 1");
  expectCompileError(oneNode("lpnorm_p3", "LpNormalization", {input("x", {3})}, {{"p", 3}}),
                     "p = 3 is not supported (1 or 2)");
  expectCompileError(oneNode("celu_i64", "Celu", {typedInput("x", {3}, "int64")}, json::object()),
                     "int64 inputs are not supported (float32 only)");
  expectCompileError(oneNode("trilu_k_input", "Trilu", {input("x", {3, 3}), typedInput("k", {}, "int64")}, json::object()),
                     "k (input 'k') must be a compile-time constant");
  expectCompileError(oneNode("eyelike_f64", "EyeLike", {input("x", {3, 3})}, {{"dtype", 11}}),
                     "dtype 11 is not supported");
}

} // namespace
