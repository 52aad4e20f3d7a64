//===- GraphOps.td - graph dialect operations -----------------------------===//
#ifndef STRATA_GRAPH_OPS
#define STRATA_GRAPH_OPS

include "dialects/graph/GraphDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

// Element types: f32 and i64 carry the computation; i1 holds booleans
// (comparisons, masks); narrower integers (i32, i16, i8, ui32, ui16, ui8)
// appear only at the model boundary and in casts, since they are computed in
// i64 (see docs/design.md).
def Graph_Tensor : StaticShapeTensorOf<[F32, I64, I32, I1, I16, I8, UI32, UI16, UI8]>;
def Graph_NumericTensor : StaticShapeTensorOf<[F32, I64]>;
def Graph_FloatTensor : StaticShapeTensorOf<[F32]>;
def Graph_BoolTensor : StaticShapeTensorOf<[I1]>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Graph_ConstantOp : Graph_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "result"]>]> {
  let summary = "a constant tensor (weights, shapes)";
  let description = [{
    ```mlir
    %w = graph.constant dense<1.0> : tensor<8x3x3x3xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// Binary ops broadcast their operands numpy-style; the result has the
// broadcast shape.
class Graph_BinaryOp<string mnemonic, string doc, Type operand = Graph_NumericTensor,
                     Type result = operand>
    : Graph_Op<mnemonic, [Pure]> {
  let summary = doc # " with numpy broadcasting";
  let arguments = (ins operand:$lhs, operand:$rhs);
  let results = (outs result:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_AddOp : Graph_BinaryOp<"add", "elementwise a + b">;
def Graph_SubOp : Graph_BinaryOp<"sub", "elementwise a - b">;
def Graph_MulOp : Graph_BinaryOp<"mul", "elementwise a * b">;
def Graph_DivOp : Graph_BinaryOp<"div", "elementwise a / b">;
def Graph_PowOp : Graph_BinaryOp<"pow", "elementwise a ^ b">;
def Graph_MaxOp : Graph_BinaryOp<"max", "elementwise max(a, b)">;
def Graph_MinOp : Graph_BinaryOp<"min", "elementwise min(a, b)">;

// Comparisons give i1; both operands have one (any) element type.
class Graph_CompareOp<string mnemonic, string doc>
    : Graph_BinaryOp<mnemonic, doc, Graph_Tensor, Graph_BoolTensor>;
def Graph_EqualOp : Graph_CompareOp<"equal", "elementwise a == b">;
def Graph_LessOp : Graph_CompareOp<"less", "elementwise a < b">;
def Graph_LessEqualOp : Graph_CompareOp<"less_equal", "elementwise a <= b">;
def Graph_GreaterOp : Graph_CompareOp<"greater", "elementwise a > b">;
def Graph_GreaterEqualOp : Graph_CompareOp<"greater_equal", "elementwise a >= b">;

def Graph_AndOp : Graph_BinaryOp<"and", "elementwise a && b", Graph_BoolTensor>;
def Graph_OrOp : Graph_BinaryOp<"or", "elementwise a || b", Graph_BoolTensor>;
def Graph_XorOp : Graph_BinaryOp<"xor", "elementwise a != b on booleans", Graph_BoolTensor>;

def Graph_WhereOp : Graph_Op<"where", [Pure]> {
  let summary = "elementwise cond ? x : y with numpy broadcasting of all three";
  let arguments = (ins Graph_BoolTensor:$condition, Graph_Tensor:$x, Graph_Tensor:$y);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$condition `,` $x `,` $y attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

// Unary ops keep the operand's type.
class Graph_UnaryOp<string mnemonic, string doc, dag attrs = (ins),
                    Type tensor = Graph_FloatTensor>
    : Graph_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = doc;
  let arguments = !con((ins tensor:$input), attrs);
  let results = (outs tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Graph_ReluOp : Graph_UnaryOp<"relu", "max(x, 0)">;
def Graph_SigmoidOp : Graph_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Graph_TanhOp : Graph_UnaryOp<"tanh", "hyperbolic tangent">;
def Graph_ExpOp : Graph_UnaryOp<"exp", "e^x">;
def Graph_LogOp : Graph_UnaryOp<"log", "natural logarithm">;
def Graph_SqrtOp : Graph_UnaryOp<"sqrt", "square root">;
def Graph_NegOp : Graph_UnaryOp<"neg", "-x", (ins), Graph_NumericTensor>;
def Graph_AbsOp : Graph_UnaryOp<"abs", "|x|", (ins), Graph_NumericTensor>;
def Graph_NotOp : Graph_UnaryOp<"not", "logical negation", (ins), Graph_BoolTensor>;
def Graph_ErfOp : Graph_UnaryOp<"erf", "the error function">;
def Graph_FloorOp : Graph_UnaryOp<"floor", "largest integer <= x">;
def Graph_CeilOp : Graph_UnaryOp<"ceil", "smallest integer >= x">;
def Graph_RoundOp : Graph_UnaryOp<"round", "nearest integer, halves to even">;
def Graph_SignOp : Graph_UnaryOp<"sign", "-1, 0 or 1 by the sign of x (NaN stays NaN)">;
// Trigonometric and hyperbolic functions (libm in generated code).
def Graph_SinOp : Graph_UnaryOp<"sin", "sine">;
def Graph_CosOp : Graph_UnaryOp<"cos", "cosine">;
def Graph_TanOp : Graph_UnaryOp<"tan", "tangent">;
def Graph_AsinOp : Graph_UnaryOp<"asin", "arcsine">;
def Graph_AcosOp : Graph_UnaryOp<"acos", "arccosine">;
def Graph_AtanOp : Graph_UnaryOp<"atan", "arctangent">;
def Graph_SinhOp : Graph_UnaryOp<"sinh", "hyperbolic sine">;
def Graph_CoshOp : Graph_UnaryOp<"cosh", "hyperbolic cosine">;
def Graph_AsinhOp : Graph_UnaryOp<"asinh", "inverse hyperbolic sine">;
def Graph_AcoshOp : Graph_UnaryOp<"acosh", "inverse hyperbolic cosine">;
def Graph_AtanhOp : Graph_UnaryOp<"atanh", "inverse hyperbolic tangent">;
def Graph_HardSwishOp : Graph_UnaryOp<"hard_swish", "x * max(0, min(1, x/6 + 1/2))">;
def Graph_ClipOp : Graph_UnaryOp<"clip", "min(max(x, min), max)",
    (ins F32Attr:$min, F32Attr:$max)> {
  let hasVerifier = 1;
}
def Graph_HardSigmoidOp : Graph_UnaryOp<"hard_sigmoid", "max(0, min(1, alpha * x + beta))",
    (ins F32Attr:$alpha, F32Attr:$beta)>;

def Graph_CastOp : Graph_Op<"cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "converts the element type (float to int truncates; narrowing ints wraps; to i1 is x != 0)";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Neural network ops
//===----------------------------------------------------------------------===//

def Graph_Conv2DOp : Graph_Op<"conv2d", [Pure]> {
  let summary = "2-D convolution, NCHW input, OIHW filter, optional bias";
  let description = [{
    `pads` are [top, left, bottom, right]. Depthwise convolution is
    `groups` = input channels.
    ```mlir
    %y = graph.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>,
           dilations = array<i64: 1, 1>, groups = 1 : i64}
         : (tensor<1x3x48x192xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x24x96xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$filter,
                       Optional<Graph_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, I64Attr:$groups);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $filter (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_Conv2DBlockedOp : Graph_Op<"conv2d_blocked", [Pure]> {
  let summary = "2-D convolution on channel-blocked tensors (NCHW{b}), packed filter";
  let description = [{
    The layout pass's form of conv2d (graph-block-layout): channels are split
    into blocks of `b` (the target's vector lanes) that become the innermost
    dimension, so a vector holds b channels of one pixel.
    - input  [N, C/b, H, W, b], or for groups = 1 also [N, C, H, W, 1]: plain NCHW
      seen as blocks of one channel, for inputs whose channels do not block (a
      stem's 3 colours)
    - filter [O/b, C/ib, KH, KW, ib, b] for groups = 1 with ib the input's block
      (element [o, i, y, x, c, ob] is OIHW's [o*b + ob, i*ib + c, y, x]), or
      [C/b, 1, KH, KW, 1, b] for depthwise (groups = C = O)
    - bias   [O/b, b]
    - result [N, O/b, OH, OW, b]
    Attributes as conv2d's.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$filter,
                       Optional<Graph_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, I64Attr:$groups);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $filter (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_MatMulOp : Graph_Op<"matmul", [Pure]> {
  let summary = "numpy matmul: batched, with broadcast batch dimensions";
  let arguments = (ins Graph_FloatTensor:$lhs, Graph_FloatTensor:$rhs);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_MatMulPackedOp : Graph_Op<"matmul_packed", [Pure]> {
  let summary = "matmul against a right operand packed in column panels";
  let description = [{
    The layout pass's form of a matmul whose right operand is a constant
    [K, N] matrix (graph-block-layout): its columns are packed at compile
    time into NB = ceil(N/p) panels of p columns (p = the target's vector
    lanes; the last panel padded with zeros), each panel K x p contiguous, the
    order the micro-kernel reads it.
    - lhs    [..., M, K]
    - rhs    [NB, K, p]
    - result [..., M, NB, p]: result[..., m, j, l] = sum_k lhs[..., m, k] * rhs[j, k, l]
    Reshaped to [..., M, NB * p] (a view) the result is the plain product with
    N rounded up to whole panels.
  }];
  let arguments = (ins Graph_FloatTensor:$lhs, Graph_FloatTensor:$rhs);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_BatchNormOp : Graph_Op<"batch_norm", [Pure]> {
  let summary = "inference batch normalization over channel dim 1";
  let description = [{
    y = scale * (x - mean) / sqrt(var + epsilon) + bias. Folded into the
    preceding conv2d by constant folding where possible.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       Graph_FloatTensor:$bias, Graph_FloatTensor:$mean,
                       Graph_FloatTensor:$variance, F32Attr:$epsilon);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

class Graph_PoolOp<string mnemonic, string doc, dag extra = (ins)> : Graph_Op<mnemonic, [Pure]> {
  let summary = doc;
  let description = [{
    NCHW pooling window. `pads` are [top, left, bottom, right]; `ceil_mode`
    rounds the output size up.
  }];
  let arguments = !con((ins Graph_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, BoolAttr:$ceil_mode), extra);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}
def Graph_MaxPoolOp : Graph_PoolOp<"max_pool", "2-D max pooling (padding never wins)">;
def Graph_AvgPoolOp : Graph_PoolOp<"avg_pool", "2-D average pooling",
    (ins BoolAttr:$count_include_pad)>;

def Graph_SoftmaxOp : Graph_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax along one axis";
  let arguments = (ins Graph_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

class Graph_ReduceOp<string mnemonic, string doc> : Graph_Op<mnemonic, [Pure]> {
  let summary = doc;
  let description = [{
    Reduces over `axes` (non-negative, sorted, unique); `keepdims` keeps them
    as size-1 dimensions. Global average pooling is `reduce_mean` over [2, 3].
  }];
  let arguments = (ins Graph_FloatTensor:$input, DenseI64ArrayAttr:$axes, BoolAttr:$keepdims);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}
def Graph_ReduceSumOp : Graph_ReduceOp<"reduce_sum", "sum over axes">;
def Graph_ReduceMeanOp : Graph_ReduceOp<"reduce_mean", "mean over axes">;
def Graph_ReduceMaxOp : Graph_ReduceOp<"reduce_max", "max over axes">;
def Graph_ReduceProdOp : Graph_ReduceOp<"reduce_prod", "product over axes">;

class Graph_ArgOp<string mnemonic, string doc> : Graph_Op<mnemonic, [Pure]> {
  let summary = doc;
  let description = [{
    The i64 index along `axis` of the extreme value (the first one, or the
    last with `select_last_index`); `keepdims` keeps the axis as size 1.
  }];
  let arguments = (ins Graph_FloatTensor:$input, I64Attr:$axis, BoolAttr:$keepdims,
                       BoolAttr:$select_last_index);
  let results = (outs TensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}
def Graph_ArgMaxOp : Graph_ArgOp<"arg_max", "index of the largest value along an axis">;
def Graph_ArgMinOp : Graph_ArgOp<"arg_min", "index of the smallest value along an axis">;

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

def Graph_ReshapeOp : Graph_Op<"reshape", [Pure]> {
  let summary = "same elements, new static shape (row-major order)";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_TransposeOp : Graph_Op<"transpose", [Pure]> {
  let summary = "permutes dimensions: result dim i is input dim perm[i]";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_ConcatOp : Graph_Op<"concat", [Pure]> {
  let summary = "joins tensors along an axis";
  let arguments = (ins Variadic<Graph_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_SliceOp : Graph_Op<"slice", [Pure]> {
  let summary = "strided slice: per dim, elements start, start+step, ... (step != 0)";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$steps);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_ExpandOp : Graph_Op<"expand", [Pure]> {
  let summary = "broadcasts a tensor to the result's shape (numpy rules)";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_GatherOp : Graph_Op<"gather", [Pure]> {
  let summary = "takes slices of `input` along `axis` at i64 `indices` (negative counts from the end)";
  let description = [{
    result[i0.., j0.., k0..] = input[i0.., indices[j0..], k0..]; the result shape
    is input.shape[:axis] + indices.shape + input.shape[axis+1:]. Indices out of
    [-n, n) are clamped.
  }];
  let arguments = (ins Graph_Tensor:$input, TensorOf<[I64]>:$indices, I64Attr:$axis);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_ShapeOp : Graph_Op<"shape", [Pure]> {
  let summary = "the static shape of a tensor as a 1-D i64 tensor (always folds)";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs 1DTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fused kernels
//===----------------------------------------------------------------------===//

def Graph_KernelOp : Graph_Op<"kernel", [IsolatedFromAbove,
    SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "a fused subgraph compiled as one kernel";
  let description = [{
    The region's arguments are the kernel's operands; `graph.yield` returns
    its results. `anchor` names the op the kernel is built around (conv2d,
    matmul, reduce_mean, ... or `elementwise`), `schedule` the template and
    its knob values. A reduction kernel may start with the elementwise ops
    that compute its input (a prologue, inlined into the reduction's loop);
    otherwise the anchor is the body's first op.
    ```mlir
    %r = graph.kernel "k0" anchor "conv2d" (%x, %w) : (tensor<...>, tensor<...>) -> tensor<...> {
    ^bb0(%a: tensor<...>, %b: tensor<...>):
      %c = graph.conv2d %a, %b ...
      %d = graph.relu %c : tensor<...>
      graph.yield %d : tensor<...>
    }
    ```
  }];
  let arguments = (ins Variadic<Graph_Tensor>:$inputs, StrAttr:$sym_name,
                       StrAttr:$anchor, OptionalAttr<DictionaryAttr>:$schedule);
  let results = (outs Variadic<Graph_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `anchor` $anchor (`schedule` $schedule^)? `(` $inputs `)` attr-dict
    `:` functional-type($inputs, results) $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The op the kernel is built around: the first op named `anchor`, else (an elementwise
    /// chain) the first op of the body.
    ::mlir::Operation *getAnchorOp();
  }];
}

def Graph_YieldOp : Graph_Op<"yield", [Pure, Terminator, HasParent<"KernelOp">,
    ReturnLike]> {
  let summary = "returns a kernel's results";
  let arguments = (ins Variadic<Graph_Tensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ /* no results */ }]>];
}

#endif // STRATA_GRAPH_OPS
