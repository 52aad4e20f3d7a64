// RUN: strata-opt %s --graph-fuse | FileCheck %s

// Tests that a conv's bias-free epilogue (activation, residual add) fuses into one kernel,
// and that a broadcasting consumer starts a kernel of its own.
// CHECK-LABEL: func @conv_epilogue
// CHECK: %[[K:.*]] = graph.kernel "conv2d_0" anchor "conv2d"(%arg0, %{{.*}})
// CHECK:   graph.conv2d
// CHECK:   graph.hard_swish
// CHECK:   graph.add
// CHECK:   graph.yield
// CHECK: %[[G:.*]] = graph.kernel "reduce_mean_0" anchor "reduce_mean"(%[[K]])
// CHECK: graph.kernel "elementwise_0" anchor "elementwise"(%[[K]], %[[G]])
// CHECK:   graph.mul
// CHECK-NOT: graph.kernel
func.func @conv_epilogue(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32> {
  %w = graph.constant dense<0.5> : tensor<4x4x3x3xf32>
  %c = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  %h = graph.hard_swish %c : tensor<1x4x6x6xf32>
  %r = graph.add %h, %x : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %g = graph.reduce_mean %r {axes = array<i64: 2, 3>, keepdims = true} : (tensor<1x4x6x6xf32>) -> tensor<1x4x1x1xf32>
  %m = graph.mul %r, %g : (tensor<1x4x6x6xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x6x6xf32>
  return %m : tensor<1x4x6x6xf32>
}

// Tests that a value used twice ends its kernel (no recomputation of the anchor).
// CHECK-LABEL: func @shared_result
// CHECK: %[[M:.*]] = graph.kernel "matmul_0" anchor "matmul"
// CHECK-NOT: graph.relu
// CHECK: graph.yield
// CHECK: graph.kernel "elementwise_0" anchor "elementwise"(%[[M]])
// CHECK: graph.kernel "elementwise_1" anchor "elementwise"(%[[M]])
func.func @shared_result(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %m = graph.matmul %a, %b : (tensor<4x8xf32>, tensor<8x3xf32>) -> tensor<4x3xf32>
  %r = graph.relu %m : tensor<4x3xf32>
  %s = graph.sigmoid %m : tensor<4x3xf32>
  return %r, %s : tensor<4x3xf32>, tensor<4x3xf32>
}

// Tests that an injective kernel absorbs the single-use injective producers of its other
// operands (two gather taps of a resize become one kernel), but not a producer used twice.
// CHECK-LABEL: func @injective_producers
// CHECK: %[[T:.*]] = graph.kernel "transpose_0" anchor "transpose"(%arg0)
// CHECK: graph.kernel "gather_0" anchor "gather"(%[[T]], %{{.*}}, %{{.*}})
// CHECK:   graph.gather
// CHECK:   graph.gather
// CHECK:   graph.add
// CHECK:   graph.yield
// CHECK-NOT: graph.kernel
func.func @injective_producers(%x: tensor<4x6xf32>) -> tensor<6x3xf32> {
  %t = graph.transpose %x {perm = array<i64: 1, 0>} : (tensor<4x6xf32>) -> tensor<6x4xf32>
  %i0 = graph.constant dense<[0, 1, 2]> : tensor<3xi64>
  %i1 = graph.constant dense<[1, 2, 3]> : tensor<3xi64>
  %a = graph.gather %t, %i0 {axis = 1 : i64} : (tensor<6x4xf32>, tensor<3xi64>) -> tensor<6x3xf32>
  %b = graph.gather %t, %i1 {axis = 1 : i64} : (tensor<6x4xf32>, tensor<3xi64>) -> tensor<6x3xf32>
  %s = graph.add %a, %b : (tensor<6x3xf32>, tensor<6x3xf32>) -> tensor<6x3xf32>
  return %s : tensor<6x3xf32>
}

// Tests that a reduction absorbs the elementwise ops that only compute its input (layer
// norm's square of the centred value, and a relu before it), but not one whose result is
// also used elsewhere (the subtraction); and that single-value constants are copied into the kernels that read them, not passed in.
// CHECK-LABEL: func @reduction_prologue
// CHECK: %[[D:.*]] = graph.kernel "elementwise_0" anchor "elementwise"(%arg0, %{{.*}}) : (tensor<2x16xf32>, tensor<2x1xf32>)
// CHECK:   graph.sub
// CHECK: %[[V:.*]] = graph.kernel "reduce_mean_1" anchor "reduce_mean"(%[[D]]) : (tensor<2x16xf32>) -> tensor<2x1xf32>
// CHECK:   graph.constant dense<2.000000e+00> : tensor<f32>
// CHECK:   graph.relu
// CHECK:   graph.pow
// CHECK:   graph.reduce_mean
// CHECK:   graph.yield
// CHECK: graph.kernel "elementwise_1" anchor "elementwise"(%[[D]], %[[V]])
// CHECK-NOT: graph.pow
func.func @reduction_prologue(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %two = graph.constant dense<2.0> : tensor<f32>
  %m = graph.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %d = graph.sub %x, %m : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  %r = graph.relu %d : tensor<2x16xf32>
  %p = graph.pow %r, %two : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %v = graph.reduce_mean %p {axes = array<i64: 1>, keepdims = true} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %y = graph.div %d, %v : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// Tests that an epilogue reading the anchor's result twice fuses (swish: x * sigmoid(x)), past
// an op in between that reads neither, which stays a kernel of its own.
// CHECK-LABEL: func @diamond_epilogue
// CHECK: %[[R:.*]] = graph.kernel "elementwise_0" anchor "elementwise"(%arg2)
// CHECK:   graph.relu
// CHECK: graph.kernel "matmul_0" anchor "matmul"(%arg0, %arg1, %[[R]])
// CHECK:   graph.matmul
// CHECK:   graph.sigmoid
// CHECK:   graph.mul
// CHECK:   graph.add
// CHECK:   graph.yield
// CHECK-NOT: graph.kernel
func.func @diamond_epilogue(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>, %c: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %m = graph.matmul %a, %b : (tensor<4x8xf32>, tensor<8x3xf32>) -> tensor<4x3xf32>
  %s = graph.sigmoid %m : tensor<4x3xf32>
  %r = graph.relu %c : tensor<4x3xf32>
  %y = graph.mul %m, %s : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  %z = graph.add %y, %r : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return %z : tensor<4x3xf32>
}

// Tests that an epilogue whose inner value is also read outside it does not fuse: the sigmoid
// is returned too, so neither it nor the product joins the matmul (each would be computed
// twice, or the kernel would need two results).
// CHECK-LABEL: func @diamond_escapes
// CHECK: %[[M:.*]] = graph.kernel "matmul_0" anchor "matmul"(%arg0, %arg1)
// CHECK-NOT: graph.sigmoid
// CHECK: graph.yield
// CHECK: %[[S:.*]] = graph.kernel "elementwise_0" anchor "elementwise"(%[[M]])
// CHECK:   graph.sigmoid
// CHECK-NOT: graph.mul
// CHECK: graph.kernel "elementwise_1" anchor "elementwise"(%[[M]], %[[S]])
// CHECK:   graph.mul
func.func @diamond_escapes(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %m = graph.matmul %a, %b : (tensor<4x8xf32>, tensor<8x3xf32>) -> tensor<4x3xf32>
  %s = graph.sigmoid %m : tensor<4x3xf32>
  %y = graph.mul %m, %s : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y, %s : tensor<4x3xf32>, tensor<4x3xf32>
}
