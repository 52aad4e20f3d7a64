// RUN: strata-opt %s --graph-fold-constants -split-input-file | FileCheck %s

// Tests that a batch norm after a conv with constant weights folds into the conv.
// CHECK-LABEL: func @bn_into_conv
// CHECK-NOT: graph.batch_norm
// CHECK: %[[W:.*]] = graph.constant dense<2.000000e+00> : tensor<2x1x1x1xf32>
// CHECK: %[[B:.*]] = graph.constant dense<-1.000000e+00> : tensor<2xf32>
// CHECK: %[[C:.*]] = graph.conv2d %arg0, %[[W]], %[[B]]
// CHECK: return %[[C]]
func.func @bn_into_conv(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = graph.constant dense<1.0> : tensor<2x1x1x1xf32>
  %scale = graph.constant dense<2.0> : tensor<2xf32>
  %bias = graph.constant dense<1.0> : tensor<2xf32>
  %mean = graph.constant dense<1.0> : tensor<2xf32>
  %var = graph.constant dense<1.0> : tensor<2xf32>
  %c = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = graph.batch_norm %c, %scale, %bias, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Tests that a batch norm with no conv before it becomes a mul and an add.
// CHECK-LABEL: func @bn_alone
// CHECK: %[[S:.*]] = graph.constant dense<2.000000e+00> : tensor<1x2x1x1xf32>
// CHECK: %[[M:.*]] = graph.mul %arg0, %[[S]]
// CHECK: %[[T:.*]] = graph.constant dense<-1.000000e+00> : tensor<1x2x1x1xf32>
// CHECK: graph.add %[[M]], %[[T]]
func.func @bn_alone(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %scale = graph.constant dense<2.0> : tensor<2xf32>
  %bias = graph.constant dense<1.0> : tensor<2xf32>
  %mean = graph.constant dense<1.0> : tensor<2xf32>
  %var = graph.constant dense<1.0> : tensor<2xf32>
  %y = graph.batch_norm %x, %scale, %bias, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Tests that a shape subgraph (Shape -> Slice -> Concat -> Cast) becomes one constant
// and that dead ops disappear.
// CHECK-LABEL: func @shape_chain
// CHECK-NEXT: %[[C:.*]] = graph.constant dense<[2, -1]> : tensor<2xi64>
// CHECK-NEXT: return %[[C]]
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  %s = graph.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %first = graph.slice %s {starts = array<i64: 0>, steps = array<i64: 1>} : (tensor<3xi64>) -> tensor<1xi64>
  %m1 = graph.constant dense<-1> : tensor<1xi64>
  %c = graph.concat %first, %m1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %f = graph.cast %c : (tensor<2xi64>) -> tensor<2xf32>
  %i = graph.cast %f : (tensor<2xf32>) -> tensor<2xi64>
  return %i : tensor<2xi64>
}

// -----

// Tests that arithmetic on constants folds with numpy broadcasting.
// CHECK-LABEL: func @arith
// CHECK-NEXT: graph.constant dense<{{\[}}[4.000000e+00, 5.000000e+00], [4.000000e+00, 5.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: return
func.func @arith() -> tensor<2x2xf32> {
  %a = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = graph.constant dense<3.0> : tensor<2x1xf32>
  %c = graph.add %a, %b : (tensor<2xf32>, tensor<2x1xf32>) -> tensor<2x2xf32>
  return %c : tensor<2x2xf32>
}
