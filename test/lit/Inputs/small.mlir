func.func @main(%x: tensor<2x5xf32> {strata.name = "x"}) -> (tensor<2x5xf32> {strata.name = "y"}) {
  %b = graph.constant dense<1.5> : tensor<5xf32>
  %0 = graph.mul %x, %b : (tensor<2x5xf32>, tensor<5xf32>) -> tensor<2x5xf32>
  %1 = graph.relu %0 : tensor<2x5xf32>
  return %1 : tensor<2x5xf32>
}
