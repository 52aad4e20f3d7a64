//===- ModelCodegen.cpp ---------------------------------------------------===//
#include "compiler/ModelCodegen.h"

#include "dialects/graph/reference/Interpreter.h"

#include "llvm/IR/IRBuilder.h"

using namespace llvm;

namespace strata {

int dtypeCode(DType t) {
  switch (t) {
  case DType::F32: return 0;
  case DType::I64: return 1;
  case DType::I32: return 2;
  case DType::Bool: return 3;
  case DType::I8: return 4;
  case DType::U8: return 5;
  case DType::I16: return 6;
  case DType::U16: return 7;
  case DType::U32: return 8;
  }
  return -1;
}

namespace {

class ModelEmitter {
public:
  ModelEmitter(Module &m, const std::string &name) : m(m), ctx(m.getContext()), name(name) {}

  GlobalVariable *constantGlobal(const HostTensor &t, int64_t index) {
    // Every constant as its bytes in memory (the targets are little-endian, like the host):
    // the object writer emits a byte array in one piece, but a float array one element at a
    // time, which took 200 ms for rec's 2.7 M weights. (No code here reads the values: kernels
    // are in other modules.)
    std::vector<uint8_t> data(t.numBytes());
    t.toBytes(data.data());
    Constant *init = ConstantDataArray::get(ctx, ArrayRef<uint8_t>(data));
    auto *g = new GlobalVariable(m, init->getType(), /*isConstant=*/true,
                                 GlobalValue::InternalLinkage, init,
                                 name + "_const_" + std::to_string(index));
    g->setAlignment(Align(MemoryPlan::kAlignment));
    return g;
  }

  Function *declare(StringRef fnName, llvm::Type *ret, ArrayRef<llvm::Type *> params) {
    return cast<Function>(
        m.getOrInsertFunction(fnName, FunctionType::get(ret, params, false)).getCallee());
  }

  Function *define(const std::string &fnName, llvm::Type *ret, ArrayRef<llvm::Type *> params) {
    auto *fn = Function::Create(FunctionType::get(ret, params, false), GlobalValue::ExternalLinkage,
                                fnName, m);
    fn->addFnAttr(Attribute::NoUnwind);
    return fn;
  }

  /// A function returning a constant value: int NAME_num_inputs(void).
  void constantFunction(const std::string &fnName, Value *value) {
    Function *fn = define(fnName, value->getType(), {});
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", fn));
    b.CreateRet(value);
  }

  /// A function indexing a table: T NAME_input_rank(int i), out of range gives `dflt`.
  void tableFunction(const std::string &fnName, llvm::Type *elemTy, ArrayRef<Constant *> entries,
                     Constant *dflt) {
    auto *arrTy = ArrayType::get(elemTy, entries.size());
    auto *table = new GlobalVariable(m, arrTy, true, GlobalValue::InternalLinkage,
                                     ConstantArray::get(arrTy, entries), fnName + "_table");
    Function *fn = define(fnName, elemTy, {b32()});
    BasicBlock *entry = BasicBlock::Create(ctx, "entry", fn);
    BasicBlock *inRange = BasicBlock::Create(ctx, "in_range", fn);
    BasicBlock *outOfRange = BasicBlock::Create(ctx, "out_of_range", fn);
    IRBuilder<> b(entry);
    Value *i = fn->getArg(0);
    Value *ok = b.CreateICmpULT(i, b.getInt32(entries.size()));
    b.CreateCondBr(ok, inRange, outOfRange);
    b.SetInsertPoint(inRange);
    Value *slot = b.CreateInBoundsGEP(arrTy, table, {b.getInt32(0), i});
    b.CreateRet(b.CreateLoad(elemTy, slot));
    b.SetInsertPoint(outOfRange);
    b.CreateRet(dflt);
  }

  Constant *cstring(const std::string &s, const std::string &globalName) {
    auto *init = ConstantDataArray::getString(ctx, s);
    auto *g = new GlobalVariable(m, init->getType(), true, GlobalValue::InternalLinkage, init,
                                 globalName);
    return g;
  }

  void queries(const std::string &kind, const std::vector<TensorSignature> &tensors) {
    llvm::Type *ptr = PointerType::getUnqual(ctx);
    std::vector<Constant *> names, ranks, shapes, dtypes;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const auto &t = tensors[i];
      std::string base = name + "_" + kind + std::to_string(i);
      names.push_back(cstring(t.name, base + "_name"));
      ranks.push_back(ConstantInt::get(b32(), t.shape.size()));
      std::vector<uint64_t> dims(t.shape.begin(), t.shape.end());
      if (dims.empty())
        dims.push_back(1); // keep a valid pointer for rank-0 tensors
      auto *init = ConstantDataArray::get(ctx, ArrayRef<uint64_t>(dims));
      shapes.push_back(new GlobalVariable(m, init->getType(), true, GlobalValue::InternalLinkage,
                                          init, base + "_shape"));
      dtypes.push_back(ConstantInt::get(b32(), dtypeCode(t.dtype)));
    }
    Constant *null = ConstantPointerNull::get(PointerType::getUnqual(ctx));
    constantFunction(name + "_num_" + kind + "s", ConstantInt::get(b32(), tensors.size()));
    tableFunction(name + "_" + kind + "_name", ptr, names, null);
    tableFunction(name + "_" + kind + "_rank", b32(), ranks, ConstantInt::get(b32(), -1));
    tableFunction(name + "_" + kind + "_shape", ptr, shapes, null);
    tableFunction(name + "_" + kind + "_dtype", b32(), dtypes, ConstantInt::get(b32(), -1));
  }

  /// The profile's counters (two per kernel) and functions; see emitModelFunctions.
  void profiling(const std::vector<KernelInfo> &kernels) {
    llvm::Type *ptr = PointerType::getUnqual(ctx), *i64 = Type::getInt64Ty(ctx);
    int32_t n = (int32_t)kernels.size();
    auto *slotsTy = ArrayType::get(i64, 2 * std::max(n, 1));
    profileSlots = new GlobalVariable(m, slotsTy, false, GlobalValue::InternalLinkage,
                                      ConstantAggregateZero::get(slotsTy), name + "_profile_slots");
    profileSlots->setAlignment(Align(64));
    std::vector<Constant *> names, schedules, nodes;
    std::vector<int64_t> flops;
    for (int32_t i = 0; i < n; ++i) {
      std::string base = name + "_kernel" + std::to_string(i);
      names.push_back(cstring(kernels[i].name, base + "_name"));
      schedules.push_back(cstring(kernels[i].schedule.str(), base + "_schedule"));
      nodes.push_back(cstring(kernels[i].nodes, base + "_nodes"));
      flops.push_back(kernels[i].flops);
    }
    auto table = [&](const std::string &tableName, llvm::Type *elemTy, ArrayRef<Constant *> entries) {
      auto *ty = ArrayType::get(elemTy, entries.size());
      return new GlobalVariable(m, ty, true, GlobalValue::InternalLinkage,
                                ConstantArray::get(ty, entries), name + tableName);
    };
    Constant *nameTable = table("_kernel_names", ptr, names);
    Constant *scheduleTable = table("_kernel_schedules", ptr, schedules);
    Constant *nodeTable = table("_kernel_nodes", ptr, nodes);
    auto *flopsInit = ConstantDataArray::get(ctx, ArrayRef<int64_t>(flops));
    Constant *flopsTable = new GlobalVariable(m, flopsInit->getType(), true, GlobalValue::InternalLinkage,
                                              flopsInit, name + "_kernel_flops");

    constantFunction(name + "_num_kernels", ConstantInt::get(b32(), n));
    constantFunction(name + "_profile_counters", profileSlots);
    Function *reset = define(name + "_profile_reset", Type::getVoidTy(ctx), {});
    {
      IRBuilder<> b(BasicBlock::Create(ctx, "entry", reset));
      b.CreateCall(declare("strata_profile_reset", Type::getVoidTy(ctx), {ptr, b32()}),
                   {profileSlots, b.getInt32(n)});
      b.CreateRetVoid();
    }
    Function *print = define(name + "_profile_print", Type::getVoidTy(ctx), {Type::getDoubleTy(ctx)});
    {
      IRBuilder<> b(BasicBlock::Create(ctx, "entry", print));
      Function *printer = declare("strata_profile_print", Type::getVoidTy(ctx),
                                  {ptr, b32(), ptr, ptr, ptr, ptr, ptr, Type::getDoubleTy(ctx)});
      b.CreateCall(printer, {b.CreateGlobalStringPtr(name, name + "_profile_model_name"),
                             b.getInt32(n), nameTable, scheduleTable, nodeTable, flopsTable,
                             profileSlots, print->getArg(0)});
      b.CreateRetVoid();
    }
  }

  /// NAME_run's first step: the runtime checks the arguments (naming a bad one) and NAME_run
  /// returns its status unless it is 0; `b` continues where they are fine.
  void checkRunArgs(IRBuilder<> &b, Function *run, const ModelSignature &sig, Value *workspace) {
    llvm::Type *ptr = PointerType::getUnqual(ctx);
    Function *check = declare("strata_check_run_args", b32(), {ptr, ptr, b32(), ptr, b32(), ptr, ptr, ptr});
    Value *status = b.CreateCall(
        check, {b.CreateGlobalStringPtr(name, name + "_model_name"), run->getArg(0),
                b.getInt32(sig.inputs.size()), run->getArg(1), b.getInt32(sig.outputs.size()),
                workspace, m.getFunction(name + "_input_name"), m.getFunction(name + "_output_name")});
    BasicBlock *bad = BasicBlock::Create(ctx, "bad_args", run);
    BasicBlock *ok = BasicBlock::Create(ctx, "args_ok", run);
    b.CreateCondBr(b.CreateICmpNE(status, b.getInt32(0)), bad, ok);
    IRBuilder<>(bad).CreateRet(status);
    b.SetInsertPoint(ok);
  }

  void run(const MemoryPlan &plan, const std::vector<KernelCall> &calls, const ModelSignature &sig) {
    llvm::Type *ptr = PointerType::getUnqual(ctx);
    std::vector<GlobalVariable *> constants;
    for (size_t i = 0; i < plan.constants.size(); ++i)
      constants.push_back(
          constantGlobal(reference::fromAttr(graph::ConstantOp(plan.constants[i]).getValue()), (int64_t)i));

    // The kernels run on a given workspace.
    Function *body = Function::Create(FunctionType::get(b32(), {ptr, ptr, ptr}, false),
                                      GlobalValue::InternalLinkage, name + "_run_kernels", m);
    body->addFnAttr(Attribute::NoUnwind);
    {
      IRBuilder<> b(BasicBlock::Create(ctx, "entry", body));
      Value *inputs = body->getArg(0), *outputs = body->getArg(1), *ws = body->getArg(2);
      BasicBlock *fail = BasicBlock::Create(ctx, "fail", body);
      PHINode *failed = PHINode::Create(b32(), calls.size(), "status", fail);
      Function *now = profileSlots ? declare("strata_profile_now", b.getInt64Ty(), {}) : nullptr;
      Function *add = profileSlots ? declare("strata_profile_add", b.getVoidTy(), {ptr, b.getInt64Ty()})
                                   : nullptr;
      for (size_t k = 0; k < calls.size(); ++k) {
        const KernelCall &call = calls[k];
        std::vector<Value *> args;
        for (const Storage &s : call.args) {
          switch (s.kind) {
          case Storage::Kind::Input:
            args.push_back(b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, inputs, s.index)));
            break;
          case Storage::Kind::Output:
            args.push_back(b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, outputs, s.index)));
            break;
          case Storage::Kind::Constant:
            args.push_back(constants[s.index]);
            break;
          case Storage::Kind::Arena:
            args.push_back(b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), ws, s.offset));
            break;
          }
        }
        Function *kernel = m.getFunction(call.function);
        Value *start = now ? b.CreateCall(now, {}) : nullptr;
        Value *status = b.CreateCall(kernel, args);
        if (add)
          b.CreateCall(add, {b.CreateConstInBoundsGEP2_64(profileSlots->getValueType(), profileSlots,
                                                           0, 2 * k),
                             start});
        BasicBlock *next = BasicBlock::Create(ctx, "next", body);
        b.CreateCondBr(b.CreateICmpNE(status, b.getInt32(0)), fail, next);
        failed->addIncoming(status, b.GetInsertBlock());
        b.SetInsertPoint(next);
      }
      b.CreateRet(b.getInt32(0));
      if (calls.empty())
        fail->eraseFromParent();
      else
        IRBuilder<>(fail).CreateRet(failed);
    }

    // NAME_run: checks its arguments (the runtime names a bad one), then allocates the
    // workspace when the caller passes none.
    Function *run = define(name + "_run", b32(), {ptr, ptr, ptr});
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", run));
    Value *ws = run->getArg(2);
    checkRunArgs(b, run, sig, ws);
    if (plan.arenaBytes == 0) {
      b.CreateRet(b.CreateCall(body, {run->getArg(0), run->getArg(1), ws}));
      return;
    }
    BasicBlock *given = BasicBlock::Create(ctx, "given", run);
    BasicBlock *alloc = BasicBlock::Create(ctx, "alloc", run);
    BasicBlock *oom = BasicBlock::Create(ctx, "oom", run);
    BasicBlock *owned = BasicBlock::Create(ctx, "owned", run);
    b.CreateCondBr(b.CreateIsNull(ws), alloc, given);
    b.SetInsertPoint(given);
    b.CreateRet(b.CreateCall(body, {run->getArg(0), run->getArg(1), ws}));
    b.SetInsertPoint(alloc);
    Function *allocFn = declare("strata_aligned_alloc", ptr, {b.getInt64Ty()});
    Function *freeFn = declare("strata_aligned_free", b.getVoidTy(), {ptr});
    Value *mem = b.CreateCall(allocFn, {b.getInt64(plan.arenaBytes)});
    b.CreateCondBr(b.CreateIsNull(mem), oom, owned);
    b.SetInsertPoint(oom);
    b.CreateRet(b.getInt32(2)); // STRATA_ERROR_OUT_OF_MEMORY
    b.SetInsertPoint(owned);
    Value *status = b.CreateCall(body, {run->getArg(0), run->getArg(1), mem});
    b.CreateCall(freeFn, {mem});
    b.CreateRet(status);
  }

  /// NAME_run for a model whose kernels run on a GPU: the program as the runtime's
  /// strata_gpu_program (runtime/strata_runtime.h), handed to strata_cl_run / strata_cuda_run.
  void runOnDevice(const MemoryPlan &plan, const DeviceProgram &device, const ModelSignature &sig) {
    llvm::Type *ptr = PointerType::getUnqual(ctx), *i32 = b32(), *i64 = Type::getInt64Ty(ctx);
    // The weights: one blob, each constant 64-byte aligned.
    std::vector<uint8_t> blob;
    std::vector<int64_t> constOffsets;
    for (graph::ConstantOp c : plan.constants) {
      HostTensor t = reference::fromAttr(c.getValue());
      blob.resize((blob.size() + MemoryPlan::kAlignment - 1) / MemoryPlan::kAlignment *
                  MemoryPlan::kAlignment);
      constOffsets.push_back((int64_t)blob.size());
      size_t at = blob.size();
      blob.resize(at + t.numBytes());
      t.toBytes(blob.data() + at);
    }
    int64_t constBytes = (int64_t)blob.size();
    if (blob.empty())
      blob.push_back(0);
    Constant *constInit = ConstantDataArray::get(ctx, ArrayRef<uint8_t>(blob));
    auto *consts = new GlobalVariable(m, constInit->getType(), true, GlobalValue::InternalLinkage,
                                      constInit, name + "_cl_constants");
    consts->setAlignment(Align(MemoryPlan::kAlignment));

    auto *argTy = StructType::get(ctx, {i32, i32, i64});
    auto *dimsTy = ArrayType::get(i64, 3);
    auto *launchTy = StructType::get(ctx, {i32, i32, ptr, i32, i32, dimsTy, dimsTy});
    int32_t firstOutput = 2 + (int32_t)sig.inputs.size();
    std::vector<Constant *> launches, kernelNames;
    for (size_t l = 0; l < device.launches.size(); ++l) {
      const DeviceLaunch &d = device.launches[l];
      std::vector<Constant *> args;
      for (const Storage &st : d.args) {
        int32_t buffer = 0;
        int64_t offset = 0;
        switch (st.kind) {
        case Storage::Kind::Arena: buffer = 0, offset = st.offset; break;
        case Storage::Kind::Constant: buffer = 1, offset = constOffsets[st.index]; break;
        case Storage::Kind::Input: buffer = 2 + (int32_t)st.index; break;
        case Storage::Kind::Output: buffer = firstOutput + (int32_t)st.index; break;
        }
        args.push_back(ConstantStruct::get(argTy, {ConstantInt::get(i32, buffer),
                                                   ConstantInt::get(i32, 0),
                                                   ConstantInt::get(i64, offset)}));
      }
      auto *argsArr = ArrayType::get(argTy, args.size());
      auto *argsGlobal = new GlobalVariable(m, argsArr, true, GlobalValue::InternalLinkage,
                                            ConstantArray::get(argsArr, args),
                                            name + "_cl_args" + std::to_string(l));
      auto dims = [&](const int64_t *v) {
        return ConstantDataArray::get(ctx, ArrayRef<uint64_t>({(uint64_t)v[0], (uint64_t)v[1], (uint64_t)v[2]}));
      };
      launches.push_back(ConstantStruct::get(
          launchTy, {ConstantInt::get(i32, l), ConstantInt::get(i32, args.size()), argsGlobal,
                     ConstantInt::get(i32, d.dims), ConstantInt::get(i32, 0), dims(d.global),
                     dims(d.local)}));
      kernelNames.push_back(cstring(d.kernel, name + "_cl_kernel" + std::to_string(l)));
    }
    auto table = [&](const std::string &suffix, llvm::Type *elemTy, ArrayRef<Constant *> entries) {
      auto *ty = ArrayType::get(elemTy, entries.size());
      return new GlobalVariable(m, ty, true, GlobalValue::InternalLinkage,
                                ConstantArray::get(ty, entries), name + suffix);
    };
    auto sizes = [&](const std::string &suffix, const std::vector<TensorSignature> &tensors) {
      std::vector<uint64_t> bytes;
      for (const TensorSignature &t : tensors) {
        int64_t n = (int64_t)dtypeSize(t.dtype);
        for (int64_t d : t.shape)
          n *= d;
        bytes.push_back((uint64_t)n);
      }
      if (bytes.empty())
        bytes.push_back(0);
      Constant *init = ConstantDataArray::get(ctx, ArrayRef<uint64_t>(bytes));
      return new GlobalVariable(m, init->getType(), true, GlobalValue::InternalLinkage, init,
                                name + suffix);
    };
    auto *programTy = StructType::get(
        ctx, {ptr, ptr, i32, ptr, i32, ptr, i64, ptr, i64, i32, i32, ptr, ptr});
    Constant *program = ConstantStruct::get(
        programTy,
        {cstring(name, name + "_cl_name"), cstring(device.source, name + "_cl_source"),
         ConstantInt::get(i32, launches.size()), table("_cl_kernel_names", ptr, kernelNames),
         ConstantInt::get(i32, launches.size()), table("_cl_launches", launchTy, launches),
         ConstantInt::get(i64, device.workspaceBytes), consts, ConstantInt::get(i64, constBytes),
         ConstantInt::get(i32, sig.inputs.size()), ConstantInt::get(i32, sig.outputs.size()),
         sizes("_cl_input_bytes", sig.inputs), sizes("_cl_output_bytes", sig.outputs)});
    auto *programGlobal = new GlobalVariable(m, programTy, true, GlobalValue::InternalLinkage,
                                             program, name + "_cl_program");
    auto *stateTy = StructType::get(ctx, ArrayRef<llvm::Type *>{ptr});
    auto *state = new GlobalVariable(m, stateTy, false, GlobalValue::InternalLinkage,
                                     ConstantAggregateZero::get(stateTy), name + "_cl_state");

    Function *run = define(name + "_run", i32, {ptr, ptr, ptr});
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", run));
    // The workspace argument is not used (the device has its own), so it is not checked.
    checkRunArgs(b, run, sig, ConstantPointerNull::get(PointerType::getUnqual(ctx)));
    Function *deviceRun =
        declare(device.api == DeviceProgram::API::CUDA ? "strata_cuda_run" : "strata_cl_run", i32,
                {ptr, ptr, ptr, ptr});
    b.CreateRet(b.CreateCall(deviceRun, {state, programGlobal, run->getArg(0), run->getArg(1)}));

    bool cuda = device.api == DeviceProgram::API::CUDA;
    // NAME_run_device(inputs, outputs) and NAME_device_context(&context): the runtime's, with
    // this model's state and program.
    auto forward = [&](const std::string &suffix, const char *clFn, const char *cudaFn, unsigned args) {
      std::vector<llvm::Type *> params(args, ptr);
      Function *f = define(name + suffix, i32, params);
      IRBuilder<> fb(BasicBlock::Create(ctx, "entry", f));
      std::vector<Value *> callArgs = {state, programGlobal};
      for (unsigned a = 0; a < args; ++a)
        callArgs.push_back(f->getArg(a));
      std::vector<llvm::Type *> calleeParams(args + 2, ptr);
      fb.CreateRet(fb.CreateCall(declare(cuda ? cudaFn : clFn, i32, calleeParams), callArgs));
    };
    forward("_run_device", "strata_cl_run_device", "strata_cuda_run_device", 2);
    forward("_device_context", "strata_cl_context", "strata_cuda_context", 1);

    // NAME_release: the device resources freed (the next run sets them up again).
    Function *release = define(name + "_release", Type::getVoidTy(ctx), {});
    IRBuilder<> rb(BasicBlock::Create(ctx, "entry", release));
    rb.CreateCall(declare(cuda ? "strata_cuda_release" : "strata_cl_release", Type::getVoidTy(ctx), {ptr}),
                  {state});
    rb.CreateRetVoid();
  }

  void support(const MemoryPlan &plan, bool device) {
    llvm::Type *ptr = PointerType::getUnqual(ctx);
    constantFunction(name + "_workspace_size",
                     ConstantInt::get(Type::getInt64Ty(ctx), device ? 0 : plan.arenaBytes));
    // NAME_error_message: the runtime's message for the last failure, else the status name.
    Function *msg = define(name + "_error_message", ptr, {b32()});
    {
      IRBuilder<> b(BasicBlock::Create(ctx, "entry", msg));
      Function *last = declare("strata_last_error", ptr, {});
      Function *str = declare("strata_status_string", ptr, {b32()});
      BasicBlock *useLast = BasicBlock::Create(ctx, "use_last", msg);
      BasicBlock *useStatus = BasicBlock::Create(ctx, "use_status", msg);
      Value *l = b.CreateCall(last, {});
      Value *empty = b.CreateOr(b.CreateIsNull(l),
                                b.CreateICmpEQ(b.CreateLoad(b.getInt8Ty(), l), b.getInt8(0)));
      Value *isOk = b.CreateICmpEQ(msg->getArg(0), b.getInt32(0));
      b.CreateCondBr(b.CreateOr(empty, isOk), useStatus, useLast);
      b.SetInsertPoint(useLast);
      b.CreateRet(l);
      b.SetInsertPoint(useStatus);
      b.CreateRet(b.CreateCall(str, {msg->getArg(0)}));
    }
    Function *threads = define(name + "_set_num_threads", Type::getVoidTy(ctx), {b32()});
    {
      IRBuilder<> b(BasicBlock::Create(ctx, "entry", threads));
      b.CreateCall(declare("strata_set_num_threads", b32(), {b32()}), {threads->getArg(0)});
      b.CreateRetVoid();
    }
  }

private:
  llvm::Type *b32() { return Type::getInt32Ty(ctx); }
  Module &m;
  LLVMContext &ctx;
  std::string name;
  GlobalVariable *profileSlots = nullptr; // set by profiling()
};

} // namespace

void emitModelFunctions(Module &module, const std::string &name, const ModelSignature &sig,
                        const MemoryPlan &plan, const std::vector<KernelCall> &calls,
                        const std::vector<KernelInfo> *profile, const DeviceProgram *device) {
  ModelEmitter e(module, name);
  if (profile)
    e.profiling(*profile);
  e.queries("input", sig.inputs);
  e.queries("output", sig.outputs);
  if (device)
    e.runOnDevice(plan, *device, sig);
  else
    e.run(plan, calls, sig);
  e.support(plan, device != nullptr);
}

} // namespace strata
