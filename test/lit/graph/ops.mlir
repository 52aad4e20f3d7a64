// RUN: strata-opt %s | strata-opt | FileCheck %s
// Tests that every graph op round-trips through the textual form.

// CHECK-LABEL: func @conv_block
func.func @conv_block(%x: tensor<1x3x8x10xf32>) -> tensor<1x4x4x5xf32> {
  // CHECK: graph.constant dense<5.000000e-01> : tensor<4x3x3x3xf32>
  %w = graph.constant dense<0.5> : tensor<4x3x3x3xf32>
  %b = graph.constant dense<0.1> : tensor<4xf32>
  // CHECK: graph.conv2d %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %c = graph.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x10xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x5xf32>
  // CHECK: graph.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<1x4x4x5xf32>
  %r = graph.clip %c {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4x4x5xf32>
  %h = graph.hard_sigmoid %r {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<1x4x4x5xf32>
  %s = graph.sigmoid %h : tensor<1x4x4x5xf32>
  %hs = graph.hard_swish %s : tensor<1x4x4x5xf32>
  %q = graph.sqrt %hs : tensor<1x4x4x5xf32>
  %g = graph.reduce_mean %q {axes = array<i64: 2, 3>, keepdims = true} : (tensor<1x4x4x5xf32>) -> tensor<1x4x1x1xf32>
  // CHECK: graph.mul %{{.*}}, %{{.*}} : (tensor<1x4x4x5xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x4x5xf32>
  %m = graph.mul %q, %g : (tensor<1x4x4x5xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x4x5xf32>
  %p = graph.max_pool %m {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32>
  %a = graph.avg_pool %p {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32>
  return %a : tensor<1x4x4x5xf32>
}

// CHECK-LABEL: func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>, %y: tensor<4x5xf32>) -> (tensor<2x3x5xf32>, tensor<3xi64>, tensor<6x4xf32>, tensor<4x3x2xf32>, tensor<2x6x4xf32>, tensor<1x3x2xf32>) {
  %mm = graph.matmul %x, %y : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  %sm = graph.softmax %mm {axis = 2 : i64} : tensor<2x3x5xf32>
  %s = graph.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %r = graph.reshape %x : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %t = graph.transpose %x {perm = array<i64: 2, 1, 0>} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %c = graph.concat %x, %x {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
  %l = graph.slice %x {starts = array<i64: 1, 0, 1>, steps = array<i64: 1, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<1x3x2xf32>
  %e = graph.exp %sm : tensor<2x3x5xf32>
  %d = graph.div %e, %sm : (tensor<2x3x5xf32>, tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  return %d, %s, %r, %t, %c, %l : tensor<2x3x5xf32>, tensor<3xi64>, tensor<6x4xf32>, tensor<4x3x2xf32>, tensor<2x6x4xf32>, tensor<1x3x2xf32>
}
