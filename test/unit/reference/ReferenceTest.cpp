//===- ReferenceTest.cpp - the reference interpreter against hand results -===//
//
// The interpreter is the ground truth of every numerical test, so its own
// tests use values worked out by hand or by independent naive formulas.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include <iterator>
#include <limits>

using namespace strata;
using namespace strata::testing;

namespace {

TEST_F(ReferenceTest, BroadcastingBinaryOps) {
  auto r = run(R"(func.func @main(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
    %0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %1 = graph.div %a, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
    %2 = graph.pow %a, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
    return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
  })",
               {iota({2, 3}), iota({3}, 10, 10), iota({2, 1}, 1, 1)});
  ASSERT_EQ(r.size(), 3u);
  expectValues(r[0], {10, 21, 32, 13, 24, 35});
  expectValues(r[1], {0, 1, 2, 1.5, 2, 2.5});
  expectValues(r[2], {0, 1, 2, 9, 16, 25});
}

TEST_F(ReferenceTest, Activations) {
  HostTensor x = values({5}, {-4, -1, 0, 1, 4});
  auto r = run(R"(func.func @main(%x: tensor<5xf32>) -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) {
    %0 = graph.hard_swish %x : tensor<5xf32>
    %1 = graph.hard_sigmoid %x {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<5xf32>
    %2 = graph.clip %x {min = -0.5 : f32, max = 2.0 : f32} : tensor<5xf32>
    %3 = graph.sigmoid %x : tensor<5xf32>
    return %0, %1, %2, %3 : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
  })",
               {x});
  ASSERT_EQ(r.size(), 4u);
  expectValues(r[0], {0, -1.0 / 3, 0, 2.0 / 3, 4});
  expectValues(r[1], {0, 0.3, 0.5, 0.7, 1.0});
  expectValues(r[2], {-0.5, -0.5, 0, 1, 2});
  expectValues(r[3], {1 / (1 + std::exp(4.0)), 1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-1.0)),
                      1 / (1 + std::exp(-4.0))});
}

TEST_F(ReferenceTest, ConvWithPaddingStrideAndBias) {
  // 1x1x3x3 input 0..8, 2x2 filter of ones, pad 1 on top/left only, stride 2, bias 0.5:
  // windows start at (-1,-1), (-1,1), (1,-1), (1,1).
  auto r = run(R"(func.func @main(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
    %w = graph.constant dense<1.0> : tensor<1x1x2x2xf32>
    %b = graph.constant dense<0.5> : tensor<1xf32>
    %0 = graph.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
    return %0 : tensor<1x1x2x2xf32>
  })",
               {iota({1, 1, 3, 3})});
  ASSERT_EQ(r.size(), 1u);
  expectValues(r[0], {0 + 0.5, 1 + 2 + 0.5, 3 + 6 + 0.5, 4 + 5 + 7 + 8 + 0.5});
}

TEST_F(ReferenceTest, DepthwiseAndDilatedConv) {
  // Depthwise: channel c is scaled by its own 1x1 weight (c + 1).
  auto r = run(R"(func.func @main(%x: tensor<1x2x2x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x1x1x1xf32>) {
    %w = graph.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
    %0 = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
    %w2 = graph.constant dense<1.0> : tensor<1x2x2x2xf32>
    %1 = graph.conv2d %x, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x1x1xf32>
    return %0, %1 : tensor<1x2x2x2xf32>, tensor<1x1x1x1xf32>
  })",
               {iota({1, 2, 2, 2})});
  ASSERT_EQ(r.size(), 2u);
  expectValues(r[0], {0, 1, 2, 3, 8, 10, 12, 14});
  expectValues(r[1], {28});
  // Dilation 2 on a 1x1x3x3 input with a 2x2 filter touches only the corners.
  auto d = run(R"(func.func @main(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x1x1xf32> {
    %w = graph.constant dense<1.0> : tensor<1x1x2x2xf32>
    %0 = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, groups = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32>
    return %0 : tensor<1x1x1x1xf32>
  })",
               {iota({1, 1, 3, 3})});
  ASSERT_EQ(d.size(), 1u);
  expectValues(d[0], {0 + 2 + 6 + 8});
}

TEST_F(ReferenceTest, PoolingCeilModeAndPadCounting) {
  // 1x1x3x3 input 0..8, 2x2 windows, stride 2, ceil mode: the last windows hang over the edge.
  auto r = run(R"(func.func @main(%x: tensor<1x1x3x3xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
    %0 = graph.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
    %1 = graph.avg_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
    %2 = graph.avg_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = true} : (tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
    return %0, %1, %2 : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
  })",
               {iota({1, 1, 3, 3})});
  ASSERT_EQ(r.size(), 3u);
  expectValues(r[0], {4, 5, 7, 8});
  expectValues(r[1], {0, (1 + 2) / 2.0, (3 + 6) / 2.0, (4 + 5 + 7 + 8) / 4.0});
  expectValues(r[2], {0 / 4.0, (1 + 2) / 4.0, (3 + 6) / 4.0, (4 + 5 + 7 + 8) / 4.0});
}

TEST_F(ReferenceTest, ReductionsSoftmaxAndMatmul) {
  auto r = run(R"(func.func @main(%x: tensor<2x3xf32>, %b: tensor<3x2xf32>) -> (tensor<2x1xf32>, tensor<3xf32>, tensor<2xf32>, tensor<2x3xf32>, tensor<2x2xf32>) {
    %0 = graph.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : (tensor<2x3xf32>) -> tensor<2x1xf32>
    %1 = graph.reduce_sum %x {axes = array<i64: 0>, keepdims = false} : (tensor<2x3xf32>) -> tensor<3xf32>
    %2 = graph.reduce_max %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
    %3 = graph.softmax %x {axis = 1 : i64} : tensor<2x3xf32>
    %4 = graph.matmul %x, %b : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
    return %0, %1, %2, %3, %4 : tensor<2x1xf32>, tensor<3xf32>, tensor<2xf32>, tensor<2x3xf32>, tensor<2x2xf32>
  })",
               {iota({2, 3}), iota({3, 2})});
  ASSERT_EQ(r.size(), 5u);
  expectValues(r[0], {1, 4});
  expectValues(r[1], {3, 5, 7});
  expectValues(r[2], {2, 5});
  double e = std::exp(1.0), s = 1 + e + e * e;
  expectValues(r[3], {1 / s, e / s, e * e / s, 1 / s, e / s, e * e / s});
  // [[0,1,2],[3,4,5]] x [[0,1],[2,3],[4,5]]
  expectValues(r[4], {10, 13, 28, 40});
}

TEST_F(ReferenceTest, DataMovementAndShapes) {
  auto r = run(R"(func.func @main(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x5xf32>, tensor<2x2xf32>, tensor<2xi64>, tensor<2x3xi64>) {
    %0 = graph.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
    %s = graph.slice %x {starts = array<i64: 0, 1>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
    %1 = graph.concat %x, %s {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
    %2 = graph.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 2>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
    %3 = graph.shape %x : (tensor<2x3xf32>) -> tensor<2xi64>
    %n = graph.constant dense<-0.75> : tensor<2x3xf32>
    %m = graph.mul %x, %n : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    %4 = graph.cast %m : (tensor<2x3xf32>) -> tensor<2x3xi64>
    return %0, %1, %2, %3, %4 : tensor<3x2xf32>, tensor<2x5xf32>, tensor<2x2xf32>, tensor<2xi64>, tensor<2x3xi64>
  })",
               {iota({2, 3})});
  ASSERT_EQ(r.size(), 5u);
  expectValues(r[0], {0, 3, 1, 4, 2, 5});
  expectValues(r[1], {0, 1, 2, 1, 2, 3, 4, 5, 4, 5});
  expectValues(r[2], {0, 2, 3, 5});
  expectValues(r[3], {2, 3});
  // Casting floats to integers truncates toward zero: -0.75 -> 0, -2.25 -> -2, ...
  expectValues(r[4], {0, 0, -1, -2, -3, -3});
}

TEST_F(ReferenceTest, BatchNormAndKernelRegion) {
  auto r = run(R"(func.func @main(%x: tensor<1x2x1x2xf32>) -> tensor<1x2x1x2xf32> {
    %s = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %b = graph.constant dense<[0.0, 1.0]> : tensor<2xf32>
    %m = graph.constant dense<[1.0, 0.0]> : tensor<2xf32>
    %v = graph.constant dense<[4.0, 1.0]> : tensor<2xf32>
    %k = graph.kernel "k" anchor "elementwise" (%x, %s, %b, %m, %v) : (tensor<1x2x1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x2xf32> {
    ^bb0(%a: tensor<1x2x1x2xf32>, %a1: tensor<2xf32>, %a2: tensor<2xf32>, %a3: tensor<2xf32>, %a4: tensor<2xf32>):
      %y = graph.batch_norm %a, %a1, %a2, %a3, %a4 {epsilon = 0.0 : f32} : (tensor<1x2x1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x2xf32>
      %z = graph.relu %y : tensor<1x2x1x2xf32>
      graph.yield %z : tensor<1x2x1x2xf32>
    }
    return %k : tensor<1x2x1x2xf32>
  })",
               {iota({1, 2, 1, 2})});
  ASSERT_EQ(r.size(), 1u);
  // channel 0: (x - 1) / 2; channel 1: 2 * x + 1; then relu.
  expectValues(r[0], {0, 0, 5, 7});
}

TEST_F(ReferenceTest, EveryUnaryOp) {
  std::vector<double> xs{-2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5, 4};
  const char *ops[] = {"relu", "tanh", "exp", "neg", "abs", "erf", "floor", "ceil", "round", "sign"};
  std::string text = "func.func @main(%x: tensor<8xf32>) -> (";
  for (size_t i = 0; i < std::size(ops); ++i)
    text += std::string(i ? ", " : "") + "tensor<8xf32>";
  text += ") {\n";
  for (size_t i = 0; i < std::size(ops); ++i)
    text += "  %" + std::to_string(i) + " = graph." + ops[i] + " %x : tensor<8xf32>\n";
  text += "  return";
  for (size_t i = 0; i < std::size(ops); ++i)
    text += std::string(i ? ", %" : " %") + std::to_string(i);
  text += " : ";
  for (size_t i = 0; i < std::size(ops); ++i)
    text += std::string(i ? ", " : "") + "tensor<8xf32>";
  text += "\n}";
  auto r = run(text, {values({8}, xs)});
  ASSERT_EQ(r.size(), std::size(ops));
  auto map = [&](double (*f)(double)) {
    std::vector<double> out;
    for (double x : xs)
      out.push_back(f(x));
    return out;
  };
  expectValues(r[0], {0, 0, 0, 0, 0.5, 1.5, 2.5, 4});
  expectClose(r[1], {8}, map([](double x) { return std::tanh(x); }));
  expectClose(r[2], {8}, map([](double x) { return std::exp(x); }));
  expectValues(r[3], {2.5, 1.5, 0.5, 0, -0.5, -1.5, -2.5, -4});
  expectValues(r[4], {2.5, 1.5, 0.5, 0, 0.5, 1.5, 2.5, 4});
  // erf(0.5) = 0.5204998778, erf(1.5) = 0.9661051465, erf(2.5) = 0.9995930480, erf(4) = 0.9999999846
  expectValues(r[5], {-0.9995930480, -0.9661051465, -0.5204998778, 0, 0.5204998778, 0.9661051465,
                      0.9995930480, 0.9999999846});
  expectValues(r[6], {-3, -2, -1, 0, 0, 1, 2, 4});
  expectValues(r[7], {-2, -1, -0, 0, 1, 2, 3, 4});
  expectValues(r[8], {-2, -2, -0, 0, 0, 2, 2, 4}); // halves to even
  expectValues(r[9], {-1, -1, -1, 0, 1, 1, 1, 1});

  auto p = run(R"(func.func @main(%x: tensor<5xf32>) -> (tensor<5xf32>, tensor<5xf32>) {
    %0 = graph.log %x : tensor<5xf32>
    %1 = graph.sqrt %x : tensor<5xf32>
    return %0, %1 : tensor<5xf32>, tensor<5xf32>
  })",
               {values({5}, {0.25, 1, 4, 0, -1})});
  ASSERT_EQ(p.size(), 2u);
  double inf = std::numeric_limits<double>::infinity();
  expectValues(p[0], {std::log(0.25), 0, std::log(4.0), -inf, std::nan("")});
  expectValues(p[1], {0.5, 1, 2, 0, std::nan("")});
}

TEST_F(ReferenceTest, ClipAtAndBeyondItsBounds) {
  auto r = run(R"(func.func @main(%x: tensor<5xf32>) -> tensor<5xf32> {
    %0 = graph.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<5xf32>
    return %0 : tensor<5xf32>
  })",
               {values({5}, {-1, 0, 3, 6, 7})});
  ASSERT_EQ(r.size(), 1u);
  expectValues(r[0], {0, 0, 3, 6, 6});
}

TEST_F(ReferenceTest, IntegerArithmeticAndCasts) {
  auto r = run(R"(func.func @main(%a: tensor<2x3xi64>, %b: tensor<3xi64>, %f: tensor<4xf32>) -> (tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<2x3xf32>, tensor<4xi64>) {
    %0 = graph.add %a, %b : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
    %1 = graph.sub %a, %b : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
    %2 = graph.mul %a, %b : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
    %3 = graph.div %a, %b : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
    %4 = graph.pow %a, %b : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
    %5 = graph.max %a, %b : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
    %6 = graph.min %a, %b : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
    %7 = graph.neg %b : tensor<3xi64>
    %8 = graph.abs %b : tensor<3xi64>
    %9 = graph.cast %a : (tensor<2x3xi64>) -> tensor<2x3xf32>
    %10 = graph.cast %f : (tensor<4xf32>) -> tensor<4xi64>
    return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10 : tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<2x3xf32>, tensor<4xi64>
  })",
               {values({2, 3}, {7, -7, 2, 16777217, 9, -3}, DType::I64),
                values({3}, {2, -2, 3}, DType::I64), values({4}, {-2.75, 2.75, -0.5, 1e9})});
  ASSERT_EQ(r.size(), 11u);
  expectValues(r[0], {9, -9, 5, 16777219, 7, 0}, 0);
  expectValues(r[1], {5, -5, -1, 16777215, 11, -6}, 0);
  expectValues(r[2], {14, 14, 6, 33554434, -18, -9}, 0);
  expectValues(r[3], {3, 3, 0, 8388608, -4, -1}, 0); // truncates toward zero
  // 16777217^2 is 281475010265089 (exact in double); 9^-2 truncates to 0.
  expectValues(r[4], {49, 0, 8, 281475010265089.0, 0, -27}, 0);
  expectValues(r[5], {7, -2, 3, 16777217, 9, 3}, 0);
  expectValues(r[6], {2, -7, 2, 2, -2, -3}, 0);
  expectValues(r[7], {-2, 2, -3}, 0);
  expectValues(r[8], {2, 2, 3}, 0);
  EXPECT_EQ(r[9].dtype, DType::F32);
  expectValues(r[9], {7, -7, 2, 16777216, 9, -3}, 0); // 2^24 + 1 rounds to float
  EXPECT_EQ(r[10].dtype, DType::I64);
  expectValues(r[10], {-2, 2, 0, 1e9}, 0);
}

TEST_F(ReferenceTest, FloatBinaryOpsByHand) {
  auto r = run(R"(func.func @main(%a: tensor<4xf32>, %b: tensor<1xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
    %0 = graph.mul %a, %b : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
    %1 = graph.max %a, %b : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
    %2 = graph.pow %a, %b : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
    %3 = graph.sub %b, %a : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  })",
               {values({4}, {-2, 0.5, 1, 9}), values({1}, {0.5})});
  ASSERT_EQ(r.size(), 4u);
  expectValues(r[0], {-1, 0.25, 0.5, 4.5});
  expectValues(r[1], {0.5, 0.5, 1, 9});
  expectValues(r[2], {std::nan(""), std::sqrt(0.5), 1, 3});
  expectValues(r[3], {2.5, 0, -0.5, -8.5});
}

TEST_F(ReferenceTest, MaxPoolPaddingNeverWins) {
  // All values negative: a padded zero would win if padding took part.
  auto r = run(R"(func.func @main(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
    %0 = graph.max_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
    return %0 : tensor<1x1x2x2xf32>
  })",
               {values({1, 1, 2, 2}, {-4, -3, -2, -1})});
  ASSERT_EQ(r.size(), 1u);
  expectValues(r[0], {-1, -1, -1, -1});
}

TEST_F(ReferenceTest, DilatedPoolingCountsPaddingTaps) {
  // 4x4 input 0..15, 2x2 window with dilation 2 (taps 2 apart), pad 1 around:
  // window (0,0) taps rows/cols {-1, 1}: only x[1][1] = 5 is inside, all 4
  // taps lie in the padded image. Window (3,3) taps {2, 4}: only x[2][2] = 10
  // is inside; row/col 4 is bottom/right padding.
  auto r = run(R"(func.func @main(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
    %0 = graph.avg_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 2, 2>, ceil_mode = false, count_include_pad = true} : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
    %1 = graph.avg_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 2, 2>, ceil_mode = false, count_include_pad = false} : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
    %2 = graph.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 2, 2>, ceil_mode = false} : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
    return %0, %1, %2 : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
  })",
               {iota({1, 1, 4, 4})});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_NEAR(r[0].asDouble(0), 5 / 4.0, 1e-6);
  EXPECT_NEAR(r[1].asDouble(0), 5, 1e-6);
  EXPECT_NEAR(r[2].asDouble(0), 5, 1e-6);
  EXPECT_NEAR(r[0].asDouble(15), 10 / 4.0, 1e-6);
  EXPECT_NEAR(r[1].asDouble(15), 10, 1e-6);
  // Window (1,1): taps {0, 2} x {0, 2}: 0, 2, 8, 10.
  EXPECT_NEAR(r[0].asDouble(5), 20 / 4.0, 1e-6);
  EXPECT_NEAR(r[1].asDouble(5), 20 / 4.0, 1e-6);
  EXPECT_NEAR(r[2].asDouble(5), 10, 1e-6);
}

TEST_F(ReferenceTest, SoftmaxIsNumericallyStable) {
  auto r = run(R"(func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
    %0 = graph.softmax %x {axis = 1 : i64} : tensor<2x3xf32>
    return %0 : tensor<2x3xf32>
  })",
               {values({2, 3}, {1000, 1001, 1002, -1000, 0, -1000})});
  ASSERT_EQ(r.size(), 1u);
  double e = std::exp(1.0), s = 1 + e + e * e;
  expectValues(r[0], {1 / s, e / s, e * e / s, 0, 1, 0});
}

TEST_F(ReferenceTest, ConstantsReshapeExpandGatherAndReversedSlice) {
  auto r = run(R"(func.func @main(%x: tensor<2x3xf32>, %c: tensor<3x1xf32>) -> (tensor<3x2xf32>, tensor<2x3x4xf32>, tensor<2x2x2xf32>, tensor<2x2xf32>, tensor<3xi64>, tensor<2x2xf32>) {
    %0 = graph.reshape %x : (tensor<2x3xf32>) -> tensor<3x2xf32>
    %1 = graph.expand %c : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
    %i = graph.constant dense<[[2, -1], [0, 0]]> : tensor<2x2xi64>
    %2 = graph.gather %x, %i {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x2x2xf32>
    %3 = graph.slice %x {starts = array<i64: 1, 2>, steps = array<i64: -1, -2>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
    %4 = graph.constant dense<[5, -6, 7]> : tensor<3xi64>
    %5 = graph.constant dense<2.5> : tensor<2x2xf32>
    return %0, %1, %2, %3, %4, %5 : tensor<3x2xf32>, tensor<2x3x4xf32>, tensor<2x2x2xf32>, tensor<2x2xf32>, tensor<3xi64>, tensor<2x2xf32>
  })",
               {iota({2, 3}), values({3, 1}, {7, 8, 9})});
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].shape, (std::vector<int64_t>{3, 2}));
  expectValues(r[0], {0, 1, 2, 3, 4, 5});
  std::vector<double> expand;
  for (int n = 0; n < 2; ++n)
    for (double v : {7, 8, 9})
      for (int k = 0; k < 4; ++k)
        expand.push_back(v);
  expectValues(r[1], expand);
  // x = [[0,1,2],[3,4,5]]: result[i, j, k] = x[i, idx[j][k]], idx = [[2, 2], [0, 0]] after -1 -> 2.
  expectValues(r[2], {2, 2, 0, 0, 5, 5, 3, 3});
  expectValues(r[3], {5, 3, 2, 0}); // rows 1, 0; columns 2, 0
  EXPECT_EQ(r[4].dtype, DType::I64);
  expectValues(r[4], {5, -6, 7}, 0);
  expectValues(r[5], {2.5, 2.5, 2.5, 2.5}, 0);
}

TEST_F(ReferenceTest, BatchNormOnRank2WithEpsilon) {
  auto r = run(R"(func.func @main(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
    %s = graph.constant dense<[2.0, -1.0]> : tensor<2xf32>
    %b = graph.constant dense<[0.5, 0.0]> : tensor<2xf32>
    %m = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %v = graph.constant dense<[3.0, 0.0]> : tensor<2xf32>
    %0 = graph.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0 : f32} : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
    return %0 : tensor<2x2xf32>
  })",
               {values({2, 2}, {3, 4, 5, 6})});
  ASSERT_EQ(r.size(), 1u);
  // channel 0: 2 * (x - 1) / 2 + 0.5; channel 1: -(x - 2) / 1
  expectValues(r[0], {2.5, -2, 4.5, -4});
}

} // namespace
