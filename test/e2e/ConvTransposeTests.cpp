//===- ConvTransposeTests.cpp - ConvTranspose and 1-D windows -------------===//
//
// ConvTranspose is a frontend decomposition (zero-stuffing, padding and a
// conv2d with the regrouped, flipped filter), and 1-D Conv, ConvTranspose
// and pools run as 2-D ones on [N, C, 1, L]. The parameterized cases compile
// them and compare with the reference interpreter on the same graph; the
// *Exact tests check the decompositions against hand-computed values.
//
//===----------------------------------------------------------------------===//
#include "test/e2e/Harness.h"
#include "test/e2e/OpCase.h"

#include <gtest/gtest.h>

using namespace strata;
using namespace strata::testing;

namespace {

/// y = OP(x, w[, b]) with a random filter (and bias).
OpCase windowCase(const std::string &op, const std::string &name, std::vector<int64_t> x,
                  std::vector<int64_t> w, json attrs, int64_t biasSize = 0) {
  json init = {{"w", randomTensor(w, 11)}};
  std::vector<std::string> ins{"x", "w"};
  if (biasSize) {
    init["b"] = randomTensor({biasSize}, 12);
    ins.push_back("b");
  }
  return {name, model({input("x", x)}, {node(op, ins, {"y"}, attrs)}, {"y"}, init)};
}

OpCase convTransposeCase(const std::string &name, std::vector<int64_t> x, std::vector<int64_t> w,
                         json attrs, bool bias = false) {
  int64_t groups = attrs.value("group", 1);
  return windowCase("ConvTranspose", "convtranspose_" + name, x, w, attrs, bias ? w[1] * groups : 0);
}

std::vector<OpCase> convTransposeCases() {
  std::vector<OpCase> cases;
  cases.push_back(convTransposeCase("plain", {2, 3, 5, 7}, {3, 4, 3, 3}, json::object(), true));
  cases.push_back(convTransposeCase("stride2", {2, 3, 5, 7}, {3, 4, 3, 3}, {{"strides", {2, 2}}}, true));
  cases.push_back(convTransposeCase("stride_3x2_pads", {1, 2, 4, 5}, {2, 3, 3, 4},
                                    {{"strides", {3, 2}}, {"pads", {1, 0, 2, 3}}}));
  // Pads larger than the kernel span: the stuffed input is sliced.
  cases.push_back(convTransposeCase("big_pads", {1, 2, 6, 6}, {2, 2, 2, 2},
                                    {{"strides", {2, 2}}, {"pads", {2, 3, 3, 2}}}));
  cases.push_back(convTransposeCase("dilations", {2, 2, 5, 4}, {2, 3, 3, 2},
                                    {{"dilations", {2, 3}}, {"pads", {1, 1, 0, 2}}}, true));
  cases.push_back(convTransposeCase("stride_dilation_output_padding", {1, 3, 4, 5}, {3, 2, 3, 3},
                                    {{"strides", {2, 3}}, {"dilations", {2, 1}}, {"output_padding", {1, 2}}}));
  cases.push_back(convTransposeCase("groups", {2, 6, 5, 3}, {6, 2, 3, 3},
                                    {{"group", 3}, {"strides", {2, 1}}, {"pads", {1, 1, 1, 1}}}, true));
  cases.push_back(convTransposeCase("depthwise", {1, 4, 7, 5}, {4, 1, 4, 4},
                                    {{"group", 4}, {"strides", {2, 2}}, {"pads", {1, 1, 1, 1}}}));
  cases.push_back(convTransposeCase("output_shape", {1, 2, 3, 4}, {2, 3, 3, 3},
                                    {{"strides", {3, 2}}, {"output_shape", {10, 10}}}));
  for (const char *autoPad : {"SAME_UPPER", "SAME_LOWER", "VALID"})
    cases.push_back(convTransposeCase(std::string("auto_pad_") + autoPad, {2, 2, 5, 4}, {2, 3, 4, 3},
                                      {{"strides", {2, 3}}, {"auto_pad", autoPad}}, true));
  cases.push_back(convTransposeCase("1d", {2, 3, 9}, {3, 2, 4},
                                    {{"strides", {3}}, {"pads", {1, 2}}, {"output_padding", {1}}}, true));
  cases.push_back(convTransposeCase("1d_groups_dilation", {1, 4, 6}, {4, 3, 3},
                                    {{"group", 2}, {"dilations", {2}}, {"auto_pad", "SAME_UPPER"}}));
  return cases;
}

std::vector<OpCase> window1DCases() {
  std::vector<OpCase> cases;
  cases.push_back(windowCase("Conv", "conv1d", {2, 3, 17}, {5, 3, 3}, {{"pads", {1, 1}}}, 5));
  cases.push_back(windowCase("Conv", "conv1d_strided_dilated_groups", {2, 4, 19}, {6, 2, 3},
                             {{"strides", {2}}, {"dilations", {2}}, {"group", 2}, {"pads", {0, 3}}}));
  cases.push_back(windowCase("Conv", "conv1d_same_lower", {1, 2, 10}, {3, 2, 4},
                             {{"strides", {3}}, {"auto_pad", "SAME_LOWER"}}));
  auto pool = [](const std::string &op, std::vector<int64_t> x, json attrs) {
    return OpCase{op + "_1d", model({input("x", x)}, {node(op, {"x"}, {"y"}, attrs)}, {"y"})};
  };
  cases.push_back(pool("MaxPool", {2, 3, 13}, {{"kernel_shape", {3}}, {"strides", {2}}, {"pads", {1, 1}}}));
  cases.push_back(pool("MaxPool", {2, 3, 12}, {{"kernel_shape", {2}}, {"dilations", {2}}, {"ceil_mode", 1},
                                               {"strides", {3}}}));
  cases.push_back(pool("AveragePool", {2, 3, 11}, {{"kernel_shape", {4}}, {"auto_pad", "SAME_UPPER"}}));
  cases.push_back(pool("AveragePool", {1, 2, 9}, {{"kernel_shape", {3}}, {"pads", {1, 2}},
                                                  {"count_include_pad", 1}, {"strides", {2}}}));
  return cases;
}

STRATA_OP_CASE_SUITE(ConvTransposeTest, convTransposeCases);

STRATA_OP_CASE_SUITE(Window1DTest, window1DCases);


/// y = OP(x, w[, b]) with given filter (and bias) values.
OpCase fixedWindowCase(const std::string &op, std::vector<int64_t> x, std::vector<int64_t> w,
                       std::vector<double> wData, json attrs, std::vector<double> bias = {}) {
  json init = {{"w", {{"shape", w}, {"data", wData}}}};
  std::vector<std::string> ins{"x", "w"};
  if (!bias.empty()) {
    init["b"] = {{"shape", {(int64_t)bias.size()}}, {"data", bias}};
    ins.push_back("b");
  }
  return {op, model({input("x", x)}, {node(op, ins, {"y"}, attrs)}, {"y"}, init)};
}

TEST(ConvTransposeExact, Stride2ScattersTheFilter) {
  // With stride = kernel size, each input pixel writes x * w into its own 2x2 block.
  auto c = fixedWindowCase("ConvTranspose", {1, 1, 2, 2}, {1, 1, 2, 2}, {1, 10, 100, 1000},
                           {{"strides", {2, 2}}});
  expectOpCaseOutputs(c, {floatTensor({1, 1, 2, 2}, {1, 2, 3, 4})},
                      {floatTensor({1, 1, 4, 4}, {1, 10, 2, 20, 100, 1000, 200, 2000,  //
                                             3, 30, 4, 40, 300, 3000, 400, 4000})});
}

TEST(ConvTransposeExact, OverlapPadsBias1D) {
  // Full output [1, 1, 1+2, 2, 2+3, 3, 3]; pads drop one at each end; + bias.
  auto c = fixedWindowCase("ConvTranspose", {1, 1, 3}, {1, 1, 3}, {1, 1, 1},
                           {{"strides", {2}}, {"pads", {1, 1}}}, {0.5});
  expectOpCaseOutputs(c, {floatTensor({1, 1, 3}, {1, 2, 3})},
                      {floatTensor({1, 1, 5}, {1.5, 3.5, 2.5, 5.5, 3.5})});
}

TEST(ConvTransposeExact, OutputShapeAddsTrailingZeros) {
  // output_shape 6 where the natural size is 5: the extra position is at the end.
  auto c = fixedWindowCase("ConvTranspose", {1, 1, 2}, {1, 1, 3}, {1, 2, 3},
                           {{"strides", {2}}, {"output_shape", {6}}});
  expectOpCaseOutputs(c, {floatTensor({1, 1, 2}, {1, 10})},
                      {floatTensor({1, 1, 6}, {1, 2, 3 + 10, 20, 30, 0})});
}

TEST(ConvTransposeExact, ChannelsAreTransposed) {
  // Filter [Cin = 2, Cout = 3]: y[c] = sum_i x[i] * w[i][c].
  auto c = fixedWindowCase("ConvTranspose", {1, 2, 1, 1}, {2, 3, 1, 1}, {1, 2, 3, 4, 5, 6},
                           json::object());
  expectOpCaseOutputs(c, {floatTensor({1, 2, 1, 1}, {1, 2})}, {floatTensor({1, 3, 1, 1}, {9, 12, 15})});
  // Two groups of one channel each.
  auto g = fixedWindowCase("ConvTranspose", {1, 2, 1, 1}, {2, 1, 1, 1}, {3, 5}, {{"group", 2}});
  expectOpCaseOutputs(g, {floatTensor({1, 2, 1, 1}, {1, 2})}, {floatTensor({1, 2, 1, 1}, {3, 10})});
}

/// ConvTranspose by its definition (each input pixel scatters x * w into the output), 2-D, for
/// checking the sub-pixel form against values computed independently of the decomposition.
HostTensor scatterConvTranspose(const HostTensor &x, const std::vector<float> &w, int64_t cout,
                                int64_t kh, int64_t kw, std::vector<int64_t> s,
                                std::vector<int64_t> pads, const std::vector<float> &bias) {
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  int64_t OH = (H - 1) * s[0] + kh - pads[0] - pads[2], OW = (W - 1) * s[1] + kw - pads[1] - pads[3];
  std::vector<float> y(N * cout * OH * OW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < cout; ++o)
      for (int64_t i = 0; i < OH * OW; ++i)
        y[(n * cout + o) * OH * OW + i] = bias.empty() ? 0 : bias[o];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t iy = 0; iy < H; ++iy)
        for (int64_t ix = 0; ix < W; ++ix)
          for (int64_t o = 0; o < cout; ++o)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                int64_t oy = iy * s[0] + ky - pads[0], ox = ix * s[1] + kx - pads[1];
                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW)
                  continue;
                y[((n * cout + o) * OH + oy) * OW + ox] +=
                    x.f(((n * C + c) * H + iy) * W + ix) * w[((c * cout + o) * kh + ky) * kw + kx];
              }
  return floatTensor({N, cout, OH, OW}, y);
}

TEST(ConvTransposeExact, SubPixelMatchesScatter) {
  // Kernel == stride runs as a 1x1 conv and a depth-to-space (sub-pixel); checked against the
  // definition, with crops, a bias, a stride per axis and channel counts that block (16 -> 48).
  struct Config {
    std::vector<int64_t> x;
    int64_t cout, kh, kw;
    std::vector<int64_t> pads;
    bool bias;
  };
  for (const Config &k : {Config{{2, 3, 4, 5}, 4, 2, 2, {1, 0, 0, 1}, true},
                          Config{{1, 16, 5, 6}, 8, 3, 2, {0, 0, 0, 0}, true},
                          Config{{1, 8, 3, 4}, 2, 2, 3, {1, 2, 1, 0}, false}}) {
    int64_t C = k.x[1];
    std::vector<float> w(C * k.cout * k.kh * k.kw), bias(k.bias ? k.cout : 0),
        xs(k.x[0] * C * k.x[2] * k.x[3]);
    for (size_t i = 0; i < w.size(); ++i)
      w[i] = float((i * 37 % 19) - 9) / 8;
    for (size_t i = 0; i < bias.size(); ++i)
      bias[i] = float(i) / 4 - 0.5f;
    for (size_t i = 0; i < xs.size(); ++i)
      xs[i] = float((i * 13 % 23) - 11) / 16;
    std::vector<double> wd(w.begin(), w.end()), bd(bias.begin(), bias.end());
    auto c = fixedWindowCase("ConvTranspose", k.x, {C, k.cout, k.kh, k.kw}, wd,
                             {{"strides", {k.kh, k.kw}}, {"pads", k.pads}}, bd);
    c.atol = c.rtol = 1e-4;
    HostTensor x = floatTensor(k.x, xs);
    SCOPED_TRACE(c.model.dump());
    expectOpCaseOutputs(c, {x}, {scatterConvTranspose(x, w, k.cout, k.kh, k.kw, {k.kh, k.kw}, k.pads, bias)});
  }
}

TEST(Window1DExact, Pools) {
  OpCase max{"max", model({input("x", {1, 1, 5})},
                          {node("MaxPool", {"x"}, {"y"}, {{"kernel_shape", {2}}, {"strides", {2}}, {"pads", {0, 1}}})},
                          {"y"})};
  expectOpCaseOutputs(max, {floatTensor({1, 1, 5}, {1, 3, 2, 5, 4})}, {floatTensor({1, 1, 3}, {3, 5, 4})});
  OpCase avg{"avg", model({input("x", {1, 1, 5})},
                          {node("AveragePool", {"x"}, {"y"}, {{"kernel_shape", {3}}, {"pads", {1, 1}}})},
                          {"y"})};
  expectOpCaseOutputs(avg, {floatTensor({1, 1, 5}, {1, 3, 2, 5, 4})},
                      {floatTensor({1, 1, 5}, {2, 2, 10.f / 3, 11.f / 3, 4.5})});
}

TEST(Window1DErrors, ThreeSpatialDimensionsAreRejected) {
  OpCase c{"conv3d", model({input("x", {1, 1, 4, 4, 4})}, {node("Conv", {"x", "w"}, {"y"})}, {"y"},
                           {{"w", randomTensor({1, 1, 2, 2, 2}, 3)}})};
  auto exe = compile(writeTempFile("conv3d.json", c.model.dump()));
  ASSERT_FALSE(exe.ok());
  EXPECT_NE(exe.error().find("3 spatial dimensions are not supported"), std::string::npos) << exe.error();
}

} // namespace
