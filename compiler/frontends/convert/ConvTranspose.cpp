//===- ConvTranspose.cpp - ConvTranspose as a convolution ----------------===//
//
// A transposed convolution is the regular convolution of a zero-stuffed,
// padded input with the flipped filter (stride 1):
//   1. stuff: s - 1 zeros between input pixels, per spatial axis;
//   2. pad: d * (k - 1) - pad_begin before and d * (k - 1) - pad_end +
//      output_padding after; negative amounts crop;
//   3. conv2d with dilation d, the same groups, and the filter
//      [Cin, Cout/g, kh, kw] regrouped to [Cout, Cin/g, kh, kw] and flipped
//      spatially (evaluated at import when the filter is a constant).
// Stuffing and cropping are a gather with constant indices from the input
// extended by one zero row (so no input-sized zero constant); positive pads
// are the conv's own. A 1-D ConvTranspose runs as a 2-D one on [N, C, 1, L].
//
//===----------------------------------------------------------------------===//
#include "compiler/frontends/GraphBuilderImpl.h"

namespace strata::frontend::detail {

namespace {
/// floor(a / 2) for possibly negative a (ONNX's output_shape padding rule uses
/// Python's integer division).
int64_t floorHalf(int64_t a) { return a >= 0 ? a / 2 : -((-a + 1) / 2); }
} // namespace

/// Kernel == stride, no dilation, groups or output_padding, pads that only crop: the windows do
/// not overlap, so every output pixel takes exactly one tap of one input pixel.
static bool isSubPixel(ArrayRef<int64_t> filter, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> dilations, int64_t groups, ArrayRef<int64_t> pads,
                       ArrayRef<int64_t> outPad, ArrayRef<int64_t> in) {
  if (groups != 1)
    return false;
  for (int i = 0; i < 2; ++i)
    if (filter[2 + i] != strides[i] || dilations[i] != 1 || outPad[i] != 0 || pads[i] < 0 ||
        pads[i + 2] < 0 || in[2 + i] * strides[i] - pads[i] - pads[i + 2] < 1)
      return false;
  return true;
}

/// The sub-pixel form of a non-overlapping ConvTranspose: a 1x1 convolution to Cout * s0 * s1
/// channels (one per output channel and phase), then depth-to-space and the crop. It multiplies
/// no stuffed zeros: for det's 2x2/2 upsampling heads that is a quarter of the work, and dense.
Value GraphBuilder::subPixel(const NodeDesc &n, Value x, Value w, int64_t cout,
                             ArrayRef<int64_t> strides, ArrayRef<int64_t> pads) {
  auto in = shapeOf(x);
  int64_t N = in[0], cin = in[1], H = in[2], W = in[3], s0 = strides[0], s1 = strides[1];
  int64_t cols = cout * s0 * s1;
  // [Cin, Cout, s0, s1] -> [s0 * s1 * Cout, Cin, 1, 1]: phase-major, so that each phase's
  // output channels are whole channel blocks when Cout is (graph-block-layout then keeps the
  // depth-to-space blocked).
  Value f = reshape(transpose(w, {2, 3, 1, 0}), {cols, cin, 1, 1});
  if (auto c = constantValue(f))
    f = constant(*c);
  Value y = b.create<g::Conv2DOp>(loc, f32Tensor({N, cols, H, W}), x, f, Value(),
                                  b.getDenseI64ArrayAttr({1, 1}), b.getDenseI64ArrayAttr({0, 0, 0, 0}),
                                  b.getDenseI64ArrayAttr({1, 1}), b.getI64IntegerAttr(1));
  y = reshape(transpose(reshape(y, {N, s0, s1, cout, H, W}), {0, 3, 4, 1, 5, 2}),
              {N, cout, H * s0, W * s1});
  if (pads[0] || pads[2])
    y = sliceAxis(y, 2, pads[0], H * s0 - pads[0] - pads[2]);
  if (pads[1] || pads[3])
    y = sliceAxis(y, 3, pads[1], W * s1 - pads[1] - pads[3]);
  if (hasInput(n, 2))
    y = emit<g::AddOp>(n, y, reshape(input(n, 2), {1, cout, 1, 1}));
  return y;
}

llvm::Error GraphBuilder::convertConvTranspose(const NodeDesc &n) {
  Value x = input(n, 0), w = input(n, 1);
  size_t rank = shapeOf(x).size();
  if (auto err = checkFilterRank(n, x, w))
    return err;
  std::vector<int64_t> wKernel(shapeOf(w).begin() + 2, shapeOf(w).end());
  auto kernelAttr = attrInts(n, "kernel_shape", wKernel);
  if (kernelAttr != wKernel)
    return fail(n, "kernel_shape " + shapeStr(kernelAttr) + " differs from the filter's " +
                       shapeStr(wKernel));
  auto win = windowAttrs(n, shapeOf(x), kernelAttr);
  if (!win)
    return win.takeError();
  x = as2D(x);
  w = as2D(w);
  auto in = shapeOf(x), ws = shapeOf(w);
  int64_t groups = attrInt(n, "group", 1), cin = in[1];
  if (groups < 1 || cin % groups || ws[0] != cin)
    return fail(n, "the filter " + shapeStr(ws) + " does not fit " + std::to_string(cin) +
                       " input channels in " + std::to_string(groups) + " groups");
  int64_t cout = ws[1] * groups;

  // output_padding and output_shape in 2-D form (1-D ones get the dummy axis).
  size_t spatial = rank - 2;
  auto outPad = attrInts(n, "output_padding", std::vector<int64_t>(spatial, 0));
  auto outShape = attrInts(n, "output_shape", {});
  if (outShape.size() == rank) // some exporters write the full shape
    outShape.erase(outShape.begin(), outShape.begin() + 2);
  if (outPad.size() != spatial || (!outShape.empty() && outShape.size() != spatial))
    return fail(n, "output_padding and output_shape need " + std::to_string(spatial) + " entries");
  // Bounded like the window attributes, so that the pad arithmetic below cannot overflow.
  for (int64_t p : outPad)
    if (p < 0 || p > (int64_t(1) << 20))
      return fail(n, "output_padding must be in [0, 2^20]");
  for (int64_t d : outShape)
    if (d < 1 || d > (int64_t(1) << 40))
      return fail(n, "output_shape must be in [1, 2^40]");
  if (spatial == 1) {
    outPad.insert(outPad.begin(), 0);
    if (!outShape.empty())
      outShape.insert(outShape.begin(), 1);
  }

  // Explicit pads, or pads that give output_shape (auto_pad SAME_*: in * stride):
  //   total = s * (in - 1) + output_padding + d * (k - 1) + 1 - output_shape,
  //   SAME_UPPER puts floor(total / 2) first, otherwise the rest comes first
  //   (ONNX's rule for ConvTranspose; total may be negative: extra output at the end).
  std::string autoPad = attrString(n, "auto_pad", "NOTSET");
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (!same && autoPad != "NOTSET" && autoPad != "VALID")
    return fail(n, "unknown auto_pad '" + autoPad + "'");
  SmallVector<int64_t> pads = win->pads;
  if (autoPad == "VALID")
    pads = {0, 0, 0, 0};
  for (int i = 0; i < 2; ++i) {
    int64_t s = win->strides[i], d = win->dilations[i], k = ws[2 + i];
    if (outShape.empty() && !same)
      continue;
    int64_t target = outShape.empty() ? in[2 + i] * s : outShape[i];
    int64_t total = s * (in[2 + i] - 1) + outPad[i] + d * (k - 1) + 1 - target;
    bool upper = autoPad == "SAME_UPPER";
    pads[i] = upper ? floorHalf(total) : total - floorHalf(total);
    pads[i + 2] = upper ? total - floorHalf(total) : floorHalf(total);
  }

  if (isSubPixel(ws, win->strides, win->dilations, groups, pads, outPad, in))
    return define(n, 0, from2D(subPixel(n, x, w, cout, win->strides, pads), rank));

  // 1-2. Per spatial axis, the stuffed input has (in - 1) * s + 1 positions, p
  //      reading x[p / s] where s divides p and zero elsewhere, padded by
  //      span - pad_begin before and span - pad_end + output_padding after
  //      (span = d * (k - 1)). Positive pads are the conv's own; stuffing and
  //      negative pads (a crop) are one gather from x extended by a zero row.
  Value v = x;
  SmallVector<int64_t> convPads(4, 0);
  for (int i = 0; i < 2; ++i) {
    int64_t axis = 2 + i, s = win->strides[i], span = win->dilations[i] * (ws[axis] - 1);
    int64_t stuffed = (in[axis] - 1) * s + 1;
    int64_t before = span - pads[i], after = span - pads[i + 2] + outPad[i];
    int64_t first = std::max<int64_t>(-before, 0), last = stuffed - std::max<int64_t>(-after, 0);
    convPads[i] = std::max<int64_t>(before, 0);
    convPads[i + 2] = std::max<int64_t>(after, 0);
    if (last - first < 1 || stuffed + before + after - span < 1)
      return fail(n, "pads leave no output along spatial axis " + std::to_string(i));
    if (s == 1 && first == 0 && last == stuffed)
      continue;
    SmallVector<int64_t> shape(shapeOf(v)), rowShape(shape);
    rowShape[axis] = 1;
    if (auto err = checkConstantSize(n, {last - first + product(rowShape)}))
      return err;
    HostTensor index(DType::I64, {last - first});
    for (int64_t p = first; p < last; ++p)
      index.setI(p - first, p % s == 0 ? p / s : in[axis]); // in[axis]: the zero row
    if (s > 1) {
      HostTensor zeroRow(DType::F32, std::vector<int64_t>(rowShape.begin(), rowShape.end()));
      shape[axis] += 1;
      v = b.create<g::ConcatOp>(loc, f32Tensor(shape), ValueRange{v, constant(zeroRow)},
                                b.getI64IntegerAttr(axis));
    }
    shape[axis] = last - first;
    v = b.create<g::GatherOp>(loc, f32Tensor(shape), v, constant(index), b.getI64IntegerAttr(axis));
  }

  // 3. The filter: [Cin, Cout/g, kh, kw] -> [g, Cin/g, Cout/g, kh, kw] -> swap
  //    the channel axes -> [Cout, Cin/g, kh, kw] -> reversed kh and kw.
  int64_t kh = ws[2], kw = ws[3];
  Value f = reshape(w, {groups, cin / groups, ws[1], kh, kw});
  f = reshape(transpose(f, {0, 2, 1, 3, 4}), {cout, cin / groups, kh, kw});
  f = b.create<g::SliceOp>(loc, f32Tensor({cout, cin / groups, kh, kw}), f,
                           b.getDenseI64ArrayAttr({0, 0, kh - 1, kw - 1}),
                           b.getDenseI64ArrayAttr({1, 1, -1, -1}));
  if (auto c = constantValue(f))
    f = constant(*c);

  SmallVector<int64_t> out{in[0], cout};
  for (int i = 0; i < 2; ++i)
    out.push_back(g::windowOutputSize(shapeOf(v)[2 + i], ws[2 + i], 1, convPads[i],
                                      convPads[i + 2], win->dilations[i], false));
  auto conv = b.create<g::Conv2DOp>(loc, f32Tensor(out), v, f, input(n, 2),
                                    b.getDenseI64ArrayAttr({1, 1}),
                                    b.getDenseI64ArrayAttr(convPads),
                                    b.getDenseI64ArrayAttr(win->dilations),
                                    b.getI64IntegerAttr(groups));
  return define(n, 0, from2D(conv, rank));
}

} // namespace strata::frontend::detail
