//===- JsonReader.cpp -----------------------------------------------------===//
//
// Built with -fexceptions (nlohmann/json reports type errors by throwing);
// every exception is caught here and becomes an llvm::Error.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontends/JsonReader.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

using nlohmann::json;

namespace strata::frontend {

std::vector<float> mulberry32Uniform(uint32_t seed, int64_t n, float lo, float hi) {
  std::vector<float> out(n);
  uint32_t a = seed;
  for (int64_t i = 0; i < n; ++i) {
    a += 0x6D2B79F5u;
    uint32_t t = (a ^ (a >> 15)) * (1u | a);
    t = (t + ((t ^ (t >> 7)) * (61u | t))) ^ t;
    double u = (double)(t ^ (t >> 14)) / 4294967296.0;
    out[i] = (float)(u * (hi - lo) + lo);
  }
  return out;
}

namespace {

struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

DType parseDType(const json &j) {
  std::string s = j.get<std::string>();
  if (s == "float32")
    return DType::F32;
  if (s == "int64")
    return DType::I64;
  if (s == "int32")
    return DType::I32;
  static const std::map<std::string, DType> types = {
      {"bool", DType::Bool}, {"int8", DType::I8},   {"uint8", DType::U8},
      {"int16", DType::I16}, {"uint16", DType::U16}, {"uint32", DType::U32}};
  auto it = types.find(s);
  if (it != types.end())
    return it->second;
  throw JsonError("unsupported dtype '" + s +
                  "' (float32, int64, int32, int16, int8, uint32, uint16, uint8, bool)");
}

/// An integer that int64 holds. (nlohmann converts a float or a larger unsigned
/// number with a plain cast, which is undefined or silently wraps.)
int64_t parseInt(const json &j, const std::string &what) {
  if (!j.is_number_integer() || (j.is_number_unsigned() && j.get<uint64_t>() > (uint64_t)INT64_MAX))
    throw JsonError(what + " must be an integer in the int64 range, got " + j.dump());
  return j.get<int64_t>();
}

std::vector<int64_t> parseShape(const json &j, const std::string &what) {
  if (!j.is_array())
    throw JsonError(what + ": \"shape\" must be an array of integers");
  std::vector<int64_t> shape;
  for (const json &d : j) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0)
      throw JsonError(what + ": \"shape\" must hold non-negative integers");
    shape.push_back(d.get<int64_t>());
  }
  return shape;
}

/// Stores one JSON number as element i: any number for float32; for the
/// integer types and bool an integer that int64 holds, read exactly (bool also
/// true/false). A number written with a fraction part ("-6.0") is accepted
/// only where it is a whole number a double holds exactly (|v| <= 2^53).
void setElement(HostTensor &t, int64_t i, const json &v, const std::string &what) {
  constexpr double kExactLimit = 9007199254740992.0; // 2^53
  if (t.isFloat()) {
    if (!v.is_number())
      throw JsonError(what + " must be a number");
    t.setF(i, v.get<double>());
  } else if (v.is_boolean() && t.dtype == DType::Bool) {
    t.setI(i, v.get<bool>());
  } else if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > (uint64_t)INT64_MAX)) {
    t.setI(i, v.get<int64_t>());
  } else if (v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>() &&
             std::fabs(v.get<double>()) <= kExactLimit) {
    t.setI(i, (int64_t)v.get<double>());
  } else {
    throw JsonError(what + " must be an integer in the int64 range for dtype " + dtypeName(t.dtype) +
                    ", got " + v.dump());
  }
}

/// `fillBudget`: how many more elements "fill" and "random" may make (they are
/// not bounded by the file's size).
HostTensor parseTensor(const json &j, const std::string &what, int64_t &fillBudget) {
  if (!j.is_object() || !j.contains("shape"))
    throw JsonError(what + ": a tensor needs a \"shape\"");
  std::vector<int64_t> shape = parseShape(j["shape"], what);
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxConstantElements)
      throw JsonError(what + ": shape " + shapeStr(shape) + " is too large (the limit is 2^28 elements)");
  DType dtype = j.contains("dtype") ? parseDType(j["dtype"]) : DType::F32;
  // Checked before anything is allocated.
  if (j.contains("data") && (!j["data"].is_array() || (int64_t)j["data"].size() != n))
    throw JsonError(what + ": \"data\" must be an array of " + std::to_string(n) + " numbers");
  if (!j.contains("data") && n > fillBudget)
    throw JsonError(what + ": shape " + shapeStr(shape) + " is too large (\"fill\" and \"random\" " +
                    "tensors may hold " + std::to_string(fillBudget) + " more elements)");
  if (!j.contains("data"))
    fillBudget -= n;
  HostTensor t(dtype, shape);
  if (j.contains("data")) {
    const json &data = j["data"];
    for (int64_t i = 0; i < n; ++i)
      setElement(t, i, data[i], what + ": data[" + std::to_string(i) + "]");
  } else if (j.contains("fill")) {
    for (int64_t i = 0; i < n; ++i)
      setElement(t, i, j["fill"], what + ": \"fill\"");
  } else if (j.contains("random")) {
    if (!t.isFloat())
      throw JsonError(what + ": \"random\" makes float32 data only");
    const json &r = j["random"];
    int64_t seed = r.contains("seed") ? parseInt(r["seed"], what + ": \"seed\"") : 1;
    if (seed < 0 || seed > UINT32_MAX)
      throw JsonError(what + ": \"seed\" must be in [0, 2^32)");
    auto values = mulberry32Uniform(seed, n, r.value("min", -1.f), r.value("max", 1.f));
    t = HostTensor::ofFloats(shape, std::move(values));
  } else {
    throw JsonError(what + ": a tensor needs \"data\", \"fill\" or \"random\"");
  }
  return t;
}

AttrValue parseAttr(const json &j, const std::string &what, int64_t &fillBudget) {
  AttrValue v;
  if (j.is_number_integer() || j.is_boolean()) {
    v.kind = AttrValue::Kind::Int;
    v.i = j.is_boolean() ? (int64_t)j.get<bool>() : parseInt(j, what);
  } else if (j.is_number()) {
    v.kind = AttrValue::Kind::Float;
    v.f = j.get<double>();
  } else if (j.is_string()) {
    v.kind = AttrValue::Kind::String;
    v.s = j.get<std::string>();
  } else if (j.is_array()) {
    bool allInts = std::all_of(j.begin(), j.end(), [](const json &e) { return e.is_number_integer(); });
    v.kind = allInts ? AttrValue::Kind::Ints : AttrValue::Kind::Floats;
    for (const json &e : j) {
      if (!e.is_number())
        throw JsonError(what + ": array attributes must hold numbers");
      if (allInts)
        v.ints.push_back(parseInt(e, what));
      else
        v.floats.push_back(e.get<double>());
    }
  } else if (j.is_object()) {
    v.kind = AttrValue::Kind::Tensor;
    v.tensor = parseTensor(j, what, fillBudget);
  } else {
    throw JsonError(what + ": unsupported attribute value");
  }
  return v;
}

std::vector<std::string> parseNames(const json &j, const std::string &what) {
  if (!j.is_array())
    throw JsonError(what + " must be an array of names");
  std::vector<std::string> names;
  for (const json &e : j)
    names.push_back(e.get<std::string>());
  return names;
}

ModelDesc parseModel(const json &root, int64_t fillBudget) {
  if (!root.is_object())
    throw JsonError("the top level must be an object");
  for (const char *key : {"inputs", "outputs", "nodes"})
    if (!root.contains(key))
      throw JsonError(std::string("missing \"") + key + "\"");
  ModelDesc desc;
  desc.opset = root.contains("opset") ? parseInt(root["opset"], "\"opset\"") : 17;
  for (const json &in : root["inputs"]) {
    ValueInfo info;
    info.name = in.at("name").get<std::string>();
    info.shape = parseShape(in.at("shape"), "input '" + info.name + "'");
    if (in.contains("dtype"))
      info.dtype = parseDType(in["dtype"]);
    desc.inputs.push_back(std::move(info));
  }
  desc.outputs = parseNames(root["outputs"], "\"outputs\"");
  if (root.contains("initializers"))
    for (auto &[name, t] : root["initializers"].items())
      desc.initializers[name] = parseTensor(t, "initializer '" + name + "'", fillBudget);
  int index = 0;
  for (const json &n : root["nodes"]) {
    NodeDesc node;
    node.op = n.at("op").get<std::string>();
    node.name = n.value("name", node.op + "_" + std::to_string(index));
    node.inputs = parseNames(n.value("inputs", json::array()), "node '" + node.name + "': \"inputs\"");
    node.outputs = parseNames(n.at("outputs"), "node '" + node.name + "': \"outputs\"");
    if (n.contains("attrs"))
      for (auto &[key, value] : n["attrs"].items())
        node.attrs[key] = parseAttr(value, "node '" + node.name + "': attribute '" + key + "'", fillBudget);
    desc.nodes.push_back(std::move(node));
    ++index;
  }
  return desc;
}

} // namespace

llvm::Expected<ModelDesc> parseJson(const std::string &text, const std::string &path,
                                    int64_t maxFilledElements) {
  try {
    json root = json::parse(text);
    ModelDesc desc = parseModel(root, maxFilledElements);
    desc.path = path;
    return desc;
  } catch (const std::exception &e) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": invalid JSON graph: " + e.what());
  }
}

llvm::Expected<ModelDesc> readJson(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": cannot open file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseJson(buffer.str(), path);
}

} // namespace strata::frontend
