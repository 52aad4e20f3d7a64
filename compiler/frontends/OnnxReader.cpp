//===- OnnxReader.cpp -----------------------------------------------------===//
#include "compiler/frontends/OnnxReader.h"

#include "onnx/onnx_pb.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <type_traits>

using llvm::createStringError;
using llvm::inconvertibleErrorCode;

namespace strata::frontend {
namespace {

llvm::Error fail(const std::string &path, const std::string &msg) {
  return createStringError(inconvertibleErrorCode(), path + ": " + msg);
}

/// Strata's element type for an ONNX one, or an error message naming `what`.
llvm::Expected<DType> convertType(int32_t onnxType, const std::string &path,
                                  const std::string &what) {
  switch (onnxType) {
  case onnx::TensorProto::FLOAT: return DType::F32;
  case onnx::TensorProto::INT64: return DType::I64;
  case onnx::TensorProto::INT32: return DType::I32;
  case onnx::TensorProto::BOOL: return DType::Bool;
  case onnx::TensorProto::INT8: return DType::I8;
  case onnx::TensorProto::UINT8: return DType::U8;
  case onnx::TensorProto::INT16: return DType::I16;
  case onnx::TensorProto::UINT16: return DType::U16;
  case onnx::TensorProto::UINT32: return DType::U32;
  default:
    return fail(path, what + " has element type " +
                          onnx::TensorProto::DataType_Name((onnx::TensorProto::DataType)onnxType) +
                          ", which Strata does not support yet (float32, int64, int32, bool, int8, uint8, int16, uint16, uint32)");
  }
}

llvm::Expected<HostTensor> convertTensor(const onnx::TensorProto &p, const std::string &path) {
  std::string what = "tensor '" + p.name() + "'";
  auto dtype = convertType(p.data_type(), path, what);
  if (!dtype)
    return dtype.takeError();
  if (p.data_location() == onnx::TensorProto::EXTERNAL)
    return fail(path, what + " uses external data, which Strata does not read yet");
  std::vector<int64_t> shape(p.dims().begin(), p.dims().end());
  for (int64_t d : shape)
    if (d < 0)
      return fail(path, what + " has a negative dimension");
  // The element count is checked against the data before anything is
  // allocated: a corrupt file must not ask for terabytes.
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n))
      return fail(path, what + " has too many elements");
  if (p.has_raw_data()) {
    if (p.raw_data().size() / dtypeSize(*dtype) != (uint64_t)n ||
        p.raw_data().size() % dtypeSize(*dtype) != 0)
      return fail(path, what + " has " + std::to_string(p.raw_data().size()) +
                            " bytes of data for " + std::to_string(n) + " elements");
    return HostTensor::fromBytes(*dtype, shape, p.raw_data().data());
  }
  int64_t available = p.float_data_size() + p.int32_data_size() + p.int64_data_size() + p.uint64_data_size();
  if (n > available)
    return fail(path, what + " has " + std::to_string(available) + " values for " +
                          std::to_string(n) + " elements");
  HostTensor t(*dtype, shape);
  auto take = [&](const auto &field) -> llvm::Expected<HostTensor> {
    if ((int64_t)field.size() != n)
      return fail(path, what + " has " + std::to_string(field.size()) + " values for " +
                            std::to_string(n) + " elements");
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_floating_point_v<std::decay_t<decltype(field[i])>>)
        t.setF(i, field[i]);
      else
        t.setI(i, (int64_t)field[i]);
    }
    return t;
  };
  switch (p.data_type()) {
  case onnx::TensorProto::FLOAT: return take(p.float_data());
  case onnx::TensorProto::UINT32: return take(p.uint64_data()); // ONNX stores uint32 there
  case onnx::TensorProto::INT64: return take(p.int64_data());
  default: return take(p.int32_data()); // int32 and narrower, and bool
  }
}

llvm::Expected<AttrValue> convertAttr(const onnx::AttributeProto &a, const std::string &path,
                                      const std::string &node) {
  AttrValue v;
  switch (a.type()) {
  case onnx::AttributeProto::INT: v.kind = AttrValue::Kind::Int; v.i = a.i(); break;
  case onnx::AttributeProto::FLOAT: v.kind = AttrValue::Kind::Float; v.f = a.f(); break;
  case onnx::AttributeProto::STRING: v.kind = AttrValue::Kind::String; v.s = a.s(); break;
  case onnx::AttributeProto::INTS:
    v.kind = AttrValue::Kind::Ints;
    v.ints.assign(a.ints().begin(), a.ints().end());
    break;
  case onnx::AttributeProto::FLOATS:
    v.kind = AttrValue::Kind::Floats;
    v.floats.assign(a.floats().begin(), a.floats().end());
    break;
  case onnx::AttributeProto::TENSOR: {
    v.kind = AttrValue::Kind::Tensor;
    auto t = convertTensor(a.t(), path);
    if (!t)
      return t.takeError();
    v.tensor = std::move(*t);
    break;
  }
  default:
    return fail(path, "node '" + node + "': attribute '" + a.name() + "' has type " +
                          onnx::AttributeProto::AttributeType_Name(a.type()) +
                          ", which Strata does not support");
  }
  return v;
}

} // namespace

std::vector<std::string> readOnnxOpTypes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  std::vector<std::string> ops;
  if (in && model.ParseFromIstream(&in))
    for (const auto &n : model.graph().node())
      ops.push_back(n.op_type());
  return ops;
}

llvm::Expected<HostTensor> readTensorFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(path, "cannot open file");
  onnx::TensorProto proto;
  if (!proto.ParseFromIstream(&in))
    return fail(path, "not a valid ONNX TensorProto file");
  return convertTensor(proto, path);
}

llvm::Expected<ModelDesc> readOnnx(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(path, "cannot open file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseOnnx(buffer.str(), path);
}

llvm::Expected<ModelDesc> parseOnnx(const std::string &bytes, const std::string &path) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    return fail(path, "not a valid ONNX model (protobuf parse failed; is the file truncated?)");
  if (!model.has_graph() || model.graph().node_size() == 0)
    return fail(path, "not a valid ONNX model (it has no graph nodes)");

  ModelDesc desc;
  desc.path = path;
  desc.opset = 0;
  for (const auto &op : model.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx")
      desc.opset = op.version();
  // Before IR version 3 models had no opset imports and meant opset 1. A later
  // model without the default opset has only ops of other domains, which the
  // importer reports.
  if (model.opset_import_size() == 0)
    desc.opset = 1;

  const onnx::GraphProto &g = model.graph();
  // Unsupported element types are collected, so that the importer can list
  // them all (with the unsupported ops) before any other work.
  auto unsupportedType = [&](int32_t onnxType, const std::string &what) {
    auto dtype = convertType(onnxType, path, what);
    if (dtype)
      return false;
    llvm::consumeError(dtype.takeError());
    desc.unsupportedTypes.push_back(
        what + " (" + onnx::TensorProto::DataType_Name((onnx::TensorProto::DataType)onnxType) + ")");
    return true;
  };
  for (const auto &init : g.initializer()) {
    if (unsupportedType(init.data_type(), "initializer '" + init.name() + "'"))
      continue;
    auto t = convertTensor(init, path);
    if (!t)
      return t.takeError();
    desc.initializers[init.name()] = std::move(*t);
  }
  for (const auto &vi : g.input()) {
    if (desc.initializers.count(vi.name()))
      continue; // an initializer listed as input (old exporters): a weight, not an input
    ValueInfo info;
    info.name = vi.name();
    const auto &tt = vi.type().tensor_type();
    if (unsupportedType(tt.elem_type(), "input '" + vi.name() + "'"))
      continue;
    info.dtype = cantFail(convertType(tt.elem_type(), path, ""));
    for (const auto &d : tt.shape().dim())
      info.shape.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
    desc.inputs.push_back(std::move(info));
  }
  for (const auto &vi : g.output()) {
    desc.outputs.push_back(vi.name());
    int32_t elemType = vi.type().tensor_type().elem_type();
    if (elemType != onnx::TensorProto::UNDEFINED &&
        !unsupportedType(elemType, "output '" + vi.name() + "'"))
      desc.outputTypes[vi.name()] = cantFail(convertType(elemType, path, ""));
    if (vi.type().tensor_type().has_shape()) {
      std::vector<int64_t> &shape = desc.outputShapes[vi.name()];
      for (const auto &d : vi.type().tensor_type().shape().dim())
        shape.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
    }
  }

  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto &n = g.node(i);
    NodeDesc node;
    node.op = n.op_type();
    node.domain = n.domain();
    node.name = !n.name().empty() ? n.name()
                : n.output_size() ? n.op_type() + "(" + n.output(0) + ")"
                                  : n.op_type() + "#" + std::to_string(i);
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const auto &a : n.attribute()) {
      auto v = convertAttr(a, path, node.name);
      if (!v)
        return v.takeError();
      node.attrs[a.name()] = std::move(*v);
    }
    desc.nodes.push_back(std::move(node));
  }
  return desc;
}

} // namespace strata::frontend
