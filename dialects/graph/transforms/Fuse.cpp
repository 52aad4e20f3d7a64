//===- Fuse.cpp - group ops into graph.kernel regions ---------------------===//
//
// Greedy fusion in program order. A kernel is an anchor (conv2d, matmul,
// pooling, reduction, softmax, data movement, or the first op of an
// elementwise chain) followed by the elementwise ops computed from its result
// at the same shape that end in one value (its epilogue, see epilogueOf).
// A kernel of injective ops only (elementwise, gather, transpose, slice,
// expand, concat) also absorbs the injective producers of its other operands
// that have no other use, so that e.g. the taps of a resize become one pass.
// A reduction absorbs the elementwise ops that only compute its input (its
// prologue, e.g. layer norm's square), which then never reach memory.
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

bool isReduction(Operation *op) {
  return llvm::isa<ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceProdOp>(op);
}

/// The elementwise ops that compute a reduction's input and nothing else, at the input's
/// shape (so inlining them into the reduction's single read of each element recomputes
/// nothing): its prologue, in no particular order.
SmallVector<Operation *> prologueOf(Operation *reduction) {
  SmallVector<Operation *> prologue;
  auto inputShape = llvm::cast<RankedTensorType>(reduction->getOperand(0).getType()).getShape();
  SmallVector<Value> frontier{reduction->getOperand(0)};
  while (!frontier.empty()) {
    Value v = frontier.pop_back_val();
    Operation *producer = v.getDefiningOp();
    if (!producer || !isElementwise(producer) || producer->getNumResults() != 1 ||
        !v.hasOneUse() || producer->getBlock() != reduction->getBlock() ||
        llvm::cast<RankedTensorType>(v.getType()).getShape() != inputShape ||
        llvm::is_contained(prologue, producer))
      continue;
    prologue.push_back(producer);
    frontier.append(producer->operand_begin(), producer->operand_end());
  }
  return prologue;
}

/// The elementwise ops to pull into a kernel whose result is `tail`'s: the longest run of
/// the ops after it in the block that read it or each other (skipping ops that read neither)
/// and end in a single value that the rest of the program reads, all at `tail`'s shape. A
/// chain (each op the only reader of the one before) is the common case; a value read twice
/// within the run also qualifies, as in hardswish x * relu6(x + 3) / 6 or swish x * sigmoid(x),
/// which then never reach memory in between. Same shape matters: an epilogue that broadcasts
/// the result to a larger shape would recompute the anchor per element. Ops in `reserved`
/// belong to a later reduction's prologue.
SmallVector<Operation *> epilogueOf(Operation *tail, const llvm::DenseSet<Operation *> &reserved) {
  constexpr int kMaxScan = 32; // ops looked at past the last one taken
  SmallVector<Operation *> taken, best;
  if (tail->getNumResults() != 1)
    return best;
  auto shape = llvm::cast<RankedTensorType>(tail->getResult(0).getType()).getShape();
  llvm::SmallPtrSet<Operation *, 8> group{tail};
  // Values of the group that something outside it still reads.
  auto escaping = [&] {
    SmallVector<Value> out;
    for (Operation *op : group)
      for (Value r : op->getResults())
        if (llvm::any_of(r.getUsers(), [&](Operation *u) { return !group.count(u); }))
          out.push_back(r);
    return out;
  };
  int scanned = 0;
  for (Operation *op = tail->getNextNode(); op && scanned < kMaxScan; op = op->getNextNode(), ++scanned) {
    bool readsGroup = llvm::any_of(op->getOperands(), [&](Value v) { return group.count(v.getDefiningOp()); });
    if (!readsGroup)
      continue;
    if (!isElementwise(op) || reserved.count(op) || op->getNumResults() != 1 ||
        llvm::cast<RankedTensorType>(op->getResult(0).getType()).getShape() != shape)
      break;
    group.insert(op);
    taken.push_back(op);
    scanned = 0;
    SmallVector<Value> open = escaping();
    if (open.size() == 1 && open[0] == op->getResult(0))
      best = taken;
  }
  return best;
}

struct FusePass : public strata::graph::impl::FuseBase<FusePass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    std::map<std::string, int> counters;
    SmallVector<Operation *> worklist;
    for (Operation &op : fn.getBody().front())
      worklist.push_back(&op);
    // Reductions first claim the elementwise ops that compute their input (prologues).
    llvm::DenseMap<Operation *, SmallVector<Operation *>> prologues;
    llvm::DenseSet<Operation *> reserved;
    for (Operation *op : llvm::reverse(worklist))
      if (isReduction(op) && !reserved.count(op))
        for (Operation *p : prologues[op] = prologueOf(op))
          reserved.insert(p);
    llvm::DenseSet<Operation *> fused;
    for (Operation *anchor : worklist) {
      if (fused.count(anchor) || reserved.count(anchor) || staysOutside(anchor) ||
          anchor->hasTrait<OpTrait::IsTerminator>())
        continue;
      SmallVector<Operation *> chain{anchor};
      chain.append(epilogueOf(anchor, reserved));
      if (llvm::all_of(chain, isInjective))
        absorbProducers(chain, fused);
      if (auto it = prologues.find(anchor); it != prologues.end() && !it->second.empty()) {
        chain.append(it->second.begin(), it->second.end());
        llvm::sort(chain, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
      }
      for (Operation *op : chain)
        fused.insert(op);
      std::string anchorKind = anchorName(anchor);
      std::string name = anchorKind + "_" + std::to_string(counters[anchorKind]++);
      outline(chain, name, anchorKind);
    }
    // Single values that every reader copied in (erased only now: the worklist holds them).
    for (Operation *op : worklist) {
      if (fused.count(op)) // erased by outline
        continue;
      auto c = llvm::dyn_cast<ConstantOp>(op);
      if (c && c->use_empty() && llvm::cast<RankedTensorType>(c.getType()).getNumElements() == 1)
        c->erase();
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

  /// Replaces the chain with one graph.kernel placed where its last op was. Single-value
  /// constants are copied into the kernel (immediates in its code: pow(x, 2) becomes x * x)
  /// rather than passed as inputs.
  static void outline(ArrayRef<Operation *> chain, StringRef name, StringRef anchor) {
    llvm::SmallPtrSet<Operation *, 8> inChain(chain.begin(), chain.end());
    SmallVector<Value> inputs;
    SmallVector<ConstantOp> scalars;
    for (Operation *op : chain)
      for (Value v : op->getOperands()) {
        if (inChain.count(v.getDefiningOp()) || llvm::is_contained(inputs, v))
          continue;
        auto c = v.getDefiningOp<ConstantOp>();
        if (c && llvm::isa<DenseElementsAttr>(c.getValue()) &&
            llvm::cast<RankedTensorType>(c.getType()).getNumElements() == 1) {
          if (!llvm::is_contained(scalars, c))
            scalars.push_back(c);
          continue;
        }
        inputs.push_back(v);
      }

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
    for (ConstantOp c : scalars)
      inner.clone(*c, map);
    for (Operation *op : chain)
      inner.clone(*op, map);
    inner.create<YieldOp>(last->getLoc(), map.lookup(last->getResult(0)));
    last->getResult(0).replaceAllUsesWith(kernel.getResult(0));
    for (Operation *op : llvm::reverse(chain))
      op->erase();
  }
};

} // namespace
