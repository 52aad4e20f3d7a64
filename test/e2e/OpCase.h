//===- OpCase.h - tiny JSON models for per-op end-to-end tests ------------===//
//
// An OpCase is a small JSON model (ONNX op names) that the whole pipeline
// compiles and runs; `runOpCase` compares it with the reference interpreter
// on the unoptimized graph.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/reference/HostTensor.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace strata::testing {

using nlohmann::json;

inline json input(const std::string &name, std::vector<int64_t> shape) {
  return {{"name", name}, {"shape", shape}};
}

/// A model input of another element type ("int64", "bool", "uint8", ...).
inline json typedInput(const std::string &name, std::vector<int64_t> shape, const std::string &dtype) {
  json j = input(name, shape);
  j["dtype"] = dtype;
  return j;
}

inline json node(const std::string &op, std::vector<std::string> inputs, std::vector<std::string> outputs,
          json attrs = json::object()) {
  return {{"op", op}, {"inputs", inputs}, {"outputs", outputs}, {"attrs", attrs}};
}

inline json randomTensor(std::vector<int64_t> shape, uint32_t seed, double lo = -1, double hi = 1) {
  return {{"shape", shape}, {"random", {{"seed", seed}, {"min", lo}, {"max", hi}}}};
}

struct OpCase {
  std::string name;
  json model;
  double atol = 1e-5, rtol = 1e-5;
};

inline std::ostream &operator<<(std::ostream &os, const OpCase &c) { return os << c.name; }

inline json model(std::vector<json> inputs, std::vector<json> nodes, std::vector<std::string> outputs,
           json initializers = json::object(), int opset = 17) {
  return {{"opset", opset}, {"inputs", inputs}, {"nodes", nodes},
          {"outputs", outputs}, {"initializers", initializers}};
}

/// One node at `opset`: its inputs are the model inputs, then the named
/// constant initializers in the given order ("" for an omitted input).
inline OpCase singleNodeCase(const std::string &name, const std::string &op, std::vector<json> inputs,
                             std::vector<std::pair<std::string, json>> consts, json attrs, int opset,
                             std::vector<std::string> outputs = {"out"}) {
  std::vector<std::string> names;
  for (const json &in : inputs)
    names.push_back(in["name"]);
  json inits = json::object();
  for (auto &[cname, value] : consts) {
    names.push_back(cname);
    if (!cname.empty())
      inits[cname] = value;
  }
  return {name, model(inputs, {node(op, names, outputs, attrs)}, outputs, inits, opset)};
}

/// Compiles the case, runs it on seeded inputs and compares with the reference interpreter.
void runOpCase(const OpCase &c);

/// Compiles the case and runs it and the reference interpreter on `inputs`;
/// both must match hand-computed `expected` outputs (this checks a
/// decomposition itself, which the reference interpreter shares).
void expectOpCaseOutputs(const OpCase &c, const std::vector<HostTensor> &inputs,
                         const std::vector<HostTensor> &expected);

/// A gtest-safe parameter name for the case.
std::string opCaseTestName(const OpCase &c, size_t index);

/// A float32 tensor with the given values, for hand-computed inputs and outputs.
inline HostTensor floatTensor(std::vector<int64_t> shape, std::vector<float> data) {
  return HostTensor::ofFloats(std::move(shape), std::move(data));
}
/// A bool tensor with the given values (0 or 1).
inline HostTensor boolTensor(std::vector<int64_t> shape, std::vector<int64_t> data) {
  return HostTensor::ofInts(DType::Bool, std::move(shape), std::move(data));
}
/// An int64 tensor with the given values.
inline HostTensor int64Tensor(std::vector<int64_t> shape, std::vector<int64_t> data) {
  return HostTensor::ofInts(DType::I64, std::move(shape), std::move(data));
}

} // namespace strata::testing

/// A parameterized suite `Suite` whose test CompiledMatchesReference runs
/// runOpCase on every case `casesFn()` returns.
#define STRATA_OP_CASE_SUITE(Suite, casesFn)                                                       \
  class Suite : public ::testing::TestWithParam<::strata::testing::OpCase> {};                     \
  TEST_P(Suite, CompiledMatchesReference) { ::strata::testing::runOpCase(GetParam()); }            \
  INSTANTIATE_TEST_SUITE_P(All, Suite, ::testing::ValuesIn(casesFn()),                             \
                           [](const ::testing::TestParamInfo<::strata::testing::OpCase> &info) {   \
                             return ::strata::testing::opCaseTestName(info.param, info.index);    \
                           })
