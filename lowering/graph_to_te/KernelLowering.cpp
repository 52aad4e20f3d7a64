//===- KernelLowering.cpp -------------------------------------------------===//
#include "lowering/graph_to_te/KernelLowering.h"

#include "lowering/graph_to_te/ComputeDefinitions.h"
#include "lowering/graph_to_te/ScheduleTemplates.h"
#include "lowering/te_to_loops/Lower.h"

#include "dialects/te/FuncPrinter.h"
#include "dialects/te/IRPrinter.h"

#include "llvm/ADT/DenseMap.h"

#include <sstream>

using namespace mlir;

namespace strata::lowering {

static llvm::Error fail(const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<te::LoweredFunc> lowerKernel(graph::KernelOp kernel,
                                            const schedules::Schedule &schedule,
                                            const targets::Target &target,
                                            const KernelLoweringOptions &options) {
  const std::string &fn = options.functionName;
  te::Context names; // the kernel's Funcs are named and found here, and nowhere else
  Block &body = kernel.getBody().front();
  llvm::DenseMap<Value, TensorValue> values;
  std::vector<te::Input> inputs;
  for (BlockArgument arg : body.getArguments()) {
    auto type = llvm::cast<RankedTensorType>(arg.getType());
    std::vector<int> shape(type.getShape().begin(), type.getShape().end());
    inputs.emplace_back(fn + "_in" + std::to_string(arg.getArgNumber()),
                        teType(type.getElementType()), shape);
    values[arg] = TensorValue::of(inputs.back());
  }

  KernelFuncs funcs;
  std::vector<te::Func> allFuncs; // in definition order, for --emit=te
  Operation *anchorOp = kernel.getAnchorOp();
  bool seenAnchor = false;
  int index = 0;
  for (Operation &op : body.without_terminator()) {
    std::vector<TensorValue> operands;
    for (Value v : op.getOperands())
      operands.push_back(values.lookup(v));
    auto defined = defineOp(&op, operands, fn + "_" + std::to_string(index++), reductionLanes(target));
    if (!defined)
      return defined.takeError();
    auto type = llvm::cast<RankedTensorType>(op.getResult(0).getType());
    std::vector<int> shape(type.getShape().begin(), type.getShape().end());
    values[op.getResult(0)] = TensorValue::of(defined->result, shape);
    for (const te::Func &f : defined->prologue)
      allFuncs.push_back(f);
    for (const Helper &h : defined->reductions) {
      if (h.partial.defined())
        allFuncs.push_back(h.partial);
      allFuncs.push_back(h.func);
    }
    if (defined->hasAccumulator && defined->accumulator.name() != defined->result.name())
      allFuncs.push_back(defined->accumulator);
    allFuncs.push_back(defined->result);
    if (&op == anchorOp) {
      funcs.anchor = *defined;
      if (!operands.empty())
        funcs.anchorInputShape = operands[0].shape;
      seenAnchor = true;
    } else if (seenAnchor) {
      funcs.intermediates.push_back(defined->result);
    } // else a prologue op, inlined into the anchor's reads
  }

  auto yield = llvm::cast<graph::YieldOp>(body.getTerminator());
  if (yield.getValues().size() != 1)
    return fail("kernels with " + std::to_string(yield.getValues().size()) +
                " results are not supported yet");
  Value result = yield.getValues()[0];
  auto resultType = llvm::cast<RankedTensorType>(result.getType());
  funcs.outputShape.assign(resultType.getShape().begin(), resultType.getShape().end());
  TensorValue out = values.lookup(result);
  if (!out.isFunc || llvm::isa<BlockArgument>(result)) {
    // A copy kernel (or a kernel yielding its input): copy through a Func.
    std::vector<te::Expr> args;
    te::Func copy(fn + "_copy");
    std::vector<te::Var> vars;
    for (size_t d = 0; d < funcs.outputShape.size(); ++d)
      vars.emplace_back(fn + "_c" + std::to_string(d));
    copy(std::vector<te::Expr>(vars.begin(), vars.end())) =
        out(std::vector<te::Expr>(vars.begin(), vars.end()));
    funcs.anchor = OpFuncs{copy, te::Func(), false, {}};
    allFuncs.push_back(copy);
    out = TensorValue::of(copy, funcs.outputShape);
  }
  funcs.output = out.func;
  // The last intermediate is the output itself.
  if (!funcs.intermediates.empty() && funcs.intermediates.back().name() == funcs.output.name())
    funcs.intermediates.pop_back();
  funcs.output.set_shape(funcs.outputShape);

  if (auto err = applySchedule(funcs, schedule, target))
    return std::move(err);

  if (options.teDump) {
    std::ostringstream os;
    os << "// kernel " << fn << "\n// inputs:";
    for (const te::Input &in : inputs) {
      os << " " << in.name() << "[";
      for (size_t d = 0; d < in.shape().size(); ++d)
        os << (d ? "," : "") << in.shape()[d];
      os << "]";
    }
    os << "\n";
    os << "// schedule: " << schedule.str() << "\n";
    te::print_funcs(os, allFuncs);
    *options.teDump << os.str() << "\n";
  }

  te::LowerOptions lo;
  lo.name = fn;
  lo.share_cooperative_loops = target.isGPU();
  lo.vectorize = target.device != targets::Device::OpenCL;
  auto lowered = te::lower({funcs.output}, lo);
  if (!lowered.ok())
    return fail(lowered.error());

  // The model's call passes every input of the kernel, read or not, in operand order; te::lower
  // lists those it reads, in order of first use, then the output.
  te::LoweredFunc f = std::move(*lowered);
  std::vector<te::LoweredArg> args;
  for (const te::Input &in : inputs)
    args.push_back({in.name(), in.type(), {in.shape().begin(), in.shape().end()}, false});
  args.push_back(f.args.back());
  f.args = std::move(args);
  if (options.loopsDump) {
    std::ostringstream os;
    os << "// kernel " << fn << "\n" << f.body << "\n";
    *options.loopsDump << os.str();
  }
  return f;
}

} // namespace strata::lowering
