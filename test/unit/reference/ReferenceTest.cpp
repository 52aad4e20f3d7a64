//===- ReferenceTest.cpp - the reference interpreter against hand results -===//
//
// The interpreter is the ground truth of every numerical test, so its own
// tests use values worked out by hand or by independent naive formulas.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

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
  HostTensor x(DType::F32, {5});
  std::vector<double> xs{-4, -1, 0, 1, 4};
  for (int i = 0; i < 5; ++i)
    x.set(i, xs[i]);
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

TEST_F(ReferenceTest, ErrorsNameTheProblem) {
  std::string text = R"(func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
    %0 = graph.relu %x : tensor<2x3xf32>
    return %0 : tensor<2x3xf32>
  })";
  EXPECT_EQ(runError(text, {iota({3, 2})}),
            "reference: input 0 has shape [3,2] but the function expects [2,3]");
  EXPECT_EQ(runError(text, {}), "reference: the function takes 1 input, got 0");
}

} // namespace
