//===- Resize.cpp - Resize and Upsample as gathers and weighted sums -----===//
//
// Resize's n-linear and n-cubic kernels are products of 1-D kernels, so a
// resize is a chain of 1-D resamplings, one per resized axis. With static
// shapes the source positions and weights of every output position are known
// at import, and resampling one axis is
//   y = sum over taps t of  gather(x, index_t, axis) * weight_t
// with constant i64 indices index_t [out] (clamped into the input, which is
// ONNX's edge replication) and constant weights weight_t [1, .., out, .., 1].
// nearest has 1 tap (and no Mul), linear 2, cubic 4. tf_crop_and_resize
// positions outside the input get weight 0 and a constant extrapolation_value
// added, so no select is needed. (The per-axis steps commute even then: the
// weights of a position sum to 1.)
//
// Positions follow ONNX's reference implementation (the node tests' data):
// the resized length in the coordinate formulas is scale * in_size, not the
// rounded output size, and scale is output_size / in_size when sizes are given.
// Resize-10 and Upsample are asymmetric with nearest rounding down.
//
// Opset 18 adds antialias: when downsampling (scale < 1), the linear or cubic
// kernel is stretched by 1 / scale (so it averages every input it covers) and
// its weights renormalized; the tap count grows accordingly. It also adds axes
// (scales, sizes and roi cover only those axes) and keep_aspect_ratio_policy
// (one scale for all resized axes, the smallest or largest of sizes / input).
// Opset 19 adds half_pixel_symmetric, half_pixel shifted so that the input's
// centre maps to the output's centre even when scale * in is not an integer.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontends/GraphBuilderImpl.h"

#include <cmath>
#include <optional>

namespace strata::frontend::detail {

/// How one axis is resampled: per output position, `taps` source indices (in
/// range) and weights; `outside` positions take extrapolation_value.
struct AxisResampling {
  int64_t in = 0, out = 0, taps = 0;
  std::vector<int64_t> index; // [out][taps]
  std::vector<double> weight; // [out][taps]
  std::vector<bool> outside;  // [out]
  double extrapolation = 0;

  /// Every position reads its own index with weight 1.
  bool isIdentity() const {
    if (in != out)
      return false;
    for (int64_t o = 0; o < out; ++o) {
      double own = 0;
      for (int64_t t = 0; t < taps; ++t) {
        double w = weight[o * taps + t];
        if (index[o * taps + t] == o)
          own += w;
        else if (w != 0)
          return false;
      }
      if (outside[o] || own != 1)
        return false;
    }
    return true;
  }
};

namespace {

struct ResizeAttrs {
  std::string mode, coord, nearest;
  double cubicA = -0.75, extrapolation = 0;
  bool excludeOutside = false, antialias = false;
};

/// x_original of output position x (coordinate_transformation_mode);
/// `width` = scale * in. Returns nullopt for tf_crop_and_resize positions
/// outside the input.
std::optional<double> sourcePosition(const ResizeAttrs &a, int64_t x, int64_t in, int64_t out,
                                     double scale, double roiStart, double roiEnd) {
  double width = scale * in;
  const std::string &m = a.coord;
  if (m == "half_pixel")
    return (x + 0.5) / scale - 0.5;
  if (m == "half_pixel_symmetric")
    return in / 2.0 * (1 - out / width) + (x + 0.5) / scale - 0.5;
  if (m == "pytorch_half_pixel")
    return width > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (m == "align_corners")
    return width == 1 ? 0.0 : x * (in - 1) / (width - 1);
  if (m == "asymmetric")
    return x / scale;
  if (m == "tf_half_pixel_for_nn")
    return (x + 0.5) / scale;
  // tf_crop_and_resize: [roiStart, roiEnd] of the input (normalized) spans the output.
  double pos = width == 1 ? 0.5 * (roiStart + roiEnd) * (in - 1)
                          : roiStart * (in - 1) + x * (roiEnd - roiStart) * (in - 1) / (width - 1);
  if (pos < 0 || pos > in - 1)
    return std::nullopt;
  return pos;
}

/// The nearest input index by nearest_mode (ties are exact halves).
int64_t roundNearest(double pos, const std::string &mode) {
  double lo = std::floor(pos), frac = pos - lo;
  bool up = frac == 0          ? false
            : mode == "floor"  ? false
            : mode == "ceil"   ? true
            : mode == "round_prefer_ceil" ? frac >= 0.5
                                          : frac > 0.5; // round_prefer_floor
  return (int64_t)lo + (up ? 1 : 0);
}

/// The linear (tent) or cubic (Keys) kernel at distance d from the position.
double kernelAt(const ResizeAttrs &a, double d) {
  d = std::fabs(d);
  if (a.mode == "linear")
    return std::max(0.0, 1 - d);
  double A = a.cubicA;
  if (d <= 1)
    return ((A + 2) * d - (A + 3)) * d * d + 1;
  return d < 2 ? ((A * d - 5 * A) * d + 8 * A) * d - 4 * A : 0.0;
}

AxisResampling planAxis(const ResizeAttrs &a, int64_t in, int64_t out, double scale,
                        double roiStart, double roiEnd) {
  AxisResampling r;
  r.in = in;
  r.out = out;
  // Linear and cubic read taps lo + first .. lo + first + taps - 1 around the
  // position lo + t with weights kernel((i - t) * stretch); antialias stretches
  // the kernel (radius 1 or 2) by 1 / scale when downsampling.
  double radius = a.mode == "linear" ? 1 : 2;
  double stretch = a.antialias ? std::min(scale, 1.0) : 1.0;
  int64_t first = (int64_t)std::floor(-radius / stretch) + 1;
  r.taps = a.mode == "nearest" ? 1 : 2 - 2 * first;
  r.extrapolation = a.extrapolation;
  for (int64_t o = 0; o < out; ++o) {
    auto pos = sourcePosition(a, o, in, out, scale, roiStart, roiEnd);
    r.outside.push_back(!pos);
    std::vector<int64_t> idx;
    std::vector<double> w;
    if (!pos) {
      idx.assign(r.taps, 0);
      w.assign(r.taps, 0.0);
    } else if (a.mode == "nearest") {
      idx = {roundNearest(*pos, a.nearest)};
      w = {1.0};
    } else {
      int64_t lo = (int64_t)std::floor(*pos);
      double t = *pos - lo, sum = 0;
      for (int64_t i = first; i < first + r.taps; ++i) {
        idx.push_back(lo + i);
        w.push_back(kernelAt(a, (i - t) * stretch));
        sum += w.back();
      }
      if (a.antialias)
        for (double &v : w)
          v /= sum;
      if (a.excludeOutside) { // taps outside the input get no weight; the rest are rescaled
        double sum = 0;
        for (size_t k = 0; k < idx.size(); ++k)
          sum += (w[k] = idx[k] < 0 || idx[k] >= in ? 0.0 : w[k]);
        for (double &v : w)
          v /= sum;
      }
    }
    for (int64_t t = 0; t < r.taps; ++t) {
      r.index.push_back(std::clamp<int64_t>(idx[t], 0, in - 1));
      r.weight.push_back(w[t]);
    }
  }
  return r;
}

} // namespace

Value GraphBuilder::resample(const NodeDesc &n, Value x, int64_t axis, const AxisResampling &r) {
  auto shape = shapeOf(x);
  SmallVector<int64_t> outShape(shape), perPosition(shape.size(), 1);
  outShape[axis] = r.out;
  perPosition[axis] = r.out;
  std::vector<int64_t> perPositionV(perPosition.begin(), perPosition.end());
  auto op = [&](auto tag, Value lhs, Value rhs) -> Value {
    return llvm::cantFail(binary<decltype(tag)>(n, lhs, rhs));
  };
  Value sum;
  for (int64_t t = 0; t < r.taps; ++t) {
    HostTensor index(DType::I64, {r.out}), weight(DType::F32, perPositionV);
    bool allZero = true, allOne = true;
    for (int64_t o = 0; o < r.out; ++o) {
      double w = r.weight[o * r.taps + t];
      index.setI(o, r.index[o * r.taps + t]);
      weight.setF(o, w);
      allZero &= w == 0;
      allOne &= w == 1;
    }
    if (allZero && (sum || t + 1 < r.taps))
      continue; // a tap that never contributes (e.g. linear at integer positions)
    Value v = b.create<g::GatherOp>(loc, tensorType(outShape, typeOf(x).getElementType()), x,
                                    constant(index), b.getI64IntegerAttr(axis));
    if (!allOne)
      v = op(g::MulOp(), v, constant(weight));
    sum = sum ? op(g::AddOp(), sum, v) : v;
  }
  if (r.extrapolation != 0 && llvm::is_contained(r.outside, true)) {
    HostTensor fill(DType::F32, perPositionV);
    for (int64_t o = 0; o < r.out; ++o)
      fill.setF(o, r.outside[o] ? r.extrapolation : 0.0);
    sum = op(g::AddOp(), sum, constant(fill));
  }
  return sum;
}

llvm::Error GraphBuilder::convertResize(const NodeDesc &n) {
  Value x = input(n, 0);
  auto in = shapeOf(x);
  int64_t rank = in.size();
  // Inputs and defaults by version: Upsample-7 has a scales attribute;
  // Upsample-9 and Resize-10 a scales input 1; Resize-11+ roi, scales, sizes.
  bool legacy = n.op == "Upsample" || model.opset < 11;
  ResizeAttrs a;
  a.mode = attrString(n, "mode", "nearest");
  a.coord = legacy ? "asymmetric" : attrString(n, "coordinate_transformation_mode", "half_pixel");
  a.nearest = legacy ? "floor" : attrString(n, "nearest_mode", "round_prefer_floor");
  a.cubicA = attrFloat(n, "cubic_coeff_a", -0.75);
  a.excludeOutside = attrInt(n, "exclude_outside", 0) != 0;
  a.extrapolation = attrFloat(n, "extrapolation_value", 0.0);
  if (a.mode != "nearest" && a.mode != "linear" && (a.mode != "cubic" || legacy))
    return fail(n, "mode '" + a.mode + "' is not supported");
  static const char *coords[] = {"half_pixel",   "pytorch_half_pixel",   "align_corners",
                                 "asymmetric",   "tf_half_pixel_for_nn", "tf_crop_and_resize",
                                 "half_pixel_symmetric"};
  if (!llvm::is_contained(coords, a.coord) || (a.coord == "half_pixel_symmetric" && model.opset < 19))
    return fail(n, "coordinate_transformation_mode '" + a.coord + "' is not supported" +
                       (model.opset < 19 ? " at opset " + std::to_string(model.opset) : ""));
  static const char *nearests[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  if (!llvm::is_contained(nearests, a.nearest))
    return fail(n, "nearest_mode '" + a.nearest + "' is not supported");
  // Opset 18 attributes (before, they are unread and so reported).
  std::vector<int64_t> axes;
  std::string policy = "stretch";
  if (model.opset >= 18) {
    a.antialias = attrInt(n, "antialias", 0) != 0;
    if (a.antialias && a.mode == "nearest")
      return fail(n, "antialias applies to linear and cubic modes only");
    for (int64_t axis : attrInts(n, "axes", {})) {
      int64_t na = normalizeAxis(axis, rank);
      if (na < 0 || na >= rank || llvm::is_contained(axes, na))
        return fail(n, "axes must be distinct axes of rank " + std::to_string(rank));
      axes.push_back(na);
    }
    policy = attrString(n, "keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
      return fail(n, "keep_aspect_ratio_policy '" + policy + "' is not supported");
  }
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  int64_t count = axes.size();
  if (!typeOf(x).getElementType().isF32() &&
      (a.mode != "nearest" || a.coord == "tf_crop_and_resize"))
    return fail(n, "integer inputs are not supported outside nearest mode (float32 only)");

  // Output size and scale per axis: from sizes, or floor(in * scale).
  std::vector<double> scales;
  std::vector<int64_t> sizes;
  auto present = [&](size_t i) { return hasInput(n, i) && typeOf(input(n, i)).getNumElements() > 0; };
  if (n.op == "Upsample" && model.opset < 9) {
    const AttrValue *attr = findAttr(n, "scales");
    if (!attr)
      return fail(n, "missing attribute 'scales'");
    if (attr->kind == AttrValue::Kind::Ints)
      scales.assign(attr->ints.begin(), attr->ints.end());
    else
      scales = attr->floats;
  } else if (size_t i = legacy ? 1 : 2; present(i)) {
    auto c = constantInput(n, i, "scales");
    if (!c)
      return c.takeError();
    if (!c->isFloat())
      return fail(n, "scales must be float32");
    scales.assign(c->floatValues().begin(), c->floatValues().end());
  } else if (!legacy && present(3)) {
    auto c = constantInts(n, 3, "sizes");
    if (!c)
      return c.takeError();
    sizes = std::move(*c);
  } else {
    return fail(n, "needs scales or sizes");
  }
  if (!scales.empty() ? (int64_t)scales.size() != count : (int64_t)sizes.size() != count)
    return fail(n, "scales or sizes needs " + std::to_string(count) + " entries, one per resized axis");
  // Per axis of x: the scale and the output size (axes not resized keep both).
  std::vector<int64_t> out(in.begin(), in.end());
  std::vector<double> scaleOf(rank, 1.0);
  double policyScale = policy == "not_larger" ? INFINITY : 0;
  // A dimension from a double; absurd sizes are capped (checkConstantSize below rejects them)
  // so that the conversion to int64 stays defined.
  auto toDim = [](double v) { return v < 1e15 ? (int64_t)v : (int64_t)1e15; };
  for (int64_t i = 0; i < count; ++i) {
    int64_t d = axes[i];
    if (sizes.empty()) {
      if (!(scales[i] > 0))
        return fail(n, "scales must be positive");
      scaleOf[d] = scales[i];
      out[d] = toDim(std::floor(scales[i] * in[d]));
    } else {
      scaleOf[d] = (double)sizes[i] / in[d];
      out[d] = sizes[i];
      policyScale = policy == "not_larger" ? std::min(policyScale, scaleOf[d]) : std::max(policyScale, scaleOf[d]);
    }
  }
  // keep_aspect_ratio_policy (with sizes): one scale, sizes rounded half up.
  if (!sizes.empty() && policy != "stretch")
    for (int64_t d : axes) {
      scaleOf[d] = policyScale;
      out[d] = toDim(policyScale * in[d] + 0.5);
    }
  for (int64_t d = 0; d < rank; ++d) {
    if (in[d] == 0 && out[d] > 0)
      return fail(n, "input dimension " + std::to_string(d) + " is empty, so there is nothing to " +
                         "resample into the output's " + std::to_string(out[d]));
    if (out[d] < 1)
      return fail(n, "output dimension " + std::to_string(d) + " would be " +
                         std::to_string(out[d]) + "; empty results are not supported");
  }
  if (auto err = checkConstantSize(n, out))
    return err;
  std::vector<double> roi;
  if (a.coord == "tf_crop_and_resize") {
    if (!hasInput(n, 1))
      return fail(n, "tf_crop_and_resize needs roi");
    auto c = constantInput(n, 1, "roi");
    if (!c)
      return c.takeError();
    if (!c->isFloat())
      return fail(n, "roi must be float32");
    if (c->numElements() != 2 * count)
      return fail(n, "roi needs " + std::to_string(2 * count) + " entries");
    roi.assign(rank, 0.0);
    roi.resize(2 * rank, 1.0);
    for (int64_t i = 0; i < count; ++i) {
      roi[axes[i]] = c->f(i);
      roi[axes[i] + rank] = c->f(i + count);
    }
  }

  Value v = x;
  for (int64_t d = 0; d < rank; ++d) {
    AxisResampling r = planAxis(a, in[d], out[d], scaleOf[d], roi.empty() ? 0 : roi[d],
                                roi.empty() ? 1 : roi[d + rank]);
    if (!r.isIdentity())
      v = resample(n, v, d, r);
  }
  return define(n, 0, v);
}

} // namespace strata::frontend::detail
