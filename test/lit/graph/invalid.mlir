// RUN: strata-opt %s -split-input-file -verify-diagnostics
// Tests that each graph op verifier names the problem.

func.func @bad_broadcast(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'graph.add' op operand shapes [2,3] and [4,3] are not broadcast-compatible}}
  %0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @wrong_broadcast_result(%a: tensor<2x1xf32>, %b: tensor<3xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{'graph.mul' op result shape [2,1] should be the broadcast shape [2,3]}}
  %0 = graph.mul %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

func.func @conv_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'graph.conv2d' op groups 4 must divide input channels 6 and output channels 4}}
  %0 = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 4 : i64} : (tensor<1x6x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_channels(%x: tensor<1x6x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'graph.conv2d' op filter has 3 input channels per group but input has 6 channels in 1 group(s)}}
  %0 = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x6x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{'graph.conv2d' op result shape [1,4,8,8] should be [1,4,6,6]}}
  %0 = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'graph.conv2d' op bias shape [3] should be [4]}}
  %0 = graph.conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @matmul_k(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'graph.matmul' op contraction sizes differ: lhs [2,3] has K = 3, rhs [4,5] has K = 4}}
  %0 = graph.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @pool_shape(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'graph.max_pool' op result shape [1,2,2,2] should be [1,2,3,3]}}
  %0 = graph.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

func.func @reduce_axes(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'graph.reduce_sum' op axis 2 is out of range for rank 2}}
  %0 = graph.reduce_sum %x {axes = array<i64: 2>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'graph.reshape' op cannot reshape [2,3] (6 elements) into [4,2] (8 elements)}}
  %0 = graph.reshape %x : (tensor<2x3xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'graph.transpose' op perm is not a permutation of 0..1}}
  %0 = graph.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @concat_sum(%x: tensor<2x3xf32>) -> tensor<2x7xf32> {
  // expected-error @+1 {{'graph.concat' op inputs sum to 6 along axis 1, result has 7}}
  %0 = graph.concat %x, %x {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// -----

func.func @slice_bounds(%x: tensor<4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'graph.slice' op dim 0: 3 elements from 2 with step 1 exceed size 4}}
  %0 = graph.slice %x {starts = array<i64: 2>, steps = array<i64: 1>} : (tensor<4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @clip_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'graph.clip' op min 6.000000e+00 is greater than max 0.000000e+00}}
  %0 = graph.clip %x {min = 6.0 : f32, max = 0.0 : f32} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'graph.softmax' op axis 2 is out of range for rank 2}}
  %0 = graph.softmax %x {axis = 2 : i64} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bn_shape(%x: tensor<1x4x2x2xf32>, %s: tensor<3xf32>) -> tensor<1x4x2x2xf32> {
  // expected-error @+1 {{'graph.batch_norm' op scale, bias, mean and variance must have shape [4], got [3]}}
  %0 = graph.batch_norm %x, %s, %s, %s, %s {epsilon = 1.0e-5 : f32} : (tensor<1x4x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

func.func @blocked_conv_filter(%x: tensor<1x2x6x6x8xf32>, %w: tensor<2x2x3x3x8x4xf32>) -> tensor<1x2x6x6x8xf32> {
  // expected-error @+1 {{'graph.conv2d_blocked' op input, filter and result must have the same channel block 8}}
  %0 = graph.conv2d_blocked %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x6x6x8xf32>, tensor<2x2x3x3x8x4xf32>) -> tensor<1x2x6x6x8xf32>
  return %0 : tensor<1x2x6x6x8xf32>
}

// -----

func.func @blocked_conv_input_block(%x: tensor<1x4x6x6x4xf32>, %w: tensor<2x4x3x3x4x8xf32>) -> tensor<1x2x6x6x8xf32> {
  // expected-error @+1 {{'graph.conv2d_blocked' op input, filter and result must have the same channel block 8 (or, with groups = 1, an input block of 1)}}
  %0 = graph.conv2d_blocked %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x6x6x4xf32>, tensor<2x4x3x3x4x8xf32>) -> tensor<1x2x6x6x8xf32>
  return %0 : tensor<1x2x6x6x8xf32>
}

// -----

func.func @blocked_conv_groups(%x: tensor<1x2x6x6x8xf32>, %w: tensor<2x1x3x3x1x8xf32>) -> tensor<1x2x6x6x8xf32> {
  // expected-error @+1 {{'graph.conv2d_blocked' op groups 4 must be 1 or the channel count 16 (depthwise)}}
  %0 = graph.conv2d_blocked %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 4 : i64} : (tensor<1x2x6x6x8xf32>, tensor<2x1x3x3x1x8xf32>) -> tensor<1x2x6x6x8xf32>
  return %0 : tensor<1x2x6x6x8xf32>
}

// -----

func.func @blocked_conv_result(%x: tensor<1x2x6x6x8xf32>, %w: tensor<2x2x3x3x8x8xf32>) -> tensor<1x2x5x6x8xf32> {
  // expected-error @+1 {{'graph.conv2d_blocked' op result shape [1,2,5,6,8] should be [1,2,6,6,8]}}
  %0 = graph.conv2d_blocked %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x6x6x8xf32>, tensor<2x2x3x3x8x8xf32>) -> tensor<1x2x5x6x8xf32>
  return %0 : tensor<1x2x5x6x8xf32>
}

// -----

func.func @matmul_packed_k(%a: tensor<2x3xf32>, %b: tensor<4x5x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'graph.matmul_packed' op contraction sizes differ: lhs [2,3], rhs panels [4,5,8]}}
  %0 = graph.matmul_packed %a, %b : (tensor<2x3xf32>, tensor<4x5x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @matmul_packed_result(%a: tensor<2x3xf32>, %b: tensor<4x3x8xf32>) -> tensor<2x32xf32> {
  // expected-error @+1 {{'graph.matmul_packed' op result shape [2,32] should be [2,4,8]}}
  %0 = graph.matmul_packed %a, %b : (tensor<2x3xf32>, tensor<4x3x8xf32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}
