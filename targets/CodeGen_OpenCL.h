//===- CodeGen_OpenCL.h - loop IR -> OpenCL C ------------------------------===//
//
// The launches of an outlined GPU kernel (lowering/te_to_loops/OutlineGPU.h) as
// OpenCL C 1.2 kernels. The semantics are the IR's (dialects/te/IR.h): floor
// division and Euclidean modulo with a zero divisor giving 0, saturating
// float-to-int casts, NaN-propagating float min/max, wrapping unsigned and
// narrow-integer arithmetic; helpers in the program's prelude implement them.
// Kernel parameters come in pairs: a buffer (__global T *) and its byte offset
// (ulong), as the runtime's strata_gpu_launch passes them. Bool buffers hold one
// byte per element.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lowering/te_to_loops/OutlineGPU.h"

#include "llvm/Support/Error.h"

#include <string>

namespace strata::targets {

/// What every program starts with: extensions and the helper functions.
std::string openclPrelude();

/// The OpenCL C of every launch of `program`, outlined from `f`.
llvm::Expected<std::string> emitOpenCL(const te::LoweredFunc &f, const te::GPUProgram &program);

} // namespace strata::targets
