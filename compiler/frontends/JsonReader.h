//===- JsonReader.h - Strata's JSON graph format -> ModelDesc -------------===//
//
// The format (documented in docs/json-format.md):
//   { "inputs": [{"name": "x", "shape": [1, 3, 8, 8]}],
//     "outputs": ["y"],
//     "initializers": {"w": {"shape": [4, 3, 3, 3], "data": [...]},
//                      "b": {"shape": [4], "fill": 0.5},
//                      "r": {"shape": [4], "random": {"seed": 1}}},
//     "nodes": [{"op": "Conv", "name": "conv0", "inputs": ["x", "w", "b"],
//                "outputs": ["y"], "attrs": {"pads": [1, 1, 1, 1]}}] }
// Ops and attributes are ONNX's (opset 17 semantics unless "opset" is given).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/frontends/ModelDesc.h"
#include "llvm/Support/Error.h"

namespace strata::frontend {

llvm::Expected<ModelDesc> readJson(const std::string &path);
/// `maxFilledElements`: how many elements the "fill" and "random" tensors may hold in all
/// (unlike "data", they are not bounded by the file's size; the fuzz target lowers it).
llvm::Expected<ModelDesc> parseJson(const std::string &text, const std::string &path,
                                    int64_t maxFilledElements = int64_t(1) << 28);

/// Uniform values in [lo, hi) from mulberry32(seed), the generator of the
/// reference data in test/models/ref.
std::vector<float> mulberry32Uniform(uint32_t seed, int64_t n, float lo = -1.f, float hi = 1.f);

} // namespace strata::frontend
