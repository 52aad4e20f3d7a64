//===- Workload.cpp -------------------------------------------------------===//
#include "lowering/schedules/Workload.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace strata::schedules {
namespace {

TensorType describe(Type type) {
  auto t = llvm::cast<RankedTensorType>(type);
  TensorType out;
  llvm::raw_string_ostream os(out.dtype);
  os << t.getElementType();
  out.shape.assign(t.getShape().begin(), t.getShape().end());
  return out;
}

std::string str(const TensorType &t) {
  std::string s = t.dtype + ":";
  for (size_t d = 0; d < t.shape.size(); ++d)
    s += (d ? "x" : "") + std::to_string(t.shape[d]);
  return s;
}

std::string join(const std::vector<int64_t> &v, const char *sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? sep : "") + std::to_string(v[i]);
  return s;
}

/// An attribute as text: integers and integer arrays compactly, anything else as MLIR prints it.
std::string attrStr(Attribute a) {
  if (auto b = llvm::dyn_cast<BoolAttr>(a))
    return b.getValue() ? "1" : "0";
  if (auto i = llvm::dyn_cast<IntegerAttr>(a))
    return std::to_string(i.getValue().getSExtValue());
  if (auto arr = llvm::dyn_cast<DenseI64ArrayAttr>(a))
    return join(std::vector<int64_t>(arr.asArrayRef().begin(), arr.asArrayRef().end()), "x");
  if (auto s = llvm::dyn_cast<StringAttr>(a))
    return s.getValue().str();
  if (auto f = llvm::dyn_cast<FloatAttr>(a)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", f.getValueAsDouble());
    return buf;
  }
  std::string out;
  llvm::raw_string_ostream os(out);
  os << a;
  return out;
}

/// The integer attributes of an op, sorted by name (the attribute dictionary's order).
std::vector<std::pair<std::string, std::vector<int64_t>>> intAttrs(Operation *op) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  for (NamedAttribute na : op->getAttrs()) {
    if (auto b = llvm::dyn_cast<BoolAttr>(na.getValue())) // before IntegerAttr: an i1 reads as -1
      out.push_back({na.getName().str(), {b.getValue() ? 1 : 0}});
    else if (auto i = llvm::dyn_cast<IntegerAttr>(na.getValue()))
      out.push_back({na.getName().str(), {i.getValue().getSExtValue()}});
    else if (auto arr = llvm::dyn_cast<DenseI64ArrayAttr>(na.getValue()))
      out.push_back({na.getName().str(), {arr.asArrayRef().begin(), arr.asArrayRef().end()}});
  }
  return out;
}

std::string opStr(Operation *op) {
  std::string s = op->getName().stripDialect().str();
  if (auto c = llvm::dyn_cast<graph::ConstantOp>(op)) {
    // A single value copied into the kernel is part of its code (pow by 2 is a multiply).
    auto dense = llvm::dyn_cast<DenseElementsAttr>(c.getValue());
    std::string value;
    if (dense && dense.getNumElements() == 1)
      value = "=" + attrStr(dense.getSplatValue<Attribute>());
    return s + "(" + str(describe(c.getType())) + value + ")";
  }
  std::vector<std::string> attrs;
  for (NamedAttribute na : op->getAttrs())
    attrs.push_back(na.getName().str() + "=" + attrStr(na.getValue()));
  if (!attrs.empty())
    s += "{" + llvm::join(attrs, ",") + "}";
  return s;
}

int64_t product(const std::vector<int64_t> &v, size_t from = 0) {
  int64_t n = 1;
  for (size_t i = from; i < v.size(); ++i)
    n *= v[i];
  return n;
}

int64_t flopsOf(Operation *op) {
  auto outType = describe(op->getResult(0).getType());
  int64_t out = outType.numElements();
  if (auto conv = llvm::dyn_cast<graph::Conv2DOp>(op)) {
    auto w = describe(conv.getFilter().getType()).shape; // O, I/groups, KH, KW
    return 2 * out * product(w, 1);
  }
  if (auto conv = llvm::dyn_cast<graph::Conv2DBlockedOp>(op)) {
    auto w = describe(conv.getFilter().getType()).shape; // O/b, IB, KH, KW, ib, b
    return 2 * out * product(w, 1) / w.back();
  }
  if (auto mm = llvm::dyn_cast<graph::MatMulOp>(op))
    return 2 * out * describe(mm.getLhs().getType()).shape.back();
  if (auto mm = llvm::dyn_cast<graph::MatMulPackedOp>(op))
    return 2 * out * describe(mm.getLhs().getType()).shape.back();
  if (auto k = op->getAttrOfType<DenseI64ArrayAttr>("kernel")) // pools
    return out * product({k.asArrayRef().begin(), k.asArrayRef().end()});
  if (op->getNumOperands() > 0 && llvm::isa<RankedTensorType>(op->getOperand(0).getType())) {
    int64_t in = describe(op->getOperand(0).getType()).numElements();
    if (in > out) // reductions read more than they write
      return in;
  }
  return out;
}

} // namespace

int64_t TensorType::numElements() const { return product(shape); }

int64_t TensorType::bytes() const {
  int bits = 32;
  size_t digits = dtype.find_first_of("0123456789");
  if (digits != std::string::npos)
    bits = std::stoi(dtype.substr(digits));
  return numElements() * std::max(1, bits / 8);
}

std::vector<int64_t> Workload::attr(const std::string &name, std::vector<int64_t> dflt) const {
  for (const auto &[n, v] : attrs)
    if (n == name)
      return v;
  return dflt;
}

std::string Workload::key() const {
  std::vector<std::string> ins;
  for (const TensorType &t : inputs)
    ins.push_back(str(t));
  return anchor + "(" + llvm::join(ins, ",") + "->" + str(output) + "):" + llvm::join(ops, "+");
}

Workload workloadOf(graph::KernelOp kernel) {
  Workload w;
  w.anchor = kernel.getAnchor().str();
  for (Value in : kernel.getInputs()) {
    w.inputs.push_back(describe(in.getType()));
    w.bytes += w.inputs.back().bytes();
  }
  w.output = describe(kernel.getResult(0).getType());
  w.bytes += w.output.bytes();
  for (Operation &op : kernel.getBody().front().without_terminator()) {
    w.ops.push_back(opStr(&op));
    if (!llvm::isa<graph::ConstantOp>(op))
      w.flops += flopsOf(&op);
  }
  if (Operation *anchor = kernel.getAnchorOp()) {
    for (Value v : anchor->getOperands())
      w.anchorOperands.push_back(describe(v.getType()));
    w.attrs = intAttrs(anchor);
  }
  return w;
}

} // namespace strata::schedules
