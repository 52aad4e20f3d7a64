//===- RefCheck.h - compiled results against the reference interpreter ----===//
//
// Shared by the e2e tests (test/e2e/Harness.h wraps these in gtest
// assertions), `strata onnx-test` and tools/fuzz-models: seeded inputs, the
// reference interpreter on the unoptimized import, and the comparison
// (integers and bools exactly, floats within atol + rtol * |expected|).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/reference/HostTensor.h"
#include "strata/strata.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace strata::conformance {

/// Seeded values for tensors of the given types and shapes: floats uniform in
/// [-1, 1), integers in [-4, 3] (unsigned: [0, 7]), booleans about half true.
/// Input k uses mulberry32(seed + k).
std::vector<HostTensor> randomInputs(const std::vector<TensorInfo> &inputs, uint32_t seed);

/// Imports a model without optimizing it and runs the reference interpreter.
llvm::Expected<std::vector<HostTensor>> runReference(const std::string &path,
                                                     const std::vector<HostTensor> &inputs,
                                                     const CompileOptions &options = {});

/// Whether `actual` matches `expected` (shape, element type, values: integers
/// and bools exactly, floats with |a - e| <= atol + rtol * |e|, NaN matching NaN,
/// an infinity only itself). Returns "" on a match, else what differs first:
/// "output 1: 3 of 40 elements differ; worst at flat index 7: got 1, expected 2 (atol ..., rtol ...)".
std::string compareOutputs(const std::vector<HostTensor> &actual,
                           const std::vector<HostTensor> &expected, double atol, double rtol);

} // namespace strata::conformance
