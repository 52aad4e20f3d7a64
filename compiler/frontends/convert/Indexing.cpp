//===- Indexing.cpp - GatherND, TopK, the scatters and ReverseSequence ----===//
//
// Indexing ops as decompositions into graph ops. GatherND computes flat
// indices from its index tuples with graph ops; the scatters and
// ReverseSequence need compile-time indices (or lengths), from which the
// positions they move are a constant: the result is one gather from the
// flattened source (and, for the scatters, a Where against the data).
//
//===----------------------------------------------------------------------===//
#include "compiler/frontends/GraphBuilderImpl.h"

#include <limits>
#include <map>

namespace strata::frontend::detail {

llvm::Error GraphBuilder::convertGatherND(const NodeDesc &n) {
  // With b = batch_dims, m = the last dim of indices, B = prod(data[:b]),
  // P = prod(data[b:b+m]) and inner = prod(data[b+m:]):
  //   flat = batch * P + sum_j idx_j * stride_j      (idx_j = indices[..., j] + dim where negative)
  //   out  = reshape(Gather(data as [B*P, inner], flat, axis 0), indices[:-1] + data[b+m:])
  // batch * P is a constant of indices[:-1]'s shape.
  Value data = input(n, 0), indices = input(n, 1);
  auto ds = shapeOf(data), is = shapeOf(indices);
  int64_t r = ds.size(), q = is.size(), bd = attrInt(n, "batch_dims", 0);
  if (!typeOf(indices).getElementType().isInteger(64))
    return fail(n, "indices must be int32 or int64");
  if (q < 1 || r < 1)
    return fail(n, "data and indices must have rank >= 1");
  if (bd < 0 || bd >= std::min(q, r))
    return fail(n, "batch_dims " + std::to_string(bd) + " is out of range");
  for (int64_t d = 0; d < bd; ++d)
    if (ds[d] != is[d])
      return fail(n, "the batch dims of data " + shapeStr(ds) + " and indices " + shapeStr(is) +
                         " differ");
  int64_t m = is.back();
  if (m < 1 || m > r - bd)
    return fail(n, "the last dim of indices (" + std::to_string(m) + ") must be in [1, " +
                       std::to_string(r - bd) + "]");
  if (auto c = constantValue(indices))
    for (int64_t k = 0; k < c->numElements(); ++k)
      if (int64_t dim = ds[bd + k % m]; c->i(k) < -dim || c->i(k) >= dim)
        return fail(n, "index " + std::to_string(c->i(k)) + " is out of range for axis " +
                           std::to_string(bd + k % m) + " of size " + std::to_string(dim));
  SmallVector<int64_t> lead(is.begin(), is.end() - 1);
  int64_t B = product(ds.take_front(bd)), P = product(ds.slice(bd, m)), inner = product(ds.drop_front(bd + m));
  if (B * P * inner == 0 || product(is) == 0)
    return fail(n, "empty inputs are not supported");
  Type i64 = b.getI64Type();
  // The batch offsets: the position in lead, divided by the non-batch lead dims.
  int64_t perBatch = product(ArrayRef<int64_t>(lead).drop_front(bd));
  if (auto err = checkConstantSize(n, lead))
    return err;
  HostTensor batchOffsets(DType::I64, std::vector<int64_t>(lead.begin(), lead.end()));
  for (int64_t e = 0; e < batchOffsets.numElements(); ++e)
    batchOffsets.setI(e, e / perBatch * P);
  Value flat = constant(batchOffsets);
  auto dimStrides = rowMajorStrides(ds.slice(bd, m));
  for (int64_t j = 0; j < m; ++j) {
    int64_t dim = ds[bd + j];
    Value idx = reshape(sliceAxis(indices, q - 1, j, 1), lead);
    idx = where(emit<g::LessOp>(n, idx, scalarOf(i64, 0)), emit<g::AddOp>(n, idx, scalarOf(i64, dim)), idx);
    if (dimStrides[j] != 1)
      idx = emit<g::MulOp>(n, idx, scalarOf(i64, dimStrides[j]));
    flat = emit<g::AddOp>(n, flat, idx);
  }
  Type elem = typeOf(data).getElementType();
  SmallVector<int64_t> gathered(lead);
  gathered.push_back(inner);
  Value g2 = b.create<g::GatherOp>(loc, tensorType(gathered, elem), reshape(data, {B * P, inner}), flat,
                                   b.getI64IntegerAttr(0));
  SmallVector<int64_t> out(lead);
  out.append(ds.begin() + bd + m, ds.end());
  return define(n, 0, reshape(g2, out));
}

llvm::Error GraphBuilder::convertTopK(const NodeDesc &n) {
  // k rounds of: i = ArgMax(x, axis) (ArgMin for largest = 0; the first index
  // on ties, as ONNX orders equal elements), v = sum(Where(i == iota, x, 0)),
  // then x = Where(i == iota, -inf (+inf), x) takes the element out. Values and
  // Indices are the concatenations of v and i along the axis, so the output is
  // sorted, which sorted = 0 (order unspecified) allows too. An input holding
  // -inf (+inf for largest = 0) or NaN may repeat an index.
  Value x = input(n, 0);
  if (auto err = requireFloat(n, x))
    return err;
  auto shape = shapeOf(x);
  int64_t rank = shape.size(), axis = normalizeAxis(attrInt(n, "axis", -1), rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  bool largest = attrInt(n, "largest", 1) != 0;
  (void)attrInt(n, "sorted", 1); // either way the output is sorted (see above)
  int64_t k;
  if (model.opset < 10) {
    if (!hasAttr(n, "k"))
      return fail(n, "expects attribute 'k'");
    k = attrInt(n, "k", 0);
  } else {
    auto c = constantInt(n, 1, "k");
    if (!c)
      return c.takeError();
    k = *c;
  }
  int64_t depth = shape[axis];
  if (k < 1 || k > depth)
    return fail(n, "k = " + std::to_string(k) + " must be in [1, " + std::to_string(depth) + "]");
  if (k > 65536) // k rounds of ops; beyond this, compiling would take hours
    return fail(n, "k = " + std::to_string(k) + " is not supported (at most 65536)");
  SmallVector<int64_t> argShape(shape);
  argShape[axis] = 1;
  auto argType = tensorType(argShape, b.getI64Type());
  Value masked = scalar(largest ? -std::numeric_limits<double>::infinity()
                                : std::numeric_limits<double>::infinity());
  SmallVector<Value> vals, idxs;
  Value cur = x;
  for (int64_t i = 0; i < k; ++i) {
    auto axisAttr = b.getI64IntegerAttr(axis);
    Value arg = largest ? (Value)b.create<g::ArgMaxOp>(loc, argType, cur, axisAttr, b.getBoolAttr(true),
                                                       b.getBoolAttr(false))
                        : (Value)b.create<g::ArgMinOp>(loc, argType, cur, axisAttr, b.getBoolAttr(true),
                                                       b.getBoolAttr(false));
    Value mask = oneHotMask(n, arg, axis, depth);
    vals.push_back(reduce("ReduceSum", where(mask, x, scalar(0)), {axis}, true));
    idxs.push_back(arg);
    if (i + 1 < k)
      cur = where(mask, masked, cur);
  }
  SmallVector<int64_t> outShape(shape);
  outShape[axis] = k;
  auto concat = [&](ArrayRef<Value> parts, Type elem) -> Value {
    if (parts.size() == 1)
      return parts[0];
    return b.create<g::ConcatOp>(loc, tensorType(outShape, elem), parts, b.getI64IntegerAttr(axis));
  };
  if (auto err = define(n, 0, concat(vals, b.getF32Type())))
    return err;
  if (n.outputs.size() > 1 && !n.outputs[1].empty())
    return define(n, 1, concat(idxs, b.getI64Type()));
  return llvm::Error::success();
}

llvm::Expected<Value> GraphBuilder::scatterConstant(const NodeDesc &n, Value data, Value updates,
                                                    ArrayRef<int64_t> target, StringRef reduction) {
  // reduction = none: out = Where(written, Gather(flat updates, source), data),
  // source[t] the last update written to flat position t (0 where none is).
  // Otherwise, in rounds, round r holding the r-th update to each position:
  //   out = Where(written_r, out <op> Gather(flat updates, source_r), out)
  if (target.empty())
    return data;
  auto ds = shapeOf(data);
  std::vector<int64_t> shape(ds.begin(), ds.end());
  std::vector<std::vector<std::pair<int64_t, int64_t>>> rounds; // (position, update)
  std::map<int64_t, size_t> seen;
  for (size_t u = 0; u < target.size(); ++u) {
    size_t r = reduction == "none" ? 0 : seen[target[u]]++;
    if (r >= rounds.size())
      rounds.emplace_back();
    rounds[r].push_back({target[u], (int64_t)u});
  }
  Value flat = reshape(updates, {product(shapeOf(updates))});
  Value out = data;
  for (const auto &round : rounds) {
    if (auto err = checkConstantSize(n, {2, product(shape)})) // source and written
      return err;
    HostTensor source(DType::I64, shape), written(DType::Bool, shape);
    for (auto [t, u] : round) {
      source.setI(t, u);
      written.setI(t, 1);
    }
    Value v = b.create<g::GatherOp>(loc, typeOf(data), flat, constant(source), b.getI64IntegerAttr(0));
    if (reduction != "none") {
      llvm::Expected<Value> c = reduction == "add"   ? binary<g::AddOp>(n, out, v)
                                : reduction == "mul" ? binary<g::MulOp>(n, out, v)
                                : reduction == "max" ? binary<g::MaxOp>(n, out, v)
                                                     : binary<g::MinOp>(n, out, v);
      if (!c)
        return c.takeError();
      v = *c;
    }
    out = where(constant(written), v, out);
  }
  return out;
}

llvm::Error GraphBuilder::convertScatter(const NodeDesc &n) {
  // ScatterElements (and Scatter, its opset 9 name) and ScatterND with
  // compile-time indices: the flat data position each update element goes to
  // is a constant; scatterConstant() writes them (reduction none: the last
  // write wins; add, mul, max, min: combined in the order written).
  //   ScatterElements: update u goes to u's position with the axis
  //                    coordinate replaced by indices[u] (+ dim where negative).
  //   ScatterND:       tuple j of indices selects a slice of data[m:]; update
  //                    element (j, e) goes to its element e.
  Value data = input(n, 0), updates = input(n, 2);
  auto ds = shapeOf(data), us = shapeOf(updates);
  // reduction: none, add and mul from opset 16, max and min from 18.
  std::string reduction = model.opset >= 16 ? attrString(n, "reduction", "none") : "none";
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" &&
      reduction != "min")
    return fail(n, "reduction '" + reduction + "' is not supported (none, add, mul, max, min)");
  if ((reduction == "max" || reduction == "min") && model.opset < 18)
    return fail(n, "reduction '" + reduction + "' is not part of " + n.op +
                       " before opset 18 (the model imports opset " + std::to_string(model.opset) + ")");
  if (typeOf(data).getElementType() != typeOf(updates).getElementType())
    return fail(n, "data and updates have different element types (" + elementName(data) + ", " +
                       elementName(updates) + ")");
  auto idx = constantInput(n, 1, "indices");
  if (!idx)
    return idx.takeError();
  if (idx->isFloat())
    return fail(n, "indices must be integers");
  ArrayRef<int64_t> is = idx->shape;
  int64_t r = ds.size();
  auto strides = rowMajorStrides(ds);
  std::vector<int64_t> target;
  auto outOfRange = [&](int64_t v, int64_t dim) {
    return fail(n, "index " + std::to_string(v) + " is out of range for a dim of " + std::to_string(dim));
  };
  if (n.op == "ScatterND") {
    if (is.empty())
      return fail(n, "indices must have rank >= 1");
    int64_t m = is.back();
    if (m < 1 || m > r)
      return fail(n, "the last dim of indices (" + std::to_string(m) + ") must be in [1, " +
                         std::to_string(r) + "]");
    SmallVector<int64_t> expected(is.begin(), is.end() - 1);
    expected.append(ds.begin() + m, ds.end());
    if (us != ArrayRef<int64_t>(expected))
      return fail(n, "updates " + shapeStr(us) + " must have shape " + shapeStr(expected));
    int64_t inner = product(ds.drop_front(m)), tuples = product(is.drop_back());
    for (int64_t j = 0; j < tuples; ++j) {
      int64_t base = 0;
      for (int64_t d = 0; d < m; ++d) {
        int64_t v = idx->i(j * m + d), dim = ds[d];
        int64_t nv = v < 0 ? v + dim : v;
        if (nv < 0 || nv >= dim)
          return outOfRange(v, dim);
        base += nv * strides[d];
      }
      for (int64_t e = 0; e < inner; ++e)
        target.push_back(base + e);
    }
  } else {
    int64_t axis = normalizeAxis(attrInt(n, "axis", 0), r);
    if (axis < 0 || axis >= r)
      return fail(n, "axis is out of range for rank " + std::to_string(r));
    if (ArrayRef<int64_t>(us) != is)
      return fail(n, "updates " + shapeStr(us) + " and indices " + shapeStr(is) + " differ in shape");
    bool fits = (int64_t)is.size() == r;
    for (int64_t d = 0; fits && d < r; ++d)
      fits = d == axis || is[d] <= ds[d];
    if (!fits)
      return fail(n, "indices " + shapeStr(is) + " do not fit data " + shapeStr(ds) + " outside axis " +
                         std::to_string(axis));
    for (int64_t u = 0; u < idx->numElements(); ++u) {
      int64_t rest = u, t = 0;
      for (int64_t d = r - 1; d >= 0; --d) {
        int64_t c = rest % is[d];
        rest /= is[d];
        if (d == axis) {
          int64_t v = idx->i(u), nv = v < 0 ? v + ds[d] : v;
          if (nv < 0 || nv >= ds[d])
            return outOfRange(v, ds[d]);
          c = nv;
        }
        t += c * strides[d];
      }
      target.push_back(t);
    }
  }
  auto out = scatterConstant(n, data, updates, target, reduction);
  if (!out)
    return out.takeError();
  return define(n, 0, *out);
}

llvm::Error GraphBuilder::convertReverseSequence(const NodeDesc &n) {
  // out = Gather(flat x, source): source is the flat position with the time
  // coordinate t replaced by len[b] - 1 - t where t < len[b] (b the batch
  // coordinate), a constant from the compile-time sequence_lens.
  Value x = input(n, 0);
  auto shape = shapeOf(x);
  int64_t rank = shape.size();
  if (rank < 2)
    return fail(n, "expects an input of rank >= 2");
  int64_t batchAxis = normalizeAxis(attrInt(n, "batch_axis", 1), rank);
  int64_t timeAxis = normalizeAxis(attrInt(n, "time_axis", 0), rank);
  if (batchAxis < 0 || batchAxis >= rank || timeAxis < 0 || timeAxis >= rank || batchAxis == timeAxis)
    return fail(n, "batch_axis and time_axis must be distinct axes of the input");
  auto lens = constantInput(n, 1, "sequence_lens");
  if (!lens)
    return lens.takeError();
  if (lens->numElements() != shape[batchAxis])
    return fail(n, "sequence_lens must hold " + std::to_string(shape[batchAxis]) + " values");
  if (lens->isFloat())
    return fail(n, "sequence_lens must be integers");
  for (int64_t l : lens->intValues())
    if (l < 0 || l > shape[timeAxis])
      return fail(n, "sequence length " + std::to_string(l) + " is out of range [0, " +
                         std::to_string(shape[timeAxis]) + "]");
  if (auto err = checkConstantSize(n, shape))
    return err;
  auto strides = rowMajorStrides(shape);
  HostTensor source(DType::I64, std::vector<int64_t>(shape.begin(), shape.end()));
  for (int64_t p = 0; p < source.numElements(); ++p) {
    int64_t bIdx = p / strides[batchAxis] % shape[batchAxis];
    int64_t t = p / strides[timeAxis] % shape[timeAxis];
    int64_t len = lens->i(bIdx);
    int64_t src = t < len ? p + (len - 1 - 2 * t) * strides[timeAxis] : p;
    source.setI(p, src);
  }
  Value flat = reshape(x, {product(shape)});
  return define(n, 0, b.create<g::GatherOp>(loc, typeOf(x), flat, constant(source), b.getI64IntegerAttr(0)));
}

} // namespace strata::frontend::detail
