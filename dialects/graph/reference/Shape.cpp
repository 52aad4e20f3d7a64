//===- Shape.cpp - reshape, transpose, concat, slice, expand, gather, shape -===//
//
// Data movement copies elements unchanged, so it serves every element type.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/reference/Kernels.h"

#include "dialects/graph/GraphOps.h"

#include <algorithm>

using namespace mlir;
namespace g = strata::graph;

namespace strata::reference::detail {

namespace {

/// out[i] = x[view offset of i], for a strided view of x with out's shape.
void gather(HostTensor &out, const HostTensor &x, Shape viewStrides, int64_t base) {
  StridedWalk walk(out.shape, {std::move(viewStrides)}, {base});
  for (int64_t i = 0; i < out.numElements(); ++i, walk.next())
    out.copyElement(i, x, walk.offset(0));
}

} // namespace

HostTensor evalReshape(Operation *op, const HostTensor &x) {
  HostTensor out = x; // row-major order is unchanged
  out.shape = shapeOf(op->getResult(0));
  return out;
}

HostTensor evalTranspose(Operation *op, const HostTensor &x) {
  // Result dim i is input dim perm[i].
  auto perm = llvm::cast<g::TransposeOp>(op).getPerm();
  HostTensor out = tensorFor(op->getResult(0));
  Shape inStrides = stridesOf(x.shape), view(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    view[i] = inStrides[perm[i]];
  gather(out, x, view, 0);
  return out;
}

HostTensor evalConcat(Operation *op, ArrayRef<HostTensor> in) {
  int64_t axis = llvm::cast<g::ConcatOp>(op).getAxis();
  HostTensor out = tensorFor(op->getResult(0));
  Shape outStrides = stridesOf(out.shape);
  int64_t start = 0; // where the current input begins along the axis
  for (const HostTensor &t : in) {
    // Scatter t into the window of out that begins at `start` along the axis.
    StridedWalk walk(t.shape, {outStrides}, {start * outStrides[axis]});
    for (int64_t i = 0; i < t.numElements(); ++i, walk.next())
      out.copyElement(walk.offset(0), t, i);
    start += t.shape[axis];
  }
  return out;
}

HostTensor evalSlice(Operation *op, const HostTensor &x) {
  // Per dim: elements starts[d], starts[d] + steps[d], ...; the result shape gives the count.
  auto slice = llvm::cast<g::SliceOp>(op);
  auto starts = slice.getStarts(), steps = slice.getSteps();
  HostTensor out = tensorFor(slice.getResult());
  Shape inStrides = stridesOf(x.shape), view(x.shape.size());
  int64_t base = 0;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    base += starts[d] * inStrides[d];
    view[d] = steps[d] * inStrides[d];
  }
  gather(out, x, view, base);
  return out;
}

HostTensor evalExpand(Operation *op, const HostTensor &x) {
  // A strided view with stride 0 along broadcast dimensions.
  HostTensor out = tensorFor(op->getResult(0));
  Shape inStrides = stridesOf(x.shape), view(out.shape.size(), 0);
  size_t offset = out.shape.size() - x.shape.size();
  for (size_t d = 0; d < x.shape.size(); ++d)
    view[d + offset] = x.shape[d] == 1 ? 0 : inStrides[d];
  gather(out, x, view, 0);
  return out;
}

HostTensor evalGather(Operation *op, const HostTensor &x, const HostTensor &indices) {
  // out[a.., j.., b..] = x[a.., indices[j..], b..], negative indices from the end.
  int64_t axis = (int64_t)llvm::cast<g::GatherOp>(op).getAxis();
  HostTensor out = tensorFor(op->getResult(0));
  auto [outer, n, inner] = splitAt(x.shape, axis);
  int64_t k = indices.numElements(), i = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < k; ++j) {
      int64_t at = indices.i(j);
      at = std::clamp<int64_t>(at < 0 ? at + n : at, 0, n - 1);
      for (int64_t e = 0; e < inner; ++e)
        out.copyElement(i++, x, (o * n + at) * inner + e);
    }
  return out;
}

HostTensor evalShape(Operation *op) {
  // Reads only the operand's static type, so it needs no operand value.
  Shape shape = shapeOf(op->getOperand(0));
  HostTensor out = tensorFor(op->getResult(0));
  for (size_t i = 0; i < shape.size(); ++i)
    out.setI(i, shape[i]);
  return out;
}

} // namespace strata::reference::detail
