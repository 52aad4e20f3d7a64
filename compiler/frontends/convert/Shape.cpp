//===- Shape.cpp - shape and data-movement ONNX ops -> graph dialect ----- ===//
#include "compiler/frontends/GraphBuilderImpl.h"

#include <set>

namespace strata::frontend::detail {

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::convertReshape(const NodeDesc &n) {
  Value x = input(n, 0);
  std::vector<int64_t> target;
  if (model.opset < 5) {
    target = attrInts(n, "shape", {});
  } else {
    auto c = constantInput(n, 1, "the target shape");
    if (!c)
      return c.takeError();
    target.assign(c->values.begin(), c->values.end());
  }
  auto in = shapeOf(x);
  bool allowZero = attrInt(n, "allowzero", 0) != 0;
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allowZero) {
      if (i >= in.size())
        return fail(n, "shape entry 0 at position " + std::to_string(i) + " has no input dim to copy");
      target[i] = in[i];
    }
    if (target[i] == -1) {
      if (inferred >= 0)
        return fail(n, "shape has more than one -1");
      inferred = i;
    } else if (target[i] < 0) {
      return fail(n, "invalid shape entry " + std::to_string(target[i]));
    } else {
      known *= target[i];
    }
  }
  int64_t total = HostTensor::numElements(std::vector<int64_t>(in.begin(), in.end()));
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return fail(n, "cannot reshape " + shapeStr(in) + " into " + shapeStr(target));
    target[inferred] = total / known;
  }
  if (HostTensor::numElements(target) != total)
    return fail(n, "cannot reshape " + shapeStr(in) + " (" + std::to_string(total) +
                       " elements) into " + shapeStr(target));
  return define(n, 0, reshape(x, target));
}

llvm::Error GraphBuilder::convertFlatten(const NodeDesc &n) {
  Value x = input(n, 0);
  auto in = shapeOf(x);
  int64_t rank = in.size(), axis = normalizeAxis(attrInt(n, "axis", 1), rank);
  if (axis < 0 || axis > rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= in[d];
  return define(n, 0, reshape(x, {outer, inner}));
}

llvm::Error GraphBuilder::convertSqueeze(const NodeDesc &n, bool unsqueeze) {
  Value x = input(n, 0);
  std::vector<int64_t> axes = attrInts(n, "axes", {});
  if (model.opset >= 13 && hasInput(n, 1)) {
    auto c = constantInput(n, 1, "axes");
    if (!c)
      return c.takeError();
    axes.assign(c->values.begin(), c->values.end());
  }
  auto in = shapeOf(x);
  std::vector<int64_t> out;
  if (unsqueeze) {
    int64_t rank = in.size() + axes.size();
    std::set<int64_t> at;
    for (int64_t a : axes)
      at.insert(normalizeAxis(a, rank));
    size_t next = 0;
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(at.count(d) ? 1 : in[next++]);
    if (next != in.size() || at.size() != axes.size())
      return fail(n, "invalid axes for rank " + std::to_string(rank));
  } else {
    std::set<int64_t> at;
    for (int64_t a : axes)
      at.insert(normalizeAxis(a, in.size()));
    for (int64_t d = 0; d < (int64_t)in.size(); ++d) {
      bool drop = axes.empty() ? in[d] == 1 : at.count(d) > 0;
      if (drop && in[d] != 1)
        return fail(n, "cannot squeeze dimension " + std::to_string(d) + " of size " +
                           std::to_string(in[d]));
      if (!drop)
        out.push_back(in[d]);
    }
  }
  return define(n, 0, reshape(x, out));
}

llvm::Error GraphBuilder::convertTranspose(const NodeDesc &n) {
  Value x = input(n, 0);
  int64_t rank = shapeOf(x).size();
  std::vector<int64_t> reversed(rank);
  for (int64_t i = 0; i < rank; ++i)
    reversed[i] = rank - 1 - i;
  auto perm = attrInts(n, "perm", reversed);
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p] || (int64_t)perm.size() != rank)
      return fail(n, "perm is not a permutation of 0.." + std::to_string(rank - 1));
    seen[p] = true;
  }
  return define(n, 0, transpose(x, perm));
}

llvm::Error GraphBuilder::convertConcat(const NodeDesc &n) {
  SmallVector<Value> ins;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    Value v = input(n, i);
    ins.push_back(v);
  }
  if (ins.empty())
    return fail(n, "needs at least one input");
  auto shape = SmallVector<int64_t>(shapeOf(ins[0]));
  int64_t axis = normalizeAxis(attrInt(n, "axis", 0), shape.size());
  if (axis < 0 || axis >= (int64_t)shape.size())
    return fail(n, "axis is out of range for rank " + std::to_string(shape.size()));
  shape[axis] = 0;
  for (Value v : ins) {
    auto s = shapeOf(v);
    for (size_t d = 0; d < s.size(); ++d)
      if ((int64_t)d != axis && (s.size() != shape.size() || s[d] != shape[d]))
        return fail(n, "input shapes " + shapeStr(shapeOf(ins[0])) + " and " + shapeStr(s) +
                           " differ outside axis " + std::to_string(axis));
    shape[axis] += s[axis];
  }
  auto type = tensorType(shape, typeOf(ins[0]).getElementType());
  return define(n, 0, b.create<g::ConcatOp>(loc, type, ins, b.getI64IntegerAttr(axis)));
}

llvm::Error GraphBuilder::convertSlice(const NodeDesc &n) {
  Value x = input(n, 0);
  auto in = shapeOf(x);
  int64_t rank = in.size();
  std::vector<int64_t> starts, ends, axes, steps;
  if (model.opset < 10) {
    starts = attrInts(n, "starts", {});
    ends = attrInts(n, "ends", {});
    axes = attrInts(n, "axes", {});
  } else {
    const char *names[] = {"starts", "ends", "axes", "steps"};
    std::vector<int64_t> *dst[] = {&starts, &ends, &axes, &steps};
    for (size_t i = 1; i <= 4; ++i) {
      if (!hasInput(n, i))
        continue;
      auto c = constantInput(n, i, names[i - 1]);
      if (!c)
        return c.takeError();
      dst[i - 1]->assign(c->values.begin(), c->values.end());
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return fail(n, "starts, ends, axes and steps must have the same length");
  SmallVector<int64_t> outStarts(rank, 0), outSteps(rank, 1), out(in.begin(), in.end());
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = normalizeAxis(axes[i], rank);
    if (a < 0 || a >= rank)
      return fail(n, "axis " + std::to_string(axes[i]) + " is out of range");
    if (steps[i] <= 0)
      return fail(n, "negative or zero steps are not supported yet");
    int64_t dim = in[a];
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v += dim;
      return std::clamp<int64_t>(v, 0, dim);
    };
    int64_t s = clampIndex(starts[i]), e = clampIndex(ends[i]);
    outStarts[a] = s;
    outSteps[a] = steps[i];
    out[a] = e > s ? (e - s + steps[i] - 1) / steps[i] : 0;
    if (out[a] == 0)
      outStarts[a] = 0;
  }
  auto type = tensorType(out, typeOf(x).getElementType());
  return define(n, 0,
                b.create<g::SliceOp>(loc, type, x, b.getDenseI64ArrayAttr(outStarts),
                                     b.getDenseI64ArrayAttr(outSteps)));
}

llvm::Error GraphBuilder::convertShape(const NodeDesc &n) {
  Value x = input(n, 0);
  if (n.attrs.count("start") || n.attrs.count("end"))
    return fail(n, "the start/end attributes are not supported yet");
  int64_t rank = shapeOf(x).size();
  return define(n, 0, b.create<g::ShapeOp>(loc, tensorType({rank}, b.getI64Type()), x));
}

llvm::Error GraphBuilder::convertCast(const NodeDesc &n) {
  Value x = input(n, 0);
  int64_t to = attrInt(n, "to", 0);
  Type elem;
  if (to == 1 /*FLOAT*/)
    elem = b.getF32Type();
  else if (to == 7 /*INT64*/ || to == 6 /*INT32*/)
    elem = b.getI64Type();
  else
    return fail(n, "cast to ONNX type " + std::to_string(to) +
                       " is not supported (float, int32, int64)");
  if (elem == typeOf(x).getElementType())
    return define(n, 0, x);
  return define(n, 0, b.create<g::CastOp>(loc, tensorType(shapeOf(x), elem), x));
}

llvm::Error GraphBuilder::convertConstant(const NodeDesc &n) {
  for (auto &[key, attr] : n.attrs) {
    HostTensor t;
    if (key == "value") {
      t = attr.tensor;
    } else if (key == "value_float") {
      t = HostTensor(DType::F32, {});
      t.set(0, attr.f);
    } else if (key == "value_int") {
      t = HostTensor(DType::I64, {});
      t.set(0, attr.i);
    } else if (key == "value_floats") {
      t = HostTensor(DType::F32, {(int64_t)attr.floats.size()});
      for (size_t i = 0; i < attr.floats.size(); ++i)
        t.set(i, attr.floats[i]);
    } else if (key == "value_ints") {
      t = HostTensor(DType::I64, {(int64_t)attr.ints.size()});
      for (size_t i = 0; i < attr.ints.size(); ++i)
        t.set(i, attr.ints[i]);
    } else {
      return fail(n, "attribute '" + key + "' is not supported");
    }
    return define(n, 0, constant(t));
  }
  return fail(n, "has no value attribute");
}

llvm::Error GraphBuilder::convertIdentity(const NodeDesc &n) {
  Value x = input(n, 0);
  if (n.op == "Dropout" && n.outputs.size() > 1 && !n.outputs[1].empty())
    return fail(n, "the mask output is not supported");
  return define(n, 0, x);
}


} // namespace strata::frontend::detail
