// RUN: strata-opt %s -split-input-file -verify-diagnostics --graph-assign-schedules=target=x86-64-avx2
// Tests that a schedule attribute is verified against the template registry: unknown templates
// and knobs, values outside a knob's space for the kernel and target, and knob combinations the
// register file cannot hold are errors naming the kernel and the knob.

func.func @unknown_knob(%x: tensor<64x64xf32>, %y: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @+1 {{kernel 'matmul_0': schedule template 'matmul_blocked' has no knob 'kc' (knobs: vector, mr, nr, pack_b)}}
  %0 = graph.kernel "matmul_0" anchor "matmul" schedule {template = "matmul_blocked", kc = 64 : i64} (%x, %y) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>):
    %1 = graph.matmul %a, %b : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    graph.yield %1 : tensor<64x64xf32>
  }
  return %0 : tensor<64x64xf32>
}

// -----

func.func @out_of_space(%x: tensor<64x64xf32>, %y: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @+1 {{kernel 'matmul_0': schedule template 'matmul_blocked': knob 'vector' = 16 is outside its space for this kernel (valid: 1, 2, 4, 8)}}
  %0 = graph.kernel "matmul_0" anchor "matmul" schedule {template = "matmul_blocked", vector = 16 : i64} (%x, %y) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>):
    %1 = graph.matmul %a, %b : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    graph.yield %1 : tensor<64x64xf32>
  }
  return %0 : tensor<64x64xf32>
}

// -----

func.func @too_many_registers(%x: tensor<64x64xf32>, %y: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @+1 {{kernel 'matmul_0': schedule template 'matmul_blocked': mr * nr + nr + 1 = 37 vector registers, the target has 16}}
  %0 = graph.kernel "matmul_0" anchor "matmul" schedule {template = "matmul_blocked", mr = 8 : i64, nr = 4 : i64} (%x, %y) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>):
    %1 = graph.matmul %a, %b : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    graph.yield %1 : tensor<64x64xf32>
  }
  return %0 : tensor<64x64xf32>
}

// -----

func.func @wrong_anchor(%x: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @+1 {{kernel 'elementwise_0': schedule template 'matmul_blocked' does not schedule this elementwise kernel}}
  %0 = graph.kernel "elementwise_0" anchor "elementwise" schedule {template = "matmul_blocked"} (%x) : (tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<64x64xf32>):
    %1 = graph.relu %a : tensor<64x64xf32>
    graph.yield %1 : tensor<64x64xf32>
  }
  return %0 : tensor<64x64xf32>
}

// -----

func.func @unknown_template(%x: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @+1 {{kernel 'elementwise_0': unknown schedule template 'tiled' (templates: matmul_blocked, matmul_packed, conv2d_direct, conv2d_blocked, depthwise_blocked, injective, gpu_matmul, gpu_conv, gpu_softmax, gpu_simt)}}
  %0 = graph.kernel "elementwise_0" anchor "elementwise" schedule {template = "tiled"} (%x) : (tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<64x64xf32>):
    %1 = graph.relu %a : tensor<64x64xf32>
    graph.yield %1 : tensor<64x64xf32>
  }
  return %0 : tensor<64x64xf32>
}

// -----

func.func @not_an_integer(%x: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @+1 {{kernel 'elementwise_0': schedule knob 'vector' is not an integer}}
  %0 = graph.kernel "elementwise_0" anchor "elementwise" schedule {template = "injective", vector = "wide"} (%x) : (tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<64x64xf32>):
    %1 = graph.relu %a : tensor<64x64xf32>
    graph.yield %1 : tensor<64x64xf32>
  }
  return %0 : tensor<64x64xf32>
}
