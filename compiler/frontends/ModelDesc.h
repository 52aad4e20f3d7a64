//===- ModelDesc.h - a model as a list of ONNX-style nodes ----------------===//
//
// Both file frontends (ONNX protobuf and Strata's JSON graph format) read a
// model into this neutral form; GraphBuilder then turns it into the graph
// dialect. So JSON models use ONNX op names and attributes, and every op
// conversion is written once.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/reference/HostTensor.h"

#include <map>
#include <string>
#include <vector>

namespace strata::frontend {

/// The most elements a compile-time tensor may have (1 GiB of float32): a
/// corrupt or hostile model must not make the compiler allocate terabytes.
constexpr int64_t kMaxConstantElements = int64_t(1) << 28;

struct AttrValue {
  enum class Kind { Int, Float, Ints, Floats, String, Tensor } kind = Kind::Int;
  int64_t i = 0;
  double f = 0;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::string s;
  HostTensor tensor;
};

struct NodeDesc {
  std::string op;   // ONNX op type, e.g. "Conv"
  std::string domain; // operator domain: "" (or "ai.onnx") for ONNX's default one
  std::string name; // node name (made up from the output name when the model has none)
  std::vector<std::string> inputs;  // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, AttrValue> attrs;
};

struct ValueInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape; // -1 marks a dynamic dimension
};

struct ModelDesc {
  std::string path; // where it came from, for error messages
  int64_t opset = 17; // of the default ONNX domain; 0 when not imported
  std::vector<ValueInfo> inputs;  // graph inputs that are not initializers
  std::vector<std::string> outputs;
  std::map<std::string, DType> outputTypes; // declared output element types, where known
  std::map<std::string, std::vector<int64_t>> outputShapes; // declared output shapes (-1: dynamic), where known
  std::map<std::string, HostTensor> initializers;
  /// "input 'x' (UINT8)": values whose element type Strata does not support,
  /// reported by the importer together with unsupported ops.
  std::vector<std::string> unsupportedTypes;
  std::vector<NodeDesc> nodes; // in topological order
};

} // namespace strata::frontend
