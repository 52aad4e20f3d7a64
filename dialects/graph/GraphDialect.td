//===- GraphDialect.td - Strata's level-1 graph dialect -------------------===//
//
// Coarse deep-learning ops on static-shaped ranked tensors. Conv, matmul,
// pooling and reductions stay first-class so that fusion and scheduling see
// their structure; everything lowers to tensor expressions kernel by kernel.
//
//===----------------------------------------------------------------------===//
#ifndef STRATA_GRAPH_DIALECT
#define STRATA_GRAPH_DIALECT

include "mlir/IR/OpBase.td"

def Graph_Dialect : Dialect {
  let name = "graph";
  let summary = "Strata's graph dialect: coarse tensor ops with static shapes";
  let description = [{
    Values are builtin ranked tensors with static shapes. Element types are
    f32 for data and i64 for shape computations. Layout is NCHW for images and
    OIHW for convolution filters. Weights are `graph.constant` ops.
  }];
  let cppNamespace = "::strata::graph";
  let hasConstantMaterializer = 1;
}

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits>;

#endif // STRATA_GRAPH_DIALECT
