//===- HostRun.h - running an Executable on HostTensors -------------------===//
//
// The bridge between the public API's typed buffers and HostTensor, shared
// by the CLI, the conformance runner and the tests.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/reference/HostTensor.h"
#include "strata/strata.h"

#include "llvm/Support/Error.h"

namespace strata {

DType toDType(ElementType t);
ElementType toElementType(DType t);

/// A HostTensor as a compile-time constant input (CompileOptions::constant_inputs).
ConstantTensor toConstantTensor(const HostTensor &t);
/// Its inverse; `c.data` must hold the shape's bytes (the caller checks).
HostTensor fromConstantTensor(const ConstantTensor &c);

/// Runs `exe` on inputs in its input order; each must have the input's shape
/// and element type. Optionally reports the call's latency.
llvm::Expected<std::vector<HostTensor>> runOnHost(const Executable &exe,
                                                  const std::vector<HostTensor> &inputs,
                                                  double *latencyMs = nullptr);

} // namespace strata
