// RUN: strata-opt %s --graph-fuse --graph-assign-schedules=vector-width=8 | FileCheck %s

// Tests that every kernel gets its anchor's default template and knobs.
// CHECK: graph.kernel "conv2d_0" anchor "conv2d" schedule {oc_block = 6 : i64, ow_block = 2 : i64, pack_input = 1 : i64, template = "conv2d_direct", unroll_kw = 1 : i64, vector = 8 : i64}
// CHECK: graph.kernel "elementwise_0" anchor "elementwise" schedule {template = "injective", vector = 8 : i64}
func.func @two(%x: tensor<1x4x6x6xf32>, %y: tensor<1x4x6x6xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) {
  %w = graph.constant dense<0.5> : tensor<4x4x3x3xf32>
  %c = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  %s = graph.sigmoid %y : tensor<1x4x6x6xf32>
  return %c, %s : tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>
}
