//===- Shape.cpp - shape and data-movement ONNX ops -> graph dialect ----- ===//
#include "compiler/frontends/GraphBuilderImpl.h"
#include "dialects/graph/reference/Interpreter.h"

#include <cmath>
#include <numeric>
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
    auto c = constantInts(n, 1, "the target shape");
    if (!c)
      return c.takeError();
    target = std::move(*c);
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
  int64_t total = product(in);
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
    auto c = constantInts(n, 1, "axes");
    if (!c)
      return c.takeError();
    axes = std::move(*c);
  }
  auto in = shapeOf(x);
  std::vector<int64_t> out;
  if (unsqueeze) {
    int64_t rank = in.size() + axes.size();
    std::set<int64_t> at;
    for (int64_t a : axes) {
      int64_t na = normalizeAxis(a, rank);
      if (na < 0 || na >= rank)
        return fail(n, "axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
      at.insert(na);
    }
    if (at.size() != axes.size()) // checked first: each repeat would read past the input's dims
      return fail(n, "invalid axes for rank " + std::to_string(rank));
    size_t next = 0;
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(at.count(d) ? 1 : in[next++]);
  } else {
    std::set<int64_t> at;
    for (int64_t a : axes) {
      int64_t rank = in.size(), na = normalizeAxis(a, rank);
      if (na < 0 || na >= rank)
        return fail(n, "axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
      at.insert(na);
    }
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
    if (!hasInput(n, i))
      return fail(n, "input " + std::to_string(i) + " is missing");
    ins.push_back(input(n, i));
  }
  if (ins.empty())
    return fail(n, "needs at least one input");
  auto shape = SmallVector<int64_t>(shapeOf(ins[0]));
  // Concat-1's axis defaults to 1; from opset 4 it is required.
  int64_t axis = normalizeAxis(attrInt(n, "axis", model.opset < 4 ? 1 : 0), shape.size());
  if (axis < 0 || axis >= (int64_t)shape.size())
    return fail(n, "axis is out of range for rank " + std::to_string(shape.size()));
  shape[axis] = 0;
  for (Value v : ins) {
    auto s = shapeOf(v);
    for (size_t d = 0; d < shape.size(); ++d)
      if (s.size() != shape.size() || ((int64_t)d != axis && s[d] != shape[d]))
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
      auto c = constantInts(n, i, names[i - 1]);
      if (!c)
        return c.takeError();
      *dst[i - 1] = std::move(*c);
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
    if (steps[i] == 0)
      return fail(n, "a step of 0 is invalid");
    int64_t dim = in[a], step = steps[i];
    // ONNX clamps into [0, dim] going forward; going backward, starts into
    // [0, dim - 1] and ends into [-1, dim - 1].
    auto clampIndex = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v += dim;
      return std::clamp<int64_t>(v, lo, hi);
    };
    int64_t s = step > 0 ? clampIndex(starts[i], 0, dim) : clampIndex(starts[i], 0, dim - 1);
    int64_t e = step > 0 ? clampIndex(ends[i], 0, dim) : clampIndex(ends[i], -1, dim - 1);
    int64_t count = step > 0 ? (e > s ? (e - s + step - 1) / step : 0)
                             : (s > e ? (s - e - step - 1) / -step : 0);
    outStarts[a] = count ? s : 0;
    outSteps[a] = step;
    out[a] = count;
  }
  auto type = tensorType(out, typeOf(x).getElementType());
  return define(n, 0,
                b.create<g::SliceOp>(loc, type, x, b.getDenseI64ArrayAttr(outStarts),
                                     b.getDenseI64ArrayAttr(outSteps)));
}

llvm::Error GraphBuilder::convertShape(const NodeDesc &n) {
  Value x = input(n, 0);
  int64_t rank = shapeOf(x).size();
  Value shape = b.create<g::ShapeOp>(loc, tensorType({rank}, b.getI64Type()), x);
  if (!hasAttr(n, "start") && !hasAttr(n, "end"))
    return define(n, 0, shape);
  // Opset 15: a slice of the shape, with clamped, possibly negative bounds.
  auto clampDim = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  int64_t start = clampDim(attrInt(n, "start", 0)), end = clampDim(attrInt(n, "end", rank));
  int64_t count = std::max<int64_t>(end - start, 0);
  return define(n, 0,
                b.create<g::SliceOp>(loc, tensorType({count}, b.getI64Type()), shape,
                                     b.getDenseI64ArrayAttr({count ? start : 0}),
                                     b.getDenseI64ArrayAttr({1})));
}

llvm::Error GraphBuilder::convertCast(const NodeDesc &n) {
  Value x = input(n, 0);
  DType target;
  if (n.op == "CastLike") {
    // A narrow integer target is computed in int64; its logical type is recorded.
    auto narrow = narrowTypes.find(n.inputs[1]);
    target = narrow != narrowTypes.end() ? narrow->second : reference::dtypeOf(typeOf(input(n, 1)).getElementType());
  } else {
    // ONNX TensorProto element types Strata computes with.
    static const std::map<int64_t, DType> types = {
        {1, DType::F32}, {7, DType::I64}, {6, DType::I32}, {9, DType::Bool}, {3, DType::I8},
        {2, DType::U8},  {5, DType::I16}, {4, DType::U16}, {12, DType::U32}};
    // Cast-1 (before opset 6) names the type as a string.
    static const std::map<std::string, int64_t> names = {
        {"FLOAT", 1}, {"INT64", 7}, {"INT32", 6}, {"BOOL", 9}, {"INT8", 3},
        {"UINT8", 2}, {"INT16", 5}, {"UINT16", 4}, {"UINT32", 12}};
    int64_t to = 0;
    if (model.opset >= 6)
      to = attrInt(n, "to", 0);
    else if (auto named = names.find(attrString(n, "to", "")); named != names.end())
      to = named->second;
    auto it = types.find(to);
    if (it == types.end())
      return fail(n, "cast to ONNX type " + std::to_string(to) +
                         " is not supported (float, int64, int32, int16, int8, uint32, uint16, "
                         "uint8, bool)");
    target = it->second;
  }
  if (isNarrowInt(target)) {
    // Computed in int64: narrow (wrapping) and widen again.
    Type narrow = reference::elementTypeOf(target, &ctx);
    Value v = b.create<g::CastOp>(loc, tensorType(shapeOf(x), narrow), x);
    return define(n, 0, b.create<g::CastOp>(loc, tensorType(shapeOf(x), b.getI64Type()), v));
  }
  Type elem = reference::elementTypeOf(target, &ctx);
  if (elem == typeOf(x).getElementType())
    return define(n, 0, x);
  return define(n, 0, b.create<g::CastOp>(loc, tensorType(shapeOf(x), elem), x));
}

llvm::Error GraphBuilder::convertConstant(const NodeDesc &n) {
  for (auto &[key, attr] : n.attrs) {
    findAttr(n, key);
    HostTensor t;
    if (key == "value") {
      t = attr.tensor;
    } else if (key == "value_float") {
      t = HostTensor::ofFloats({}, {(float)attr.f});
    } else if (key == "value_int") {
      t = HostTensor::ofInts(DType::I64, {}, {attr.i});
    } else if (key == "value_floats") {
      t = HostTensor::ofFloats({(int64_t)attr.floats.size()}, {attr.floats.begin(), attr.floats.end()});
    } else if (key == "value_ints") {
      t = HostTensor::ofInts(DType::I64, {(int64_t)attr.ints.size()}, attr.ints);
    } else {
      return fail(n, "attribute '" + key + "' is not supported");
    }
    return define(n, 0, constant(t));
  }
  return fail(n, "has no value attribute");
}

llvm::Error GraphBuilder::convertIdentity(const NodeDesc &n) { return define(n, 0, input(n, 0)); }

llvm::Error GraphBuilder::convertDropout(const NodeDesc &n) {
  // Inference: the identity, and a mask of all true. Training mode with a
  // ratio above 0 drops at random, which a compiled model cannot reproduce.
  Value x = input(n, 0);
  bool training = false;
  double ratio = attrFloat(n, "ratio", 0.5);
  if (hasInput(n, 2)) {
    auto t = constantInput(n, 2, "training_mode");
    if (!t)
      return t.takeError();
    training = t->numElements() == 1 && t->asDouble(0) != 0;
  }
  if (training && hasInput(n, 1)) {
    auto r = constantInput(n, 1, "the ratio");
    if (!r)
      return r.takeError();
    ratio = r->numElements() == 1 ? r->asDouble(0) : ratio;
  }
  if (training && ratio != 0)
    return fail(n, "training mode with ratio " + std::to_string(ratio) +
                       " (random dropping) is not supported; export the model for inference");
  if (auto err = define(n, 0, x))
    return err;
  if (n.outputs.size() < 2 || n.outputs[1].empty())
    return llvm::Error::success();
  Value yes = constant(HostTensor::ofInts(DType::Bool, {}, {1}));
  return define(n, 1, b.create<g::ExpandOp>(loc, tensorType(shapeOf(x), b.getI1Type()), yes));
}


//===----------------------------------------------------------------------===//
// Ops whose result is known at compile time
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::convertConstantOfShape(const NodeDesc &n) {
  auto dims = constantInts(n, 0, "the shape");
  if (!dims)
    return dims.takeError();
  for (int64_t d : *dims)
    if (d < 0)
      return fail(n, "negative dimension in the shape");
  if (auto err = checkConstantSize(n, *dims))
    return err;
  HostTensor fill(DType::F32, {1});
  if (const AttrValue *value = findAttr(n, "value")) {
    if (value->tensor.numElements() != 1)
      return fail(n, "'value' must hold one element");
    fill = value->tensor;
  }
  HostTensor t(fill.dtype, *dims);
  t.fill(fill);
  return define(n, 0, constant(t));
}

llvm::Error GraphBuilder::convertSize(const NodeDesc &n) {
  return define(n, 0, constant(HostTensor::ofInts(DType::I64, {}, {typeOf(input(n, 0)).getNumElements()})));
}

llvm::Error GraphBuilder::convertRange(const NodeDesc &n) {
  // count = max(ceil((limit - start) / delta), 0); element i = start + i * delta,
  // exactly in int64 for integers (int128 for the difference, which may not fit).
  const char *names[] = {"start", "limit", "delta"};
  HostTensor v[3];
  for (size_t i = 0; i < 3; ++i) {
    auto c = constantInput(n, i, names[i]);
    if (!c)
      return c.takeError();
    if (c->numElements() != 1)
      return fail(n, std::string(names[i]) + " must be a scalar");
    if (i && c->dtype != v[0].dtype)
      return fail(n, "start, limit and delta must have one element type");
    v[i] = std::move(*c);
  }
  if (v[2].asDouble(0) == 0)
    return fail(n, "delta must not be 0");
  int64_t count = 0;
  if (v[0].isFloat()) {
    double start = v[0].f(0), limit = v[1].f(0), delta = v[2].f(0);
    double c = std::ceil((limit - start) / delta);
    if (!(c < 9.2e18))
      return fail(n, "the range has too many elements");
    count = std::max<int64_t>((int64_t)c, 0);
  } else {
    __int128 diff = (__int128)v[1].i(0) - v[0].i(0), delta = v[2].i(0);
    __int128 q = diff / delta + (diff % delta != 0 && (diff > 0) == (delta > 0));
    count = q <= 0 ? 0 : q > (__int128)INT64_MAX ? INT64_MAX : (int64_t)q;
  }
  if (auto err = checkConstantSize(n, {count}))
    return err;
  HostTensor t(v[0].dtype, {count});
  for (int64_t i = 0; i < count; ++i) {
    if (t.isFloat())
      t.setF(i, (double)v[0].f(0) + i * (double)v[2].f(0));
    else
      t.setI(i, (int64_t)((uint64_t)v[0].i(0) + (uint64_t)i * (uint64_t)v[2].i(0)));
  }
  return define(n, 0, constant(t));
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

Value GraphBuilder::sliceAxis(Value v, int64_t axis, int64_t start, int64_t count, int64_t step) {
  int64_t rank = shapeOf(v).size();
  SmallVector<int64_t> out(shapeOf(v)), starts(rank, 0), steps(rank, 1);
  out[axis] = count;
  starts[axis] = count ? start : 0;
  steps[axis] = step;
  return b.create<g::SliceOp>(loc, tensorType(out, typeOf(v).getElementType()), v,
                              b.getDenseI64ArrayAttr(starts), b.getDenseI64ArrayAttr(steps));
}

llvm::Error GraphBuilder::convertSplit(const NodeDesc &n) {
  Value x = input(n, 0);
  auto shape = shapeOf(x);
  int64_t rank = shape.size(), axis = normalizeAxis(attrInt(n, "axis", 0), rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  // Sizes: an attribute before opset 13, then an input; from opset 18 the
  // attribute num_outputs may ask for equal parts instead, the last one smaller
  // when the dimension does not divide.
  std::vector<int64_t> sizes;
  if (model.opset < 13) {
    sizes = attrInts(n, "split", {});
  } else if (hasInput(n, 1)) {
    auto c = constantInts(n, 1, "split");
    if (!c)
      return c.takeError();
    sizes = std::move(*c);
  }
  size_t parts = n.outputs.size();
  if (model.opset >= 18 && hasAttr(n, "num_outputs")) {
    int64_t count = attrInt(n, "num_outputs", 0);
    if (!sizes.empty())
      return fail(n, "has both the split input and attribute num_outputs");
    if (count != (int64_t)parts)
      return fail(n, "num_outputs is " + std::to_string(count) + " but the node has " +
                         std::to_string(parts) + " outputs");
    int64_t chunk = (shape[axis] + count - 1) / count;
    for (int64_t i = 0; i < count; ++i)
      sizes.push_back(std::clamp<int64_t>(shape[axis] - i * chunk, 0, chunk));
  }
  if (sizes.empty()) {
    if (shape[axis] % (int64_t)parts != 0)
      return fail(n, "dimension " + std::to_string(shape[axis]) + " does not split into " +
                         std::to_string(parts) + " equal parts");
    sizes.assign(parts, shape[axis] / parts);
  }
  if (sizes.size() != parts ||
      std::accumulate(sizes.begin(), sizes.end(), (int64_t)0) != shape[axis])
    return fail(n, "split sizes do not add up to dimension " + std::to_string(shape[axis]) +
                       " over " + std::to_string(parts) + " outputs");
  int64_t offset = 0;
  for (size_t i = 0; i < parts; ++i) {
    Value part = sliceAxis(x, axis, offset, sizes[i]);
    offset += sizes[i];
    if (auto err = define(n, i, part))
      return err;
  }
  return llvm::Error::success();
}

llvm::Error GraphBuilder::convertExpand(const NodeDesc &n) {
  Value x = input(n, 0);
  auto dims = constantInts(n, 1, "the shape");
  if (!dims)
    return dims.takeError();
  auto shape = g::broadcastShapes(shapeOf(x), *dims);
  if (!shape)
    return fail(n, "cannot broadcast " + shapeStr(shapeOf(x)) + " to " + shapeStr(*dims));
  if (ArrayRef<int64_t>(*shape) == shapeOf(x))
    return define(n, 0, x);
  return define(n, 0, b.create<g::ExpandOp>(loc, tensorType(*shape, typeOf(x).getElementType()), x));
}

llvm::Error GraphBuilder::convertGather(const NodeDesc &n) {
  Value x = input(n, 0), indices = input(n, 1);
  auto shape = shapeOf(x);
  int64_t rank = shape.size(), axis = normalizeAxis(attrInt(n, "axis", 0), rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  if (!typeOf(indices).getElementType().isInteger(64))
    return fail(n, "indices must be int32 or int64");
  if (auto err = checkConstantIndices(n, indices, shape[axis], "axis " + std::to_string(axis)))
    return err;
  SmallVector<int64_t> out(shape.begin(), shape.begin() + axis);
  auto is = shapeOf(indices);
  out.append(is.begin(), is.end());
  out.append(shape.begin() + axis + 1, shape.end());
  return define(n, 0, b.create<g::GatherOp>(loc, tensorType(out, typeOf(x).getElementType()), x,
                                            indices, b.getI64IntegerAttr(axis)));
}

llvm::Error GraphBuilder::convertTile(const NodeDesc &n) {
  // Tile = per axis, a concat of `repeats` copies.
  Value x = input(n, 0);
  if (model.opset < 6)
    return fail(n, "Tile before opset 6 (inputs tiles and axis) is not supported (the model imports opset " +
                       std::to_string(model.opset) + ")");
  auto repeats = constantInts(n, 1, "repeats");
  if (!repeats)
    return repeats.takeError();
  if (repeats->size() != shapeOf(x).size())
    return fail(n, "repeats needs one entry per dimension");
  Value v = x;
  for (size_t d = 0; d < repeats->size(); ++d) {
    int64_t k = (*repeats)[d];
    if (k < 0)
      return fail(n, "negative repeats");
    if (k == 1)
      continue;
    if (k > 65536) // a concat of k copies
      return fail(n, "repeats of " + std::to_string(k) + " are not supported (at most 65536)");
    SmallVector<int64_t> out(shapeOf(v));
    out[d] *= k; // below 2^56: dims are below 2^40
    SmallVector<Value> copies(k, v);
    if (k == 0)
      return fail(n, "repeats of 0 (empty results) are not supported yet");
    v = b.create<g::ConcatOp>(loc, tensorType(out, typeOf(v).getElementType()), copies,
                              b.getI64IntegerAttr(d));
  }
  return define(n, 0, v);
}

llvm::Error GraphBuilder::convertDepthSpace(const NodeDesc &n, bool toSpace) {
  // Both are a reshape to 6-D, a transpose and a reshape back. The block order
  // (mode DCR or CRD) is an attribute of DepthToSpace from opset 11 and of
  // SpaceToDepth from opset 28.
  Value x = input(n, 0);
  auto s = shapeOf(x);
  if (s.size() != 4)
    return fail(n, "expects a 4-D NCHW input");
  int64_t bs = attrInt(n, "blocksize", 0), N = s[0], C = s[1], H = s[2], W = s[3];
  if (bs <= 0)
    return fail(n, "blocksize must be positive");
  std::string mode = model.opset >= (toSpace ? 11 : 28) ? attrString(n, "mode", "DCR") : "DCR";
  if (mode != "DCR" && mode != "CRD")
    return fail(n, "unknown mode '" + mode + "'");
  bool crd = mode == "CRD";
  if (toSpace) {
    if (C % (bs * bs))
      return fail(n, "channels are not divisible by blocksize^2");
    int64_t c = C / (bs * bs);
    Value r = crd ? reshape(x, {N, c, bs, bs, H, W}) : reshape(x, {N, bs, bs, c, H, W});
    Value t = crd ? transpose(r, {0, 1, 4, 2, 5, 3}) : transpose(r, {0, 3, 4, 1, 5, 2});
    return define(n, 0, reshape(t, {N, c, H * bs, W * bs}));
  }
  if (H % bs || W % bs)
    return fail(n, "height and width are not divisible by blocksize");
  Value r = reshape(x, {N, C, H / bs, bs, W / bs, bs});
  Value t = crd ? transpose(r, {0, 1, 3, 5, 2, 4}) : transpose(r, {0, 3, 5, 1, 2, 4});
  return define(n, 0, reshape(t, {N, C * bs * bs, H / bs, W / bs}));
}

llvm::Error GraphBuilder::convertPad(const NodeDesc &n) {
  // A decomposition per axis: negative pads are a slice; positive pads are a
  // concat with a constant block (constant), copies of the edge (edge), a
  // reversed slice (reflect) or, for wrap (opset 19), the other end's slice.
  Value x = input(n, 0);
  int64_t rank = shapeOf(x).size();
  std::vector<int64_t> pads;
  Type elem = typeOf(x).getElementType();
  Value fill; // a scalar of x's element type
  if (model.opset < 11) { // attributes; Pad-1 named them paddings
    pads = attrInts(n, model.opset < 2 ? "paddings" : "pads", {});
    fill = scalar(attrFloat(n, "value", 0.0));
  } else {
    auto p = constantInts(n, 1, "pads");
    if (!p)
      return p.takeError();
    pads = std::move(*p);
    fill = scalarOf(elem, 0);
    if (hasInput(n, 2)) {
      auto v = constantInput(n, 2, "constant_value");
      if (!v)
        return v.takeError();
      if (v->isFloat() != elem.isF32())
        return fail(n, "constant_value must have the input's element type");
      if (v->numElements() == 1)
        fill = reshape(constant(*v), {});
      else if (v->numElements() > 1)
        return fail(n, "constant_value must be a scalar");
    }
  }
  // Opset 18: pads may cover only the axes listed in input 3.
  if (hasInput(n, 3)) {
    auto a = constantInts(n, 3, "axes");
    if (!a)
      return a.takeError();
    int64_t count = a->size();
    if ((int64_t)pads.size() != 2 * count)
      return fail(n, "pads needs " + std::to_string(2 * count) + " entries, two per axis in axes");
    std::vector<int64_t> full(2 * rank, 0);
    for (int64_t i = 0; i < count; ++i) {
      int64_t axis = normalizeAxis((*a)[i], rank);
      if (axis < 0 || axis >= rank)
        return fail(n, "axis " + std::to_string((*a)[i]) + " is out of range for rank " +
                           std::to_string(rank));
      full[axis] = pads[i];
      full[axis + rank] = pads[i + count];
    }
    pads = full;
  }
  if ((int64_t)pads.size() != 2 * rank)
    return fail(n, "pads needs " + std::to_string(2 * rank) + " entries");
  for (int64_t p : pads) // so that size + before + after cannot overflow (dims are below 2^40)
    if (p < -(int64_t(1) << 40) || p > (int64_t(1) << 40))
      return fail(n, "pads must be in [-2^40, 2^40]");
  std::string mode = attrString(n, "mode", "constant");
  if (mode == "wrap" && model.opset < 19)
    return fail(n, "mode 'wrap' is not part of Pad before opset 19 (the model imports opset " +
                       std::to_string(model.opset) + ")");
  if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "wrap")
    return fail(n, "mode '" + mode + "' is not supported");
  Value v = x;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t before = pads[d], after = pads[d + rank], size = shapeOf(v)[d];
    if (before < 0 || after < 0) {
      int64_t drop = std::max<int64_t>(-before, 0), keep = size - drop - std::max<int64_t>(-after, 0);
      if (keep <= 0)
        return fail(n, "negative pads remove the whole of dimension " + std::to_string(d));
      v = sliceAxis(v, d, drop, keep);
      size = keep;
      before = std::max<int64_t>(before, 0);
      after = std::max<int64_t>(after, 0);
    }
    if (!before && !after)
      continue;
    if (size == 0)
      return fail(n, "cannot pad an empty dimension");
    if (mode == "reflect" && (before >= size || after >= size))
      return fail(n, "reflect pads must be smaller than the dimension");
    if (mode == "wrap" && (before > size || after > size))
      return fail(n, "wrap pads larger than the dimension are not supported");
    SmallVector<Value> parts;
    auto block = [&](int64_t count, bool atEnd) -> Value {
      SmallVector<int64_t> shape(shapeOf(v));
      shape[d] = count;
      if (mode == "constant")
        return b.create<g::ExpandOp>(loc, tensorType(shape, elem), fill);
      if (mode == "edge") {
        Value edge = sliceAxis(v, d, atEnd ? size - 1 : 0, 1);
        return b.create<g::ExpandOp>(loc, tensorType(shape, elem), edge);
      }
      if (mode == "wrap")
        return atEnd ? sliceAxis(v, d, 0, count) : sliceAxis(v, d, size - count, count);
      // reflect: before = v[count], ..., v[1]; after = v[size-2], ..., v[size-1-count]
      return atEnd ? sliceAxis(v, d, size - 2, count, -1) : sliceAxis(v, d, count, count, -1);
    };
    if (before)
      parts.push_back(block(before, false));
    parts.push_back(v);
    if (after)
      parts.push_back(block(after, true));
    SmallVector<int64_t> out(shapeOf(v));
    out[d] += before + after;
    v = b.create<g::ConcatOp>(loc, tensorType(out, elem), parts, b.getI64IntegerAttr(d));
  }
  return define(n, 0, v);
}

} // namespace strata::frontend::detail
