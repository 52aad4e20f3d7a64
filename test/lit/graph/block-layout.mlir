// RUN: strata-opt %s --graph-block-layout=block=8 | FileCheck %s

// Tests that a conv chain runs on channel-blocked tensors: the input is converted once
// (reshape + transpose), the filter is packed at compile time into [O/8, C/8, KH, KW, 8, 8]
// (depthwise [C/8, 1, KH, KW, 1, 8]) and the bias into [O/8, 8], the elementwise ops and the
// global average pool follow in blocked form (a per-channel constant re-laid out, a scalar kept),
// and only the plain consumers (the max pool, the return) read through a conversion back.
// CHECK-LABEL: func.func @chain
// CHECK: %[[R:.*]] = graph.reshape %arg0 : (tensor<1x16x6x10xf32>) -> tensor<1x2x8x6x10xf32>
// CHECK: %[[X:.*]] = graph.transpose %[[R]] {perm = array<i64: 0, 1, 3, 4, 2>} : (tensor<1x2x8x6x10xf32>) -> tensor<1x2x6x10x8xf32>
// CHECK: %[[W:.*]] = graph.constant {{.*}} : tensor<2x2x3x3x8x8xf32>
// CHECK: %[[B:.*]] = graph.constant {{.*}} : tensor<2x8xf32>
// CHECK: %[[C:.*]] = graph.conv2d_blocked %[[X]], %[[W]], %[[B]] {{.*}} : (tensor<1x2x6x10x8xf32>, tensor<2x2x3x3x8x8xf32>, tensor<2x8xf32>) -> tensor<1x2x6x10x8xf32>
// CHECK: %[[A:.*]] = graph.relu %[[C]] : tensor<1x2x6x10x8xf32>
// CHECK: %[[S:.*]] = graph.constant {{.*}} : tensor<1x2x1x1x8xf32>
// CHECK: %[[M:.*]] = graph.mul %[[A]], %[[S]] : (tensor<1x2x6x10x8xf32>, tensor<1x2x1x1x8xf32>) -> tensor<1x2x6x10x8xf32>
// CHECK: %[[H:.*]] = graph.add %[[M]], %{{.*}} : (tensor<1x2x6x10x8xf32>, tensor<f32>) -> tensor<1x2x6x10x8xf32>
// CHECK: %[[DW:.*]] = graph.constant {{.*}} : tensor<2x1x3x3x1x8xf32>
// CHECK: %[[D:.*]] = graph.conv2d_blocked %[[H]], %[[DW]] {{.*}}groups = 16 : i64{{.*}} -> tensor<1x2x6x10x8xf32>
// CHECK: %[[G:.*]] = graph.reduce_mean %[[D]] {axes = array<i64: 2, 3>, keepdims = true} : (tensor<1x2x6x10x8xf32>) -> tensor<1x2x1x1x8xf32>
// CHECK: graph.transpose %[[G]] {perm = array<i64: 0, 1, 4, 2, 3>}
// CHECK: %[[P:.*]] = graph.max_pool %[[D]] {{.*}} : (tensor<1x2x6x10x8xf32>) -> tensor<1x2x3x5x8xf32>
// CHECK: graph.transpose %[[P]] {perm = array<i64: 0, 1, 4, 2, 3>}
// CHECK-NOT: graph.conv2d %
// CHECK: return
func.func @chain(%x: tensor<1x16x6x10xf32>) -> (tensor<1x16x1x1xf32>, tensor<1x16x3x5xf32>) {
  %w = graph.constant dense<0.5> : tensor<16x16x3x3xf32>
  %b = graph.constant dense<0.25> : tensor<16xf32>
  %c = graph.conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x16x6x10xf32>, tensor<16x16x3x3xf32>, tensor<16xf32>) -> tensor<1x16x6x10xf32>
  %a = graph.relu %c : tensor<1x16x6x10xf32>
  %s = graph.constant dense<2.0> : tensor<16x1x1xf32>
  %m = graph.mul %a, %s : (tensor<1x16x6x10xf32>, tensor<16x1x1xf32>) -> tensor<1x16x6x10xf32>
  %one = graph.constant dense<1.0> : tensor<f32>
  %h = graph.add %m, %one : (tensor<1x16x6x10xf32>, tensor<f32>) -> tensor<1x16x6x10xf32>
  %dw = graph.constant dense<0.1> : tensor<16x1x3x3xf32>
  %d = graph.conv2d %h, %dw {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 16 : i64} : (tensor<1x16x6x10xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x6x10xf32>
  %g = graph.reduce_mean %d {axes = array<i64: 2, 3>, keepdims = true} : (tensor<1x16x6x10xf32>) -> tensor<1x16x1x1xf32>
  %p = graph.max_pool %d {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x16x6x10xf32>) -> tensor<1x16x3x5xf32>
  return %g, %p : tensor<1x16x1x1xf32>, tensor<1x16x3x5xf32>
}

// Output channels the block does not divide (12 -> 20) are padded to whole blocks (3 x 8, the
// filter zero-padded) and cut back to 20 right after the conv; the 12 input channels are read as
// blocks of one. Grouped convs that are not depthwise stay plain.
// CHECK-LABEL: func.func @padded
// CHECK: %[[X:.*]] = graph.reshape %arg0 : (tensor<1x12x6x10xf32>) -> tensor<1x12x6x10x1xf32>
// CHECK: %[[W:.*]] = graph.constant {{.*}} : tensor<3x12x3x3x1x8xf32>
// CHECK: %[[C:.*]] = graph.conv2d_blocked %[[X]], %[[W]] {{.*}} -> tensor<1x3x6x10x8xf32>
// CHECK: %[[T:.*]] = graph.transpose %[[C]] {perm = array<i64: 0, 1, 4, 2, 3>} : (tensor<1x3x6x10x8xf32>) -> tensor<1x3x8x6x10xf32>
// CHECK: %[[R:.*]] = graph.reshape %[[T]] : (tensor<1x3x8x6x10xf32>) -> tensor<1x24x6x10xf32>
// CHECK: %[[S:.*]] = graph.slice %[[R]] {{.*}} : (tensor<1x24x6x10xf32>) -> tensor<1x20x6x10xf32>
// CHECK: graph.conv2d %arg1, {{.*}}groups = 4
// CHECK: return %[[S]]
func.func @padded(%x: tensor<1x12x6x10xf32>, %y: tensor<1x16x6x10xf32>) -> (tensor<1x20x6x10xf32>, tensor<1x16x6x10xf32>) {
  %w = graph.constant dense<0.5> : tensor<20x12x3x3xf32>
  %c = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x12x6x10xf32>, tensor<20x12x3x3xf32>) -> tensor<1x20x6x10xf32>
  %gw = graph.constant dense<0.5> : tensor<16x4x3x3xf32>
  %g = graph.conv2d %y, %gw {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 4 : i64} : (tensor<1x16x6x10xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x6x10xf32>
  return %c, %g : tensor<1x20x6x10xf32>, tensor<1x16x6x10xf32>
}

// An input whose channels do not block (a stem's 3 colours) is read in place as blocks of one
// channel: a reshape, no transpose; the filter is [O/b, C, KH, KW, 1, b].
// CHECK-LABEL: func.func @stem
// CHECK: %[[X:.*]] = graph.reshape %arg0 : (tensor<1x3x12x10xf32>) -> tensor<1x3x12x10x1xf32>
// CHECK: %[[W:.*]] = graph.constant {{.*}} : tensor<2x3x3x3x1x8xf32>
// CHECK: graph.conv2d_blocked %[[X]], %[[W]] {{.*}} : (tensor<1x3x12x10x1xf32>, tensor<2x3x3x3x1x8xf32>) -> tensor<1x2x6x5x8xf32>
func.func @stem(%x: tensor<1x3x12x10xf32>) -> tensor<1x16x6x5xf32> {
  %w = graph.constant dense<0.5> : tensor<16x3x3x3xf32>
  %c = graph.conv2d %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x12x10xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x6x5xf32>
  return %c : tensor<1x16x6x5xf32>
}

// Nearest resizes (gathers along H and W with constant indices) and concats of channels stay
// blocked; the concat converts its plain part, and a gather along channels stays plain.
// CHECK-LABEL: func.func @fpn
// CHECK: %[[YR:.*]] = graph.reshape %arg1 : (tensor<1x8x8x8xf32>) -> tensor<1x1x8x8x8xf32>
// CHECK: %[[Y:.*]] = graph.transpose %[[YR]]
// CHECK: %[[C:.*]] = graph.conv2d_blocked {{.*}} -> tensor<1x2x4x4x8xf32>
// CHECK: %[[G:.*]] = graph.gather %[[C]], %{{.*}} {axis = 2 : i64} : (tensor<1x2x4x4x8xf32>, tensor<8xi64>) -> tensor<1x2x8x4x8xf32>
// CHECK: %[[G2:.*]] = graph.gather %[[G]], %{{.*}} {axis = 3 : i64} : (tensor<1x2x8x4x8xf32>, tensor<8xi64>) -> tensor<1x2x8x8x8xf32>
// CHECK: graph.concat %[[G2]], %[[Y]] {axis = 1 : i64} : (tensor<1x2x8x8x8xf32>, tensor<1x1x8x8x8xf32>) -> tensor<1x3x8x8x8xf32>
// CHECK: graph.gather %{{.*}} {axis = 1 : i64} : (tensor<1x16x4x4xf32>, tensor<8xi64>) -> tensor<1x8x4x4xf32>
func.func @fpn(%x: tensor<1x16x4x4xf32>, %y: tensor<1x8x8x8xf32>) -> (tensor<1x24x8x8xf32>, tensor<1x8x4x4xf32>) {
  %w = graph.constant dense<0.5> : tensor<16x16x1x1xf32>
  %c = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x16x4x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x4x4xf32>
  %i = graph.constant dense<[0, 0, 1, 1, 2, 2, 3, 3]> : tensor<8xi64>
  %g = graph.gather %c, %i {axis = 2 : i64} : (tensor<1x16x4x4xf32>, tensor<8xi64>) -> tensor<1x16x8x4xf32>
  %g2 = graph.gather %g, %i {axis = 3 : i64} : (tensor<1x16x8x4xf32>, tensor<8xi64>) -> tensor<1x16x8x8xf32>
  %cat = graph.concat %g2, %y {axis = 1 : i64} : (tensor<1x16x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x24x8x8xf32>
  %gc = graph.gather %c, %i {axis = 1 : i64} : (tensor<1x16x4x4xf32>, tensor<8xi64>) -> tensor<1x8x4x4xf32>
  return %cat, %gc : tensor<1x24x8x8xf32>, tensor<1x8x4x4xf32>
}

// A depth-to-space of phase-major channels (the sub-pixel ConvTranspose's) on a blocked value
// stays blocked: whole 8-channel vectors move.
// CHECK-LABEL: func.func @depth_to_space
// CHECK: %[[C:.*]] = graph.conv2d_blocked {{.*}} -> tensor<1x4x3x5x8xf32>
// CHECK: %[[S:.*]] = graph.reshape %[[C]] : (tensor<1x4x3x5x8xf32>) -> tensor<1x2x2x1x3x5x8xf32>
// CHECK: %[[T:.*]] = graph.transpose %[[S]] {perm = array<i64: 0, 3, 4, 1, 5, 2, 6>} : (tensor<1x2x2x1x3x5x8xf32>) -> tensor<1x1x3x2x5x2x8xf32>
// CHECK: %[[M:.*]] = graph.reshape %[[T]] : (tensor<1x1x3x2x5x2x8xf32>) -> tensor<1x1x6x10x8xf32>
// CHECK: graph.relu %[[M]] : tensor<1x1x6x10x8xf32>
// CHECK-NOT: graph.transpose %{{.*}} {perm = array<i64: 0, 3, 4, 1, 5, 2>}
// CHECK: return
func.func @depth_to_space(%x: tensor<1x8x3x5xf32>) -> tensor<1x8x6x10xf32> {
  %w = graph.constant dense<0.5> : tensor<32x8x1x1xf32>
  %c = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x8x3x5xf32>, tensor<32x8x1x1xf32>) -> tensor<1x32x3x5xf32>
  %s = graph.reshape %c : (tensor<1x32x3x5xf32>) -> tensor<1x2x2x8x3x5xf32>
  %t = graph.transpose %s {perm = array<i64: 0, 3, 4, 1, 5, 2>} : (tensor<1x2x2x8x3x5xf32>) -> tensor<1x8x3x2x5x2xf32>
  %m = graph.reshape %t : (tensor<1x8x3x2x5x2xf32>) -> tensor<1x8x6x10xf32>
  %r = graph.relu %m : tensor<1x8x6x10xf32>
  return %r : tensor<1x8x6x10xf32>
}

// Tests that a matmul by a constant [K, N] matrix runs on its column panels, packed at compile
// time into [ceil(N/8), K, 8]: the bias (a per-column constant) follows on the panel form,
// re-laid out to [6, 8] with zero padding, the relu too; a reshape (a view) and a slice to the
// 45 real columns give the plain result back, which the run-time Sub reads.
// CHECK-LABEL: func.func @matmul_panels
// CHECK: %[[W:.*]] = graph.constant {{.*}} : tensor<6x37x8xf32>
// CHECK: %[[M:.*]] = graph.matmul_packed %arg0, %[[W]] : (tensor<2x5x37xf32>, tensor<6x37x8xf32>) -> tensor<2x5x6x8xf32>
// CHECK: %[[B:.*]] = graph.constant {{.*}} : tensor<6x8xf32>
// CHECK: %[[A:.*]] = graph.add %[[B]], %[[M]] : (tensor<6x8xf32>, tensor<2x5x6x8xf32>) -> tensor<2x5x6x8xf32>
// CHECK: %[[R:.*]] = graph.relu %[[A]] : tensor<2x5x6x8xf32>
// CHECK: %[[V:.*]] = graph.reshape %[[R]] : (tensor<2x5x6x8xf32>) -> tensor<2x5x48xf32>
// CHECK: %[[S:.*]] = graph.slice %[[V]] {{.*}} : (tensor<2x5x48xf32>) -> tensor<2x5x45xf32>
// CHECK: graph.sub %[[S]], %arg1
// CHECK-NOT: graph.matmul %
func.func @matmul_panels(%x: tensor<2x5x37xf32>, %y: tensor<2x5x45xf32>) -> tensor<2x5x45xf32> {
  %w = graph.constant dense<0.5> : tensor<37x45xf32>
  %b = graph.constant dense<0.25> : tensor<45xf32>
  %m = graph.matmul %x, %w : (tensor<2x5x37xf32>, tensor<37x45xf32>) -> tensor<2x5x45xf32>
  %a = graph.add %b, %m : (tensor<45xf32>, tensor<2x5x45xf32>) -> tensor<2x5x45xf32>
  %r = graph.relu %a : tensor<2x5x45xf32>
  %s = graph.sub %r, %y : (tensor<2x5x45xf32>, tensor<2x5x45xf32>) -> tensor<2x5x45xf32>
  return %s : tensor<2x5x45xf32>
}

// Tests that a matmul with a few columns that do not fill panels (9 < 4 x 8) stays plain, and
// so does one by a run-time matrix.
// CHECK-LABEL: func.func @matmul_plain
// CHECK: graph.matmul %arg0, %{{.*}} : (tensor<3x16xf32>, tensor<16x9xf32>) -> tensor<3x9xf32>
// CHECK: graph.matmul %arg0, %arg1
// CHECK-NOT: graph.matmul_packed
func.func @matmul_plain(%x: tensor<3x16xf32>, %z: tensor<16x64xf32>) -> (tensor<3x9xf32>, tensor<3x64xf32>) {
  %w = graph.constant dense<0.5> : tensor<16x9xf32>
  %m = graph.matmul %x, %w : (tensor<3x16xf32>, tensor<16x9xf32>) -> tensor<3x9xf32>
  %n = graph.matmul %x, %z : (tensor<3x16xf32>, tensor<16x64xf32>) -> tensor<3x64xf32>
  return %m, %n : tensor<3x9xf32>, tensor<3x64xf32>
}

// Tests that a pad between blocked values stays blocked: the concat along H with a constant fill
// (re-laid out to [1, 2, 1, 6, 8]), the reversed slice of a reflection (starts and steps get the
// lane axis), the expand of an edge row, and a slice of whole channel blocks (channel start
// 8 -> block 1); only the model's output reads through a conversion.
// CHECK-LABEL: func.func @pad_blocked
// CHECK: %[[C:.*]] = graph.conv2d_blocked
// CHECK: %[[R:.*]] = graph.slice %[[C]] {starts = array<i64: 0, 0, 2, 0, 0>, steps = array<i64: 1, 1, -1, 1, 1>} : (tensor<1x2x4x6x8xf32>) -> tensor<1x2x2x6x8xf32>
// CHECK: %[[E:.*]] = graph.slice %[[C]] {starts = array<i64: 0, 0, 3, 0, 0>, steps = array<i64: 1, 1, 1, 1, 1>} : (tensor<1x2x4x6x8xf32>) -> tensor<1x2x1x6x8xf32>
// CHECK: %[[X:.*]] = graph.expand %[[E]] : (tensor<1x2x1x6x8xf32>) -> tensor<1x2x2x6x8xf32>
// CHECK: %[[F:.*]] = graph.constant {{.*}} : tensor<1x2x1x6x8xf32>
// CHECK: %[[P:.*]] = graph.concat %[[F]], %[[R]], %[[C]], %[[X]] {axis = 2 : i64} : {{.*}} -> tensor<1x2x9x6x8xf32>
// CHECK: %[[S:.*]] = graph.slice %[[P]] {starts = array<i64: 0, 1, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1, 1>} : (tensor<1x2x9x6x8xf32>) -> tensor<1x1x9x6x8xf32>
// CHECK: graph.transpose %[[S]]
// CHECK: return
func.func @pad_blocked(%x: tensor<1x16x4x6xf32>) -> tensor<1x8x9x6xf32> {
  %w = graph.constant dense<0.5> : tensor<16x16x3x3xf32>
  %c = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x16x4x6xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x4x6xf32>
  %fill = graph.constant dense<0.25> : tensor<1x16x1x6xf32>
  %r = graph.slice %c {starts = array<i64: 0, 0, 2, 0>, steps = array<i64: 1, 1, -1, 1>} : (tensor<1x16x4x6xf32>) -> tensor<1x16x2x6xf32>
  %e = graph.slice %c {starts = array<i64: 0, 0, 3, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x16x4x6xf32>) -> tensor<1x16x1x6xf32>
  %x2 = graph.expand %e : (tensor<1x16x1x6xf32>) -> tensor<1x16x2x6xf32>
  %p = graph.concat %fill, %r, %c, %x2 {axis = 2 : i64} : (tensor<1x16x1x6xf32>, tensor<1x16x2x6xf32>, tensor<1x16x4x6xf32>, tensor<1x16x2x6xf32>) -> tensor<1x16x9x6xf32>
  %s = graph.slice %p {starts = array<i64: 0, 8, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x16x9x6xf32>) -> tensor<1x8x9x6xf32>
  return %s : tensor<1x8x9x6xf32>
}
