//===- FoldConstants.cpp - compile-time evaluation and batch-norm folding -===//
//
// Constant subgraphs are evaluated by the reference interpreter, so folding
// can never disagree with the semantics the tests check against.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/Passes.h"

#include "dialects/graph/reference/Interpreter.h"
#include "dialects/graph/transforms/ConstantTensors.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace strata::graph {
#define GEN_PASS_DEF_FOLDCONSTANTS
#include "dialects/graph/Passes.h.inc"
} // namespace strata::graph

using namespace mlir;
using namespace strata;
using namespace strata::graph;

namespace {

/// Per-channel factors of an inference batch norm: y = x * scale + shift.
struct ChannelAffine {
  std::vector<double> scale, shift;
};

std::optional<ChannelAffine> batchNormAffine(BatchNormOp bn) {
  auto s = constantOf(bn.getScale()), b = constantOf(bn.getBias()), m = constantOf(bn.getMean()),
       v = constantOf(bn.getVariance());
  if (!s || !b || !m || !v)
    return std::nullopt;
  ChannelAffine a;
  double eps = bn.getEpsilon().convertToFloat();
  for (int64_t c = 0; c < s->numElements(); ++c) {
    double k = s->f(c) / std::sqrt(v->f(c) + eps);
    a.scale.push_back(k);
    a.shift.push_back(b->f(c) - m->f(c) * k);
  }
  return a;
}

/// conv2d(x, w, b) -> batch_norm  ==>  conv2d(x, w * k, b * k + shift).
bool foldIntoConv(BatchNormOp bn, const ChannelAffine &a) {
  auto conv = bn.getInput().getDefiningOp<Conv2DOp>();
  if (!conv || !conv->hasOneUse())
    return false;
  auto w = constantOf(conv.getFilter());
  std::optional<HostTensor> bias;
  if (conv.getBias() && !(bias = constantOf(conv.getBias())))
    return false;
  if (!w)
    return false;
  int64_t cout = w->shape[0], per = w->numElements() / cout;
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t i = 0; i < per; ++i)
      w->setF(o * per + i, w->f(o * per + i) * a.scale[o]);
  HostTensor newBias(DType::F32, {cout});
  for (int64_t o = 0; o < cout; ++o)
    newBias.setF(o, (bias ? bias->f(o) : 0.0) * a.scale[o] + a.shift[o]);

  OpBuilder b(conv);
  Type f32 = b.getF32Type();
  Value nw = makeConstant(b, conv.getLoc(), *w, f32);
  Value nb = makeConstant(b, conv.getLoc(), newBias, f32);
  auto folded = b.create<Conv2DOp>(b.getFusedLoc({conv.getLoc(), bn.getLoc()}), bn.getType(), conv.getInput(), nw, nb,
                                   conv.getStridesAttr(), conv.getPadsAttr(),
                                   conv.getDilationsAttr(), conv.getGroupsAttr());
  bn.replaceAllUsesWith(folded.getResult());
  bn.erase();
  conv.erase();
  return true;
}

/// A batch norm that follows no conv becomes x * scale + shift.
void decompose(BatchNormOp bn, const ChannelAffine &a) {
  OpBuilder b(bn);
  auto type = llvm::cast<RankedTensorType>(bn.getType());
  std::vector<int64_t> shape(type.getRank(), 1);
  shape[1] = type.getDimSize(1);
  HostTensor scale(DType::F32, shape), shift(DType::F32, shape);
  for (int64_t c = 0; c < shape[1]; ++c) {
    scale.setF(c, a.scale[c]);
    shift.setF(c, a.shift[c]);
  }
  Value mul = b.create<MulOp>(bn.getLoc(), type, bn.getInput(),
                              makeConstant(b, bn.getLoc(), scale, b.getF32Type()));
  Value add = b.create<AddOp>(bn.getLoc(), type, mul,
                              makeConstant(b, bn.getLoc(), shift, b.getF32Type()));
  bn.replaceAllUsesWith(add);
  bn.erase();
}

struct FoldConstantsPass : public strata::graph::impl::FoldConstantsBase<FoldConstantsPass> {
  using FoldConstantsBase::FoldConstantsBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    // Evaluate every op whose operands are all constant, in program order,
    // so whole constant chains collapse.
    SmallVector<Operation *> ops;
    fn.walk([&](Operation *op) {
      if (op->getDialect() && llvm::isa<GraphDialect>(op->getDialect()) &&
          !llvm::isa<ConstantOp, KernelOp, YieldOp>(op) && op->getParentOp() == fn)
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (!foldIfConstant(op))
        return signalPassFailure();
    }
    // Batch norms: into the conv before them where possible, else mul + add.
    SmallVector<BatchNormOp> bns;
    fn.walk([&](BatchNormOp bn) { bns.push_back(bn); });
    for (BatchNormOp bn : bns)
      if (auto a = batchNormAffine(bn))
        if (!foldIntoConv(bn, *a))
          decompose(bn, *a);
    removeDeadOps(fn);
  }

  /// Returns false only on an evaluation error (reported on the op).
  bool foldIfConstant(Operation *op) {
    std::vector<HostTensor> operands;
    bool isShape = llvm::isa<ShapeOp>(op); // reads only the static type
    for (Value v : op->getOperands()) {
      auto c = isShape ? std::optional<HostTensor>(HostTensor()) : constantOf(v);
      if (!c)
        return true;
      operands.push_back(std::move(*c));
    }
    for (Type t : op->getResultTypes())
      if (llvm::cast<RankedTensorType>(t).getNumElements() > maxFoldElements)
        return true;
    auto results = reference::evaluateOp(op, operands);
    if (!results) {
      op->emitError("constant folding failed: ") << llvm::toString(results.takeError());
      return false;
    }
    OpBuilder b(op);
    for (auto [res, t] : llvm::zip(op->getResults(), *results)) {
      auto type = llvm::cast<RankedTensorType>(res.getType());
      res.replaceAllUsesWith(makeConstant(b, op->getLoc(), t, type.getElementType()));
    }
    op->erase();
    return true;
  }

  static void removeDeadOps(func::FuncOp fn) {
    SmallVector<Operation *> ops;
    for (Operation &op : fn.getBody().front())
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops))
      if (op->use_empty() && isPure(op) && !op->hasTrait<OpTrait::IsTerminator>())
        op->erase();
  }
};

} // namespace
