//===- Generator.h - random valid models for differential fuzzing ---------===//
//
// Builds random chains and DAGs of the ONNX ops Strata converts as Strata JSON
// graphs (docs/json-format.md): random static shapes (odd sizes, size-1 dims,
// broadcasting), attributes and element types (float32, int64, int32, bool).
// The generator tracks, per tensor, its shape, a bound on its values and an
// estimate of the float error the compiled code may accumulate against the
// reference, so that it can
//   - keep inputs of ill-conditioned ops well inside their domain (Log, Sqrt,
//     Div, Pow and Reciprocal see values >= 0.25 in magnitude, Exp at most 4),
//   - apply discontinuous ops (Floor, Round, Sign, comparisons, ArgMax, Cast
//     to integers) only to float values that both sides hold exactly,
//   - give each output a tolerance scaled to the chain that made it.
// The same seed gives the same model.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace strata::fuzz {

struct GeneratedModel {
  nlohmann::json graph;       // a Strata JSON graph
  std::vector<double> atol;   // per output; rtol is the same for all
  double rtol = 1e-4;
  std::vector<std::string> ops; // the op of every node, in order
};

/// Model `index` of the batch with `seed`: a function of the two alone.
GeneratedModel generateModel(uint64_t seed, uint64_t index);

} // namespace strata::fuzz
