//===- MemoryPlan.cpp -----------------------------------------------------===//
#include "compiler/MemoryPlan.h"

#include "mlir/IR/Builders.h"

#include <map>

using namespace mlir;

namespace strata {

static int64_t byteSize(Value v) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  return t.getNumElements() * ((t.getElementTypeBitWidth() + 7) / 8);
}

static Value storageRoot(Value v) {
  while (auto r = v.getDefiningOp<graph::ReshapeOp>())
    v = r.getInput();
  return v;
}

void ensureOutputsAreKernelResults(func::FuncOp fn) {
  auto ret = llvm::cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  llvm::DenseSet<Value> claimed;
  int copies = 0;
  for (OpOperand &operand : ret->getOpOperands()) {
    Value root = storageRoot(operand.get());
    bool direct = root.getDefiningOp<graph::KernelOp>() && !claimed.count(root);
    claimed.insert(root);
    if (direct)
      continue;
    // A copy kernel: its body yields its argument; lowering turns it into a copy.
    OpBuilder b(ret);
    Value v = operand.get();
    auto kernel = b.create<graph::KernelOp>(v.getLoc(), TypeRange{v.getType()}, ValueRange{v},
                                            b.getStringAttr("copy_" + std::to_string(copies++)),
                                            b.getStringAttr("copy"), DictionaryAttr());
    Block *body = new Block();
    kernel.getBody().push_back(body);
    Value arg = body->addArgument(v.getType(), v.getLoc());
    OpBuilder::atBlockEnd(body).create<graph::YieldOp>(v.getLoc(), arg);
    operand.set(kernel.getResult(0));
  }
}

llvm::Expected<MemoryPlan> planMemory(func::FuncOp fn) {
  MemoryPlan plan;
  Block &body = fn.getBody().front();
  for (BlockArgument arg : body.getArguments())
    plan.storage[arg] = {Storage::Kind::Input, arg.getArgNumber(), 0};

  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  llvm::DenseMap<Value, int64_t> outputOf;
  for (auto [i, v] : llvm::enumerate(ret.getOperands()))
    outputOf[storageRoot(v)] = i;

  // Liveness in op order: a root is live from its definition to its last use
  // through any view.
  llvm::DenseMap<Operation *, int64_t> position;
  int64_t pos = 0;
  for (Operation &op : body)
    position[&op] = pos++;
  llvm::DenseMap<Value, int64_t> lastUse;
  for (Operation &op : body)
    for (Value operand : op.getOperands()) {
      Value root = storageRoot(operand);
      lastUse[root] = std::max(lastUse.lookup(root), position[&op]);
    }

  struct Block_ {
    int64_t offset, size, end;
  };
  std::vector<Block_> live; // arena blocks with their last-use position
  for (Operation &op : body) {
    if (auto c = llvm::dyn_cast<graph::ConstantOp>(op)) {
      plan.storage[c.getResult()] = {Storage::Kind::Constant, (int64_t)plan.constants.size(), 0};
      plan.constants.push_back(c);
      continue;
    }
    if (auto r = llvm::dyn_cast<graph::ReshapeOp>(op)) {
      plan.storage[r.getResult()] = plan.storage.lookup(storageRoot(r.getInput()));
      continue;
    }
    if (llvm::isa<func::ReturnOp>(op))
      continue;
    auto kernel = llvm::dyn_cast<graph::KernelOp>(op);
    if (!kernel)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "memory planning: op '" + op.getName().getStringRef().str() +
                                         "' is outside any kernel (did fusion run?)");
    // Free blocks whose last use is before this kernel.
    int64_t here = position[&op];
    llvm::erase_if(live, [&](const Block_ &b) { return b.end < here; });
    for (Value result : kernel.getResults()) {
      auto out = outputOf.find(result);
      if (out != outputOf.end()) {
        plan.storage[result] = {Storage::Kind::Output, out->second, 0};
        continue;
      }
      plan.intermediateBytes += byteSize(result);
      int64_t size = (byteSize(result) + MemoryPlan::kAlignment - 1) / MemoryPlan::kAlignment *
                     MemoryPlan::kAlignment;
      // First fit among the gaps between live blocks (sorted by offset).
      std::sort(live.begin(), live.end(),
                [](const Block_ &a, const Block_ &b) { return a.offset < b.offset; });
      int64_t offset = 0;
      for (const Block_ &b : live) {
        if (offset + size <= b.offset)
          break;
        offset = std::max(offset, b.offset + b.size);
      }
      live.push_back({offset, size, lastUse.lookup(result)});
      plan.arenaBytes = std::max(plan.arenaBytes, offset + size);
      plan.storage[result] = {Storage::Kind::Arena, 0, offset};
    }
  }
  return plan;
}

} // namespace strata
