//===- NNExtraTests.cpp - BatchNorm training, MaxPool Indices, 3-D pools --===//
//
// Three frontend decompositions (compiler/frontends/convert/NN.cpp):
// BatchNormalization in training mode (batch statistics, running statistics
// updated), MaxPool's Indices output (a Where chain over the window's taps)
// and 3-D pools (two 2-D pools). The parameterized cases compile them and
// compare with the reference interpreter on the same graph; the *Exact tests
// check the decompositions themselves against hand-computed values or a
// direct 3-D pooling loop written here.
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

/// A single-node model whose inputs are all model inputs.
OpCase oneNode(const std::string &name, const std::string &op, std::vector<json> inputs,
               std::vector<std::string> outputs, json attrs, int opset = 17) {
  std::vector<std::string> names, results;
  for (const json &in : inputs)
    names.push_back(in["name"]);
  for (const std::string &o : outputs)
    if (!o.empty())
      results.push_back(o);
  return {name, model(inputs, {node(op, names, outputs, attrs)}, results, json::object(), opset)};
}

OpCase batchNormTraining(const std::string &name, std::vector<int64_t> x, json attrs,
                         std::vector<std::string> outputs = {"y", "rm", "rv"}) {
  int64_t c = x[1];
  attrs["training_mode"] = 1;
  return oneNode("bn_training_" + name, "BatchNormalization",
                 {input("x", x), input("scale", {c}), input("b", {c}), input("mean", {c}),
                  input("var", {c})},
                 outputs, attrs, 15);
}

OpCase pool(const std::string &name, const std::string &op, std::vector<int64_t> x, json attrs,
            std::vector<std::string> outputs = {"y"}) {
  return oneNode(name, op, {input("x", x)}, outputs, attrs);
}

std::vector<OpCase> nnExtraCases() {
  std::vector<OpCase> cases;
  // BatchNormalization, training mode: odd shapes, batch > 1, ranks 2 to 5.
  cases.push_back(batchNormTraining("rank4", {3, 5, 7, 9}, json::object()));
  cases.push_back(batchNormTraining("rank2_momentum", {7, 3}, {{"momentum", 0.6}, {"epsilon", 0.1}}));
  cases.push_back(batchNormTraining("rank3", {2, 4, 13}, {{"epsilon", 1e-2}}));
  cases.push_back(batchNormTraining("rank5", {2, 3, 3, 5, 4}, json::object()));
  cases.push_back(batchNormTraining("y_only", {2, 3, 5, 5}, json::object(), {"y"}));
  cases.push_back(batchNormTraining("no_running_mean", {2, 3, 4, 5}, json::object(), {"y", "", "rv"}));
  // MaxPool with Indices: pads, strides, dilations, ceil_mode, auto_pad, both storage orders.
  for (int order : {0, 1}) {
    std::string o = "_order" + std::to_string(order);
    cases.push_back(pool("indices_pads" + o, "MaxPool", {2, 3, 7, 9},
                         {{"kernel_shape", {3, 3}}, {"pads", {1, 1, 1, 1}}, {"storage_order", order}},
                         {"y", "i"}));
    cases.push_back(pool("indices_strides_ceil" + o, "MaxPool", {2, 3, 8, 11},
                         {{"kernel_shape", {2, 3}}, {"strides", {2, 3}}, {"ceil_mode", 1},
                          {"pads", {0, 1, 1, 0}}, {"storage_order", order}},
                         {"y", "i"}));
    cases.push_back(pool("indices_dilations" + o, "MaxPool", {1, 2, 9, 10},
                         {{"kernel_shape", {2, 3}}, {"dilations", {3, 2}}, {"strides", {1, 2}},
                          {"storage_order", order}},
                         {"y", "i"}));
    cases.push_back(pool("indices_same_upper" + o, "MaxPool", {3, 2, 6, 7},
                         {{"kernel_shape", {4, 3}}, {"strides", {2, 2}}, {"auto_pad", "SAME_UPPER"},
                          {"storage_order", order}},
                         {"y", "i"}));
  }
  cases.push_back(pool("indices_1d", "MaxPool", {2, 3, 13},
                       {{"kernel_shape", {3}}, {"strides", {2}}, {"pads", {1, 2}}}, {"y", "i"}));
  // Ties everywhere: x snapped to whole numbers in [-2, 2).
  cases.push_back({"indices_ties", model({input("x", {2, 3, 7, 8})},
                                         {node("Mul", {"x", "two"}, {"x2"}), node("Floor", {"x2"}, {"xf"}),
                                          node("MaxPool", {"xf"}, {"y", "i"},
                                               {{"kernel_shape", {3, 3}}, {"pads", {1, 1, 1, 1}},
                                                {"strides", {2, 1}}})},
                                         {"y", "i"},
                                         {{"two", {{"shape", json::array()}, {"data", {2.0}}}}})});
  // 3-D pools.
  for (const char *op : {"MaxPool", "AveragePool"}) {
    std::string p = std::string(op) + "_3d";
    cases.push_back(pool(p + "_default", op, {2, 3, 5, 6, 7}, {{"kernel_shape", {2, 2, 2}}}));
    for (int cip : {0, 1}) {
      json attrs = {{"kernel_shape", {3, 2, 3}}, {"strides", {2, 1, 2}}, {"pads", {1, 0, 1, 1, 1, 2}},
                    {"ceil_mode", 1}};
      if (std::string(op) == "AveragePool")
        attrs["count_include_pad"] = cip;
      cases.push_back(pool(p + "_pads_strides_ceil_cip" + std::to_string(cip), op, {2, 3, 6, 7, 9}, attrs));
    }
    cases.push_back(pool(p + "_same_lower", op, {1, 2, 5, 4, 7},
                         {{"kernel_shape", {3, 3, 2}}, {"strides", {2, 1, 3}}, {"auto_pad", "SAME_LOWER"}}));
  }
  cases.push_back(pool("MaxPool_3d_dilations", "MaxPool", {2, 2, 7, 6, 5},
                       {{"kernel_shape", {2, 2, 2}}, {"dilations", {3, 2, 1}}}));
  return cases;
}

class NNExtraTest : public ::testing::TestWithParam<OpCase> {};
TEST_P(NNExtraTest, CompiledMatchesReference) { runOpCase(GetParam()); }
INSTANTIATE_TEST_SUITE_P(NNExtra, NNExtraTest, ::testing::ValuesIn(nnExtraCases()),
                         [](const ::testing::TestParamInfo<OpCase> &info) {
                           return opCaseTestName(info.param, info.index);
                         });

//===----------------------------------------------------------------------===//
// BatchNormalization, training mode
//===----------------------------------------------------------------------===//

TEST(NNExtraExact, BatchNormTraining) {
  // x [N=2, C=2, 2]: channel 0 holds 2, 6, 6, 2 (mean 4, biased var 4), channel 1
  // holds 0, 2, 2, 0 (mean 1, var 1). With epsilon 5, channel 0 divides by
  // sqrt(4 + 5) = 3 and channel 1 by sqrt(6).
  auto c = batchNormTraining("exact", {2, 2, 2}, {{"epsilon", 5.0}, {"momentum", 0.75}});
  c.atol = 1e-6;
  float r6 = 1 / std::sqrt(6.f);
  float a = 2 * (-2.f / 3) + 1, b = 2 * (2.f / 3) + 1; // scale 2, B 1
  float lo = 3 * -r6 - 1, hi = 3 * r6 - 1;             // scale 3, B -1
  expectOpCaseOutputs(c,
                      {floatTensor({2, 2, 2}, {2, 6, 0, 2, 6, 2, 2, 0}), floatTensor({2}, {2, 3}),
                       floatTensor({2}, {1, -1}), floatTensor({2}, {0, 8}), floatTensor({2}, {1, 5})},
                      {floatTensor({2, 2, 2}, {a, b, lo, hi, b, a, hi, lo}),
                       // running = input * 0.75 + batch * 0.25
                       floatTensor({2}, {0 * 0.75f + 4 * 0.25f, 8 * 0.75f + 1 * 0.25f}),
                       floatTensor({2}, {1 * 0.75f + 4 * 0.25f, 5 * 0.75f + 1 * 0.25f})});
}

TEST(NNExtraExact, BatchNormTrainingDefaultMomentum) {
  // One value per channel and batch of 2: mean 2, var 1; epsilon 0.
  auto c = batchNormTraining("default_momentum", {2, 1}, {{"epsilon", 0.0}});
  expectOpCaseOutputs(c,
                      {floatTensor({2, 1}, {1, 3}), floatTensor({1}, {1}), floatTensor({1}, {0}), floatTensor({1}, {10}),
                       floatTensor({1}, {3})},
                      {floatTensor({2, 1}, {-1, 1}), floatTensor({1}, {10 * 0.9f + 2 * 0.1f}),
                       floatTensor({1}, {3 * 0.9f + 1 * 0.1f})});
}

TEST(NNExtraErrors, BatchNormTrainingBeforeOpset14) {
  OpCase c = oneNode("bn9", "BatchNormalization",
                     {input("x", {2, 3, 4}), input("s", {3}), input("b", {3}), input("m", {3}), input("v", {3})},
                     {"y", "mean", "var", "saved_mean", "saved_var"}, json::object(), 9);
  auto exe = compile(writeTempFile("bn9.json", c.model.dump()));
  ASSERT_FALSE(exe.ok());
  EXPECT_NE(exe.error().find("training mode before opset 14"), std::string::npos) << exe.error();
}

//===----------------------------------------------------------------------===//
// MaxPool Indices
//===----------------------------------------------------------------------===//

/// x [1, 2, 2, 3], a 2x2 window padded by one row on top and one column on the
/// left. Channel 0 has ties of 5; channel 1 is negative, so a padded tap
/// would win if padding took part.
OpCase indicesPadsTies(int storageOrder) {
  return pool("ties", "MaxPool", {1, 2, 2, 3},
              {{"kernel_shape", {2, 2}}, {"pads", {1, 1, 0, 0}}, {"storage_order", storageOrder}},
              {"y", "i"});
}
const std::vector<float> kTiesX = {1, 5, 5, 5, 0, 2, -1, -3, -2, -4, -1, -5};
const std::vector<float> kTiesY = {1, 5, 5, 5, 5, 5, -1, -1, -2, -1, -1, -1};

TEST(NNExtraExact, IndicesFirstMaximalTapWinsRowMajor) {
  // Window (1, 1) of channel 0 covers 1, 5 / 5, 0: the first 5 in scan order,
  // (0, 1), wins. Channel 1's indices count from its offset 2 * 3 = 6.
  expectOpCaseOutputs(indicesPadsTies(0), {floatTensor({1, 2, 2, 3}, kTiesX)},
                      {floatTensor({1, 2, 2, 3}, kTiesY),
                       int64Tensor({1, 2, 2, 3}, {0, 1, 1, 3, 1, 1, 6, 6, 8, 6, 6, 10})});
}

TEST(NNExtraExact, IndicesColumnMajor) {
  // storage_order 1: index h + w * H within the channel, channel offsets as before.
  // The same taps win: in window (1, 1), (0, 1) (index 2) beats (1, 0) (index 1),
  // although the latter's column-major index is smaller.
  expectOpCaseOutputs(indicesPadsTies(1), {floatTensor({1, 2, 2, 3}, kTiesX)},
                      {floatTensor({1, 2, 2, 3}, kTiesY),
                       int64Tensor({1, 2, 2, 3}, {0, 2, 2, 1, 2, 2, 6, 6, 10, 6, 6, 9})});
}

TEST(NNExtraExact, IndicesPaddingNeverWinsAgainstMinusInfinity) {
  // Window 0 covers the pad and two -inf cells: the max is -inf, at index 0.
  float inf = std::numeric_limits<float>::infinity();
  auto c = pool("neginf", "MaxPool", {1, 1, 1, 3}, {{"kernel_shape", {1, 3}}, {"pads", {0, 1, 0, 1}}},
                {"y", "i"});
  expectOpCaseOutputs(c, {floatTensor({1, 1, 1, 3}, {-inf, -inf, 7})},
                      {floatTensor({1, 1, 1, 3}, {-inf, 7, 7}), int64Tensor({1, 1, 1, 3}, {0, 2, 2})});
}

TEST(NNExtraExact, Indices1DDilatedCeil) {
  // Windows start at -1, 1, 3 and take taps 2 apart; the last hangs past the
  // end (ceil_mode), the first over the pad. Batch 1 starts at offset 5 and
  // ties in its second window.
  auto c = pool("1d", "MaxPool", {2, 1, 5},
                {{"kernel_shape", {2}}, {"dilations", {2}}, {"strides", {2}}, {"pads", {1, 0}},
                 {"ceil_mode", 1}},
                {"y", "i"});
  expectOpCaseOutputs(c, {floatTensor({2, 1, 5}, {3, 1, 3, 2, 4, 0, 9, 0, 9, 0})},
                      {floatTensor({2, 1, 3}, {1, 2, 2, 9, 9, 9}), int64Tensor({2, 1, 3}, {1, 3, 3, 6, 6, 8})});
}

//===----------------------------------------------------------------------===//
// 3-D pools
//===----------------------------------------------------------------------===//

TEST(NNExtraExact, Pool3DFrontPadding) {
  // x [1, 1, 2, 2, 2] = 1..8, a 2x2x2 window, one plane of padding in front:
  // output 0 covers the plane 1, 2, 3, 4 and the pad, output 1 all of x.
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
  json attrs = {{"kernel_shape", {2, 2, 2}}, {"pads", {1, 0, 0, 0, 0, 0}}};
  expectOpCaseOutputs(pool("max", "MaxPool", {1, 1, 2, 2, 2}, attrs), {floatTensor({1, 1, 2, 2, 2}, x)},
                      {floatTensor({1, 1, 2, 1, 1}, {4, 8})});
  expectOpCaseOutputs(pool("avg", "AveragePool", {1, 1, 2, 2, 2}, attrs), {floatTensor({1, 1, 2, 2, 2}, x)},
                      {floatTensor({1, 1, 2, 1, 1}, {10.f / 4, 36.f / 8})});
  attrs["count_include_pad"] = 1;
  expectOpCaseOutputs(pool("avg_cip", "AveragePool", {1, 1, 2, 2, 2}, attrs), {floatTensor({1, 1, 2, 2, 2}, x)},
                      {floatTensor({1, 1, 2, 1, 1}, {10.f / 8, 36.f / 8})});
}

/// A 3-D pool by direct loops over the box window, for comparison with the
/// separable decomposition. With ceil_mode a window may hang past the end
/// padding; those cells never count.
struct Pool3D {
  bool max = false, countPad = false, ceil = false;
  std::vector<int64_t> kernel, strides, pads, dilations;

  int64_t outSize(int64_t in, int a) const {
    int64_t span = dilations[a] * (kernel[a] - 1) + 1, numer = in + pads[a] + pads[a + 3] - span;
    int64_t out = (ceil ? (numer + strides[a] - 1) / strides[a] : numer / strides[a]) + 1;
    if (ceil && (out - 1) * strides[a] >= in + pads[a])
      --out;
    return out;
  }

  HostTensor run(const HostTensor &x) const {
    std::vector<int64_t> in(x.shape.begin() + 2, x.shape.end()), out;
    for (int a = 0; a < 3; ++a)
      out.push_back(outSize(in[a], a));
    HostTensor y(DType::F32, {x.shape[0], x.shape[1], out[0], out[1], out[2]});
    int64_t k = 0;
    for (int64_t nc = 0; nc < x.shape[0] * x.shape[1]; ++nc)
      for (int64_t o0 = 0; o0 < out[0]; ++o0)
        for (int64_t o1 = 0; o1 < out[1]; ++o1)
          for (int64_t o2 = 0; o2 < out[2]; ++o2) {
            double acc = max ? -INFINITY : 0;
            int64_t count = 0;
            for (int64_t k0 = 0; k0 < kernel[0]; ++k0)
              for (int64_t k1 = 0; k1 < kernel[1]; ++k1)
                for (int64_t k2 = 0; k2 < kernel[2]; ++k2) {
                  int64_t p[3] = {o0 * strides[0] - pads[0] + k0 * dilations[0],
                                  o1 * strides[1] - pads[1] + k1 * dilations[1],
                                  o2 * strides[2] - pads[2] + k2 * dilations[2]};
                  bool inside = true, inPadded = true;
                  for (int a = 0; a < 3; ++a) {
                    inside = inside && p[a] >= 0 && p[a] < in[a];
                    inPadded = inPadded && p[a] < in[a] + pads[a + 3];
                  }
                  if (inside) {
                    double v = x.f(((nc * in[0] + p[0]) * in[1] + p[1]) * in[2] + p[2]);
                    acc = max ? std::max(acc, v) : acc + v;
                  }
                  count += (countPad ? inPadded : inside) ? 1 : 0;
                }
            y.setF(k++, max ? acc : acc / count);
          }
    return y;
  }
};

HostTensor seeded(std::vector<int64_t> shape, uint32_t seed) {
  HostTensor t(DType::F32, std::move(shape));
  uint32_t s = seed;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    s = s * 1664525u + 1013904223u;
    t.setF(i, (double)(s >> 8) / (1u << 24) * 2 - 1);
  }
  return t;
}

void expectPool3D(const Pool3D &p, std::vector<int64_t> shape) {
  json attrs = {{"kernel_shape", p.kernel}, {"strides", p.strides}, {"pads", p.pads},
                {"dilations", p.dilations}, {"ceil_mode", p.ceil ? 1 : 0}};
  if (!p.max)
    attrs["count_include_pad"] = p.countPad ? 1 : 0;
  HostTensor x = seeded(shape, 7);
  expectOpCaseOutputs(pool("pool3d", p.max ? "MaxPool" : "AveragePool", shape, attrs), {x}, {p.run(x)});
}

TEST(NNExtraExact, Pool3DMatchesDirectLoops) {
  for (bool max : {true, false})
    for (bool countPad : {false, true}) {
      if (max && countPad)
        continue;
      SCOPED_TRACE(std::string(max ? "max" : "avg") + (countPad ? " count_include_pad" : ""));
      Pool3D ceil{max, countPad, true, {3, 2, 3}, {2, 1, 2}, {1, 0, 1, 1, 1, 2}, {1, 1, 1}};
      expectPool3D(ceil, {2, 3, 6, 7, 9});
      // (Average pools take no dilations yet.)
      Pool3D uneven{max, countPad, false, {2, 3, 2}, {1, 2, 2}, {0, 2, 1, 1, 0, 1}, {max ? 2 : 1, 1, max ? 3 : 1}};
      expectPool3D(uneven, {2, 2, 7, 6, 8});
    }
}

TEST(NNExtraErrors, Indices3DAreRejected) {
  // (3-D Conv is rejected too: see Window1DErrors in ConvTransposeTests.cpp.)
  auto c = pool("indices3d", "MaxPool", {1, 1, 4, 4, 4}, {{"kernel_shape", {2, 2, 2}}}, {"y", "i"});
  auto exe = compile(writeTempFile("indices3d.json", c.model.dump()));
  ASSERT_FALSE(exe.ok());
  EXPECT_NE(exe.error().find("Indices output of a 3-D MaxPool"), std::string::npos) << exe.error();
}

} // namespace
