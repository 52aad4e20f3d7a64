//===- CodeGen_NVPTX.h - loop IR -> PTX for CUDA GPUs ----------------------===//
//
// The launches of outlined GPU kernels (lowering/te_to_loops/OutlineGPU.h) as
// one PTX module, through the same LLVM code generator as the CPUs: each launch
// is a kernel (marked in nvvm.annotations), its block and thread loops read
// ctaid/tid, its parameters are the device addresses of its buffers. Math that
// LLVM's NVPTX backend cannot select (pow, f64 exp/log, the libm functions) is
// called from libdevice, linked from the CUDA toolkit ($CUDA_HOME, else
// /usr/local/cuda); f32 exp/log/tanh/erf stay Strata's inline polynomials.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "targets/CodeGen_LLVM.h"

#include <string>
#include <vector>

namespace strata::targets {

class CodeGen_NVPTX : public CodeGen_LLVM {
public:
  explicit CodeGen_NVPTX(Target target) : CodeGen_LLVM(std::move(target)) {}
};

/// PTX for `kernels` (each a launch: its GPU loops nested in dimension order, x first) for a
/// cuda-* target. Deterministic.
llvm::Expected<std::string> emitPTX(const std::vector<te::LoweredFunc> &kernels,
                                    const Target &target);

/// Where libdevice is: $STRATA_LIBDEVICE, else $CUDA_HOME/nvvm/libdevice/libdevice.10.bc,
/// else /usr/local/cuda/...; "" when none exists.
std::string findLibdevice();

} // namespace strata::targets
