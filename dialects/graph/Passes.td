//===- Passes.td - graph dialect passes -----------------------------------===//
#ifndef STRATA_GRAPH_PASSES
#define STRATA_GRAPH_PASSES

include "mlir/Pass/PassBase.td"

def FoldConstants : Pass<"graph-fold-constants", "mlir::func::FuncOp"> {
  let summary = "evaluates constant subgraphs and folds batch norm into conv";
  let description = [{
    Every op whose operands are all constants is evaluated at compile time by
    the reference interpreter (shape subgraphs such as Shape -> Slice ->
    Concat -> Reshape become constants). A batch_norm whose input is a conv2d
    with constant filter (and bias) used nowhere else is folded into it:
    ```mlir
    %c = graph.conv2d %x, %w : ...
    %y = graph.batch_norm %c, %s, %b, %m, %v {epsilon = 1e-5 : f32} : ...
    ```
    becomes
    ```mlir
    %y = graph.conv2d %x, %w', %b' : ...   // w' = w * s/sqrt(v+eps), b' = b - m*s/sqrt(v+eps)
    ```
    Remaining batch norms become a mul and an add with constant per-channel
    factors. Dead ops are removed.
  }];
  let dependentDialects = ["::strata::graph::GraphDialect"];
  let options = [
    Option<"maxFoldElements", "max-fold-elements", "int64_t", "1 << 22",
           "do not fold ops whose result has more elements than this">
  ];
}

def BlockLayout : Pass<"graph-block-layout", "mlir::func::FuncOp"> {
  let summary = "runs convolution chains on channel-blocked tensors (NCHW{b})";
  let description = [{
    Every conv2d with constant weights whose channel counts are multiples of
    `block` (groups 1, or depthwise) becomes a conv2d_blocked on
    [N, C/b, H, W, b] tensors, its filter packed at compile time into the
    order the kernel reads it. Elementwise ops whose operands are blocked or
    constants, and global average pooling (reduce_mean over H and W), follow
    in blocked form, so whole chains stay blocked. A plain consumer reads the
    value through a conversion (transpose + reshape), emitted only where it
    is used; the first blocked op converts its plain input once.
    A matmul by a constant [K, N] matrix becomes a matmul_packed on its
    column panels of `block` (packed at compile time), with a per-column
    elementwise epilogue (bias) on the panel form.
    `block` is the widest block; a function whose convs block cleanly (no
    padding, no NCHW fallback) at half that width but not at it, for more
    than 2% of their FLOPs, is blocked narrower (down to 8).
  }];
  let options = [
    Option<"block", "block", "int64_t", "8", "the widest channel block (the target's f32 vector lanes); 0 disables the pass">
  ];
}

def Fuse : Pass<"graph-fuse", "mlir::func::FuncOp"> {
  let summary = "groups ops into graph.kernel regions";
  let description = [{
    Each conv2d, matmul, pooling, reduction and softmax anchors a kernel;
    elementwise consumers (bias, activation, residual add) whose only
    non-constant inputs come from the kernel are pulled in as its epilogue.
    Chains of elementwise ops without an anchor become `elementwise` kernels.
    Reshapes of a value are free (views) and stay outside kernels.
    ```mlir
    %c = graph.conv2d %x, %w, %b : ...
    %r = graph.relu %c : ...
    ```
    becomes
    ```mlir
    %r = graph.kernel "conv2d_0" anchor "conv2d" (%x, %w, %b) : ... {
      ...conv2d, relu...
      graph.yield %r
    }
    ```
  }];
  let dependentDialects = ["::strata::graph::GraphDialect"];
}


#endif // STRATA_GRAPH_PASSES
