//===- BlockedConvTests.cpp - convolutions on channel-blocked tensors -----===//
//
// graph-block-layout runs convs whose output channel counts are multiples of
// the block (the target's lanes: 8 on AVX2, 16 on AVX-512) on NCHW{b} tensors
// (inputs whose channels do not block as blocks of one channel), with
// elementwise ops and global average pooling following in blocked form. Each
// case compiles for AVX2 and for AVX-512 (run only where the CPU has it) and is
// compared with the reference interpreter on the unoptimized graph. Matmuls by
// constant matrices run on packed column panels (matmul_packed).
// Tolerance 1e-4 absolute and relative (sums of up to 288 float products).
//
//===----------------------------------------------------------------------===//
#include "test/e2e/Harness.h"
#include "test/e2e/OpCase.h"
#include "strata/strata.h"
#include "targets/Target.h"

#include <gtest/gtest.h>

using namespace strata;
using namespace strata::testing;

namespace {

json conv(const std::string &x, const std::string &w, const std::string &b, const std::string &y,
          json attrs = json::object()) {
  std::vector<std::string> ins{x, w};
  if (!b.empty())
    ins.push_back(b);
  return node("Conv", ins, {y}, attrs);
}

json pads(int p) { return {p, p, p, p}; }

std::vector<OpCase> blockedCases() {
  std::vector<OpCase> cases;
  auto single = [&](const std::string &name, std::vector<int64_t> x, std::vector<int64_t> w,
                    json attrs, bool bias) {
    json init = {{"w", randomTensor(w, 7)}};
    if (bias)
      init["b"] = randomTensor({w[0]}, 8);
    cases.push_back({name, model({input("x", x)}, {conv("x", "w", bias ? "b" : "", "y", attrs)},
                                 {"y"}, init)});
  };
  // Dense: odd widths (not multiples of ow_block), strides, dilations, asymmetric pads, batch 2.
  single("dense3x3_pad1_odd_width", {1, 16, 14, 19}, {32, 16, 3, 3}, {{"pads", pads(1)}}, true);
  single("dense3x3_stride2_batch2", {2, 16, 13, 11}, {16, 16, 3, 3},
         {{"pads", pads(1)}, {"strides", {2, 2}}}, false);
  single("dense1x1_narrow", {1, 32, 3, 5}, {16, 32, 1, 1}, json::object(), false);
  single("dense_dilation_asym_pads", {1, 16, 12, 15}, {16, 16, 3, 2},
         {{"pads", {0, 2, 1, 0}}, {"dilations", {2, 1}}}, true);
  // Depthwise: 3x3 and 5x5, strides, dilation, no padding.
  single("depthwise3x3", {1, 32, 12, 23}, {32, 1, 3, 3}, {{"pads", pads(1)}, {"group", 32}}, true);
  single("depthwise5x5_stride2_batch2", {2, 16, 10, 21}, {16, 1, 5, 5},
         {{"pads", pads(2)}, {"group", 16}, {"strides", {2, 2}}}, true);
  single("depthwise_dilation_unpadded", {1, 16, 11, 13}, {16, 1, 3, 3},
         {{"group", 16}, {"dilations", {2, 2}}}, false);
  // Inputs whose channels do not block are read in place as blocks of one channel: stems of 3
  // colours (strided, batch 2) and a 1x1 conv of 12 channels.
  single("stem3x3_stride2", {1, 3, 17, 22}, {16, 3, 3, 3}, {{"pads", pads(1)}, {"strides", {2, 2}}}, true);
  single("stem7x7_stride2_batch2", {2, 3, 19, 20}, {32, 3, 7, 7},
         {{"pads", pads(3)}, {"strides", {2, 2}}}, false);
  single("plain_input_1x1", {1, 12, 9, 10}, {16, 12, 1, 1}, json::object(), true);
  // Output channel counts the block does not divide are padded to whole blocks and cut back
  // (12 -> 20 with a bias; 16 -> 6 followed by a blocked-input conv); grouped convs stay plain.
  single("channels_not_divisible", {1, 12, 9, 10}, {20, 12, 3, 3}, {{"pads", pads(1)}}, true);
  {
    json init = {{"w1", randomTensor({6, 16, 1, 1}, 1)}, {"b1", randomTensor({6}, 2)},
                 {"w2", randomTensor({16, 6, 3, 3}, 3)}, {"s", randomTensor({6, 1, 1}, 4)}};
    cases.push_back({"padded_output_chain",
                     model({input("x", {2, 16, 7, 9})},
                           {conv("x", "w1", "b1", "c1"), node("Sigmoid", {"c1"}, {"a"}),
                            node("Mul", {"a", "s"}, {"m"}), conv("m", "w2", "", "y", {{"pads", pads(1)}})},
                           {"y", "c1"}, init)});
  }
  single("grouped_not_depthwise", {1, 32, 6, 7}, {32, 8, 3, 3}, {{"pads", pads(1)}, {"group", 4}}, true);
  {
    // A MobileNetV3 block: conv -> HardSwish -> depthwise -> residual Add (both operands
    // blocked) -> squeeze-excite (GlobalAveragePool, 1x1 convs of 8 channels, which stay plain
    // on AVX-512, HardSigmoid, the gate broadcast over the image) -> per-channel constant Mul.
    json init = {{"w1", randomTensor({16, 16, 1, 1}, 1)}, {"b1", randomTensor({16}, 2)},
                 {"w2", randomTensor({16, 1, 3, 3}, 3)}, {"b2", randomTensor({16}, 4)},
                 {"w3", randomTensor({8, 16, 1, 1}, 5)}, {"w4", randomTensor({16, 8, 1, 1}, 6)},
                 {"s", randomTensor({16, 1, 1}, 9)}};
    cases.push_back({"mobilenet_block",
                     model({input("x", {1, 16, 9, 20})},
                           {conv("x", "w1", "b1", "c1"), node("HardSwish", {"c1"}, {"h1"}),
                            conv("h1", "w2", "b2", "c2", {{"pads", pads(1)}, {"group", 16}}),
                            node("Add", {"c2", "x"}, {"r"}),
                            node("GlobalAveragePool", {"r"}, {"g"}), conv("g", "w3", "", "g1"),
                            node("Relu", {"g1"}, {"g2"}), conv("g2", "w4", "", "g3"),
                            node("HardSigmoid", {"g3"}, {"g4"}), node("Mul", {"r", "g4"}, {"m"}),
                            node("Mul", {"m", "s"}, {"y"})},
                           {"y"}, init)});
  }
  {
    // A feature-pyramid merge: a nearest 2x Resize (gathers along H and W) of a blocked conv,
    // added to a finer one and concatenated by channels with a plain input, then a conv.
    json init = {{"w1", randomTensor({16, 16, 1, 1}, 1)}, {"w2", randomTensor({16, 8, 3, 3}, 2)},
                 {"w3", randomTensor({16, 32, 3, 3}, 3)},
                 {"scales", {{"shape", {4}}, {"data", {1, 1, 2, 2}}}}};
    cases.push_back({"fpn_resize_concat",
                     model({input("x", {1, 16, 5, 6}), input("z", {1, 8, 10, 12}), input("u", {1, 16, 10, 12})},
                           {conv("x", "w1", "", "c1"),
                            node("Resize", {"c1", "", "scales"}, {"r"}, {{"mode", "nearest"}}),
                            conv("z", "w2", "", "c2", {{"pads", pads(1)}}), node("Add", {"r", "c2"}, {"s"}),
                            node("Concat", {"s", "u"}, {"k"}, {{"axis", 1}}),
                            conv("k", "w3", "", "y", {{"pads", pads(1)}})},
                           {"y"}, init)});
  }
  {
    // Pools between blocked convs run blocked: a 3x3/2 max pool with padding and ceil_mode,
    // and an average pool with count_include_pad and dilation-free strides.
    json init = {{"w1", randomTensor({16, 16, 3, 3}, 1)}, {"w2", randomTensor({16, 16, 1, 1}, 2)}};
    cases.push_back({"pools_blocked",
                     model({input("x", {1, 16, 11, 14})},
                           {conv("x", "w1", "", "c1", {{"pads", pads(1)}}),
                            node("MaxPool", {"c1"}, {"p"},
                                 {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}, {"pads", pads(1)},
                                  {"ceil_mode", 1}}),
                            conv("p", "w2", "", "c2"),
                            node("AveragePool", {"c2"}, {"y"},
                                 {{"kernel_shape", {2, 3}}, {"strides", {1, 2}}, {"pads", {0, 1, 1, 1}},
                                  {"count_include_pad", 1}})},
                           {"y"}, init)});
  }
  {
    // A MaxPool between blocked convs (blocked too), and a blocked value that is also a model
    // output: a conversion back for the output.
    json init = {{"w1", randomTensor({16, 16, 3, 3}, 1)}, {"w2", randomTensor({16, 16, 3, 3}, 2)}};
    cases.push_back({"pool_between_convs",
                     model({input("x", {1, 16, 10, 12})},
                           {conv("x", "w1", "", "c1", {{"pads", pads(1)}}), node("Relu", {"c1"}, {"a"}),
                            node("MaxPool", {"a"}, {"p"}, {{"kernel_shape", {2, 2}}, {"strides", {2, 2}}}),
                            conv("p", "w2", "", "y", {{"pads", pads(1)}})},
                           {"y", "a"}, init)});
  }
  {
    // Pads between blocked convs stay blocked (the importer decomposes them into concats along
    // H and W with a constant fill, reversed slices for reflect, expanded edge slices), and so
    // do a crop (negative pads: a slice) and a slice of whole channel blocks.
    auto ints = [](std::vector<int64_t> v) {
      return json{{"shape", {(int64_t)v.size()}}, {"dtype", "int64"}, {"data", v}};
    };
    for (std::string mode : {"constant", "reflect", "edge"}) {
      json init = {{"w1", randomTensor({16, 16, 3, 3}, 1)}, {"w2", randomTensor({16, 16, 3, 3}, 2)},
                   {"p", ints({0, 0, 2, 1, 0, 0, 1, 2})},
                   {"v", {{"shape", std::vector<int64_t>{}}, {"data", {0.5}}}}};
      cases.push_back({"pad_" + mode + "_blocked",
                       model({input("x", {1, 16, 9, 11})},
                             {conv("x", "w1", "", "c1", {{"pads", pads(1)}}),
                              node("Pad", {"c1", "p", mode == "constant" ? "v" : ""}, {"q"}, {{"mode", mode}}),
                              conv("q", "w2", "", "y")},
                             {"y"}, init)});
    }
    json init = {{"w1", randomTensor({32, 16, 3, 3}, 3)}, {"w2", randomTensor({16, 16, 1, 1}, 4)},
                 {"p", ints({0, 0, -1, 0, 0, 0, 0, -2})}, {"s0", ints({8})}, {"s1", ints({24})},
                 {"ax", ints({1})}};
    cases.push_back({"crop_and_channel_slice_blocked",
                     model({input("x", {1, 16, 9, 11})},
                           {conv("x", "w1", "", "c1", {{"pads", pads(1)}}), node("Pad", {"c1", "p"}, {"q"}),
                            node("Slice", {"q", "s0", "s1", "ax"}, {"r"}), conv("r", "w2", "", "y")},
                           {"y"}, init)});
  }
  // Matmuls by constant matrices run on compile-time packed column panels (matmul_packed), their
  // per-column epilogue on the panel form: columns that do not fill whole panels (45, sliced
  // back), batched rows, a chain stopped by a run-time operand, Gemm's transposed constant, and
  // a few columns that stay a plain matmul.
  {
    json init = {{"w", randomTensor({37, 45}, 1)}, {"b", randomTensor({45}, 2)}};
    cases.push_back({"matmul_packed_bias_relu",
                     model({input("x", {2, 5, 37})},
                           {node("MatMul", {"x", "w"}, {"m"}), node("Add", {"b", "m"}, {"a"}),
                            node("Relu", {"a"}, {"y"})},
                           {"y"}, init)});
  }
  {
    json init = {{"w", randomTensor({20, 64}, 3)}, {"s", {{"shape", {1}}, {"data", {0.5}}}}};
    cases.push_back({"matmul_packed_whole_panels",
                     model({input("x", {13, 20}), input("r", {13, 64})},
                           {node("MatMul", {"x", "w"}, {"m"}), node("Mul", {"m", "s"}, {"h"}),
                            node("Sub", {"r", "h"}, {"y"})},
                           {"y", "m"}, init)});
  }
  {
    json init = {{"w", randomTensor({70, 33}, 4)}, {"c", randomTensor({70}, 5)}};
    cases.push_back({"gemm_transB_packed",
                     model({input("x", {9, 33})},
                           {node("Gemm", {"x", "w", "c"}, {"y"}, {{"transB", 1}, {"beta", 0.5}})},
                           {"y"}, init)});
  }
  {
    json init = {{"w", randomTensor({16, 9}, 6)}};
    cases.push_back({"matmul_few_columns_plain",
                     model({input("x", {1, 16})}, {node("MatMul", {"x", "w"}, {"y"})}, {"y"}, init)});
  }
  return cases;
}

struct BlockedCase {
  OpCase c;
  std::string target;
};

void PrintTo(const BlockedCase &b, std::ostream *os) { *os << b.c.name << " " << b.target; }

std::vector<BlockedCase> allBlockedCases() {
  std::vector<BlockedCase> out;
  for (const std::string target : {"x86-64-avx2", "x86-64-avx512"})
    for (const OpCase &c : blockedCases())
      out.push_back({c, target});
  return out;
}

class BlockedConvTest : public ::testing::TestWithParam<BlockedCase> {};

TEST_P(BlockedConvTest, CompiledMatchesReference) {
  const BlockedCase &b = GetParam();
  CompileOptions options;
  options.target = b.target;
  // The JIT runs only what this CPU can (test/lit/aot/blocked.test compiles every case's
  // AVX-512 code ahead of time on any host).
  if (llvm::Error err = targets::parseTarget(b.target)->checkRunsOnHost())
    GTEST_SKIP() << llvm::toString(std::move(err));
  std::string name = opCaseTestName(b.c, 0) + "_" + b.target + ".json";
  expectMatchesReference(writeTempFile(name, b.c.model.dump()), 1e-4, 1e-4, options);
}

INSTANTIATE_TEST_SUITE_P(All, BlockedConvTest, ::testing::ValuesIn(allBlockedCases()),
                         [](const ::testing::TestParamInfo<BlockedCase> &info) {
                           std::string t = info.param.target.substr(info.param.target.rfind('-') + 1);
                           return opCaseTestName(info.param.c, 0) + "_" + t;
                         });

} // namespace
