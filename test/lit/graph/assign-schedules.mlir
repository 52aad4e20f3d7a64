// RUN: strata-opt %s --graph-fuse --graph-assign-schedules=target=x86-64-avx2 | FileCheck %s --check-prefix=AVX2
// RUN: strata-opt %s --graph-fuse --graph-assign-schedules=target=x86-64-avx512 | FileCheck %s --check-prefix=AVX512

// Tests that every kernel gets its anchor's default template, with knobs computed from the target
// (lanes, registers) and the workload: the 6-wide conv output takes 4 lanes and one vector per
// block, its 4 channels one 4-channel block; the wide one takes the target's full block.
// AVX2: graph.kernel "conv2d_0" anchor "conv2d" schedule {oc_block = 4 : i64, ow_block = 1 : i64, pack_input = 1 : i64, template = "conv2d_direct", unroll_kw = 1 : i64, vector = 4 : i64}
// AVX2: graph.kernel "elementwise_0" anchor "elementwise" schedule {template = "injective", vector = 8 : i64}
// AVX2: graph.kernel "conv2d_1" anchor "conv2d" schedule {oc_block = 6 : i64, ow_block = 2 : i64, pack_input = 1 : i64, template = "conv2d_direct", unroll_kw = 0 : i64, vector = 8 : i64}
// AVX2: graph.kernel "matmul_0" anchor "matmul" schedule {mr = 6 : i64, nr = 2 : i64, pack_b = 1 : i64, template = "matmul_blocked", vector = 8 : i64}
// AVX512: graph.kernel "elementwise_0" anchor "elementwise" schedule {template = "injective", vector = 16 : i64}
// AVX512: graph.kernel "conv2d_1" anchor "conv2d" schedule {oc_block = 6 : i64, ow_block = 4 : i64, pack_input = 1 : i64, template = "conv2d_direct", unroll_kw = 0 : i64, vector = 16 : i64}
// AVX512: graph.kernel "matmul_0" anchor "matmul" schedule {mr = 6 : i64, nr = 4 : i64, pack_b = 1 : i64, template = "matmul_blocked", vector = 16 : i64}
func.func @two(%x: tensor<1x4x6x6xf32>, %y: tensor<1x4x6x6xf32>, %z: tensor<1x8x64x64xf32>, %a: tensor<32x16xf32>, %b: tensor<16x128xf32>)
    -> (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x16x64x64xf32>, tensor<32x128xf32>) {
  %w = graph.constant dense<0.5> : tensor<4x4x3x3xf32>
  %c = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  %s = graph.sigmoid %y : tensor<1x4x6x6xf32>
  %w1 = graph.constant dense<0.5> : tensor<16x8x1x1xf32>
  %c1 = graph.conv2d %z, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x8x64x64xf32>, tensor<16x8x1x1xf32>) -> tensor<1x16x64x64xf32>
  %m = graph.matmul %a, %b : (tensor<32x16xf32>, tensor<16x128xf32>) -> tensor<32x128xf32>
  return %c, %s, %c1, %m : tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x16x64x64xf32>, tensor<32x128xf32>
}

// A schedule written by hand (or from a tuning log) that sets some knobs keeps them; the others
// take their defaults.
// AVX2: graph.kernel "matmul_9" anchor "matmul" schedule {mr = 4 : i64, nr = 2 : i64, pack_b = 1 : i64, template = "matmul_blocked", vector = 8 : i64}
func.func @partial(%x: tensor<64x64xf32>, %y: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = graph.kernel "matmul_9" anchor "matmul" schedule {template = "matmul_blocked", mr = 4 : i64} (%x, %y) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>):
    %1 = graph.matmul %a, %b : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    graph.yield %1 : tensor<64x64xf32>
  }
  return %0 : tensor<64x64xf32>
}
