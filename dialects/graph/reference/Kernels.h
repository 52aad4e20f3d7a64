//===- Kernels.h - the reference interpreter's per-family op loops --------===//
//
// Internal to dialects/graph/reference. Interpreter.cpp checks operand counts,
// shapes and element types against the IR before calling these, and the op
// verifiers guarantee that attributes and result types are consistent, so
// the loops below trust their inputs. Every function returns the op's single
// result. Float ops compute in double and round once when storing (setF);
// integer ops compute exactly in int64, wrapping on overflow.
//
//   Elementwise.cpp  binary ops with broadcasting, unary activations, cast
//   NN.cpp           conv2d, matmul, batch_norm, pooling, softmax, reductions
//   Shape.cpp        reshape, transpose, concat, slice, expand, gather, shape
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/reference/HostTensor.h"

#include "mlir/IR/Operation.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace strata::reference::detail {

using Shape = std::vector<int64_t>;

/// max and min of floats that propagate NaN (numpy's maximum and minimum, ONNX's Max, Min, Relu,
/// Clip, MaxPool, ReduceMax); std::max and std::min return one operand or the other depending on
/// which is NaN, and the compiled code matches these.
inline double nanMax(double x, double y) { return x != x ? x : y != y ? y : (x < y ? y : x); }
inline double nanMin(double x, double y) { return x != x ? x : y != y ? y : (y < x ? y : x); }

Shape shapeOf(mlir::Value v);
DType dtypeOf(mlir::Value v);
/// A fresh zero tensor with the type of `v`.
HostTensor tensorFor(mlir::Value v);
/// Row-major strides of a contiguous tensor.
Shape stridesOf(const Shape &shape);

/// A shape seen as [outer, n, inner] around `axis` (n = shape[axis]).
struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit splitAt(const Shape &shape, int64_t axis);
/// Strides that read a tensor of shape `in` at the coordinates of a tensor of
/// shape `out` under numpy broadcasting (shapes align at the right, size-1
/// dimensions repeat with stride 0), each multiplied by `elementStride`.
Shape broadcastStrides(const Shape &in, const Shape &out, int64_t elementStride = 1);
/// "reference: 'graph.conv2d' at loc(...): <msg>"
llvm::Error opError(mlir::Operation *op, const llvm::Twine &msg);

/// Walks the row-major index space of `shape`, keeping one flat offset per
/// strided view (a view is a base offset plus one stride per dimension; a
/// stride of 0 repeats, which is how broadcasting and reductions read).
class StridedWalk {
public:
  StridedWalk(Shape shape, std::vector<Shape> strides, std::vector<int64_t> bases = {})
      : shape(std::move(shape)), strides(std::move(strides)), coord(this->shape.size(), 0),
        offsets(bases.empty() ? std::vector<int64_t>(this->strides.size(), 0) : std::move(bases)) {}

  int64_t offset(size_t view) const { return offsets[view]; }

  /// Steps to the next element in row-major order.
  void next() {
    for (size_t d = shape.size(); d-- > 0;) {
      for (size_t v = 0; v < strides.size(); ++v)
        offsets[v] += strides[v][d];
      if (++coord[d] < shape[d])
        return;
      for (size_t v = 0; v < strides.size(); ++v)
        offsets[v] -= strides[v][d] * shape[d];
      coord[d] = 0;
    }
  }

private:
  Shape shape;
  std::vector<Shape> strides;
  Shape coord;
  std::vector<int64_t> offsets;
};

// Elementwise.cpp
/// base^exponent in wrapping int64 arithmetic; a negative exponent truncates 1/base^|e|.
int64_t integerPow(int64_t base, int64_t exponent);
/// An integer base to a float32 exponent: integerPow for a whole exponent, else the double
/// pow truncated toward zero and saturated to int64 (NaN: 0).
int64_t mixedPow(int64_t base, float exponent);
/// x / y rounded toward zero (y != 0); INT64_MIN / -1 wraps to INT64_MIN.
int64_t truncatingDiv(int64_t x, int64_t y);
llvm::Expected<HostTensor> evalBinary(mlir::Operation *op, const HostTensor &a, const HostTensor &b);
HostTensor evalUnary(mlir::Operation *op, const HostTensor &x);
llvm::Expected<HostTensor> evalCast(mlir::Operation *op, const HostTensor &x);
HostTensor evalWhere(mlir::Operation *op, const HostTensor &cond, const HostTensor &x, const HostTensor &y);

// NN.cpp
HostTensor evalConv2D(mlir::Operation *op, llvm::ArrayRef<HostTensor> operands);
HostTensor evalMatMul(mlir::Operation *op, const HostTensor &a, const HostTensor &b);
HostTensor evalMatMulPacked(mlir::Operation *op, const HostTensor &a, const HostTensor &b);
HostTensor evalBatchNorm(mlir::Operation *op, llvm::ArrayRef<HostTensor> operands);
HostTensor evalPool(mlir::Operation *op, const HostTensor &x);
HostTensor evalSoftmax(mlir::Operation *op, const HostTensor &x);
HostTensor evalReduce(mlir::Operation *op, const HostTensor &x);
HostTensor evalArg(mlir::Operation *op, const HostTensor &x);

// Shape.cpp
HostTensor evalReshape(mlir::Operation *op, const HostTensor &x);
HostTensor evalTranspose(mlir::Operation *op, const HostTensor &x);
HostTensor evalConcat(mlir::Operation *op, llvm::ArrayRef<HostTensor> operands);
HostTensor evalSlice(mlir::Operation *op, const HostTensor &x);
HostTensor evalExpand(mlir::Operation *op, const HostTensor &x);
HostTensor evalGather(mlir::Operation *op, const HostTensor &x, const HostTensor &indices);
HostTensor evalShape(mlir::Operation *op);

} // namespace strata::reference::detail
