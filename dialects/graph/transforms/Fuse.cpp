//===- Fuse.cpp - group ops into graph.kernel regions ---------------------===//
//
// Greedy chain fusion in program order. A kernel is an anchor (conv2d,
// matmul, pooling, reduction, softmax, data movement, or the first op of an
// elementwise chain) followed by elementwise ops that consume its single
// result at the same shape. Same shape matters: an epilogue that broadcasts
// the result to a larger shape would recompute the anchor per element.
// A kernel of injective ops only (elementwise, gather, transpose, slice,
// expand, concat) also absorbs the injective producers of its other operands
// that have no other use, so that e.g. the taps of a resize become one pass.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace strata::graph {
#define GEN_PASS_DEF_FUSE
#include "dialects/graph/Passes.h.inc"
} // namespace strata::graph

using namespace mlir;
using namespace strata::graph;

namespace {


/// Ops computed pointwise from their operands with no reduction: free to inline
/// into a consumer's loop nest.
bool isInjective(Operation *op) {
  return isElementwise(op) || llvm::isa<GatherOp, TransposeOp, SliceOp, ExpandOp, ConcatOp>(op);
}

/// Ops that never become kernels: constants, and reshapes, which are views
/// of row-major buffers.
bool staysOutside(Operation *op) {
  return llvm::isa<ConstantOp, ReshapeOp, ShapeOp, KernelOp>(op) ||
         !llvm::isa<GraphDialect>(op->getDialect());
}

std::string anchorName(Operation *op) {
  if (isElementwise(op))
    return "elementwise";
  return op->getName().stripDialect().str();
}

/// The next op to pull into a chain ending in `tail`, or null.
Operation *nextEpilogue(Operation *tail) {
  if (tail->getNumResults() != 1 || !tail->getResult(0).hasOneUse())
    return nullptr;
  Operation *user = *tail->getResult(0).getUsers().begin();
  if (!isElementwise(user) || user->getBlock() != tail->getBlock())
    return nullptr;
  if (user->getResult(0).getType() != tail->getResult(0).getType() &&
      llvm::cast<RankedTensorType>(user->getResult(0).getType()).getShape() !=
          llvm::cast<RankedTensorType>(tail->getResult(0).getType()).getShape())
    return nullptr;
  return user;
}

struct FusePass : public strata::graph::impl::FuseBase<FusePass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    std::map<std::string, int> counters;
    SmallVector<Operation *> worklist;
    for (Operation &op : fn.getBody().front())
      worklist.push_back(&op);
    llvm::DenseSet<Operation *> fused;
    for (Operation *anchor : worklist) {
      if (fused.count(anchor) || staysOutside(anchor) || anchor->hasTrait<OpTrait::IsTerminator>())
        continue;
      SmallVector<Operation *> chain{anchor};
      while (Operation *next = nextEpilogue(chain.back()))
        chain.push_back(next);
      if (llvm::all_of(chain, isInjective))
        absorbProducers(chain, fused);
      for (Operation *op : chain)
        fused.insert(op);
      std::string anchorKind = anchorName(anchor);
      std::string name = anchorKind + "_" + std::to_string(counters[anchorKind]++);
      outline(chain, name, anchorKind);
    }
  }

  /// Adds the not yet fused injective producers whose only use is in the chain,
  /// transitively, and puts the chain in block order (producers first).
  static void absorbProducers(SmallVector<Operation *> &chain,
                              const llvm::DenseSet<Operation *> &fused) {
    llvm::SmallPtrSet<Operation *, 8> inChain(chain.begin(), chain.end());
    for (size_t i = 0; i < chain.size(); ++i)
      for (Value v : chain[i]->getOperands()) {
        Operation *producer = v.getDefiningOp();
        if (!producer || inChain.count(producer) || fused.count(producer) ||
            producer->getBlock() != chain[i]->getBlock() || staysOutside(producer) ||
            !isInjective(producer) || producer->getNumResults() != 1 || !v.hasOneUse())
          continue;
        chain.push_back(producer);
        inChain.insert(producer);
      }
    llvm::sort(chain, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  }

  /// Replaces the chain with one graph.kernel placed where its last op was.
  static void outline(ArrayRef<Operation *> chain, StringRef name, StringRef anchor) {
    llvm::SmallPtrSet<Operation *, 8> inChain(chain.begin(), chain.end());
    SmallVector<Value> inputs;
    for (Operation *op : chain)
      for (Value v : op->getOperands())
        if (!inChain.count(v.getDefiningOp()) && !llvm::is_contained(inputs, v))
          inputs.push_back(v);

    Operation *last = chain.back();
    OpBuilder b(last);
    auto kernel = b.create<KernelOp>(last->getLoc(), last->getResultTypes(), inputs,
                                     b.getStringAttr(name), b.getStringAttr(anchor),
                                     DictionaryAttr());
    Block *body = new Block();
    kernel.getBody().push_back(body);
    IRMapping map;
    for (Value v : inputs)
      map.map(v, body->addArgument(v.getType(), v.getLoc()));
    OpBuilder inner = OpBuilder::atBlockEnd(body);
    for (Operation *op : chain)
      inner.clone(*op, map);
    inner.create<YieldOp>(last->getLoc(), map.lookup(last->getResult(0)));
    last->getResult(0).replaceAllUsesWith(kernel.getResult(0));
    for (Operation *op : llvm::reverse(chain))
      op->erase();
  }
};

} // namespace
