//===- ScheduleTemplates.cpp ----------------------------------------------===//
//
// How each template turns its knob values into schedule calls on the kernel's
// Funcs. The knobs themselves (names, defaults, valid values) are declared in
// lowering/schedules/ScheduleSpace.cpp; values reach here verified, so nothing
// is clamped.
//
//  matmul_blocked: the output is tiled into mr rows x (nr * vector) columns.
//    The accumulator is computed at the tile (so its storage is an mr x
//    nr-vector block that LLVM promotes to registers), its reduction loop runs
//    outside the unrolled block (broadcast A, vector load B, FMA per
//    accumulator), and the epilogue Funcs, inlined into the output, run on the
//    block before it is stored. Tiles run column-panel-major (a K x nr-vector
//    panel of B stays in cache while the rows of A stream by) and in parallel
//    when the work is large.
//
//  matmul_packed: the same register block on a right operand packed at compile
//    time into panels of one vector of columns (out(..., m, panel, lane)), so
//    no split or runtime packing is needed and every panel load is contiguous.
//
//  conv2d_direct: NCHW direct convolution; the output is tiled into oc_block
//    channels x (ow_block * vector) columns of one row; the accumulator block
//    lives in registers around the (in-channel, ky, kx) reduction; bias/
//    activation/residual epilogues are applied to the block before the store.
//
//  injective: elementwise / pooling / reduction / softmax kernels: the
//    innermost dimension is vectorized (ShiftInward tails), the outermost
//    non-trivial one is parallel when the kernel is big enough; pooling
//    accumulators are computed first. Reduction helpers are computed first too,
//    softmax's one slice at a time (inside the parallel loop); a long reduction
//    along the contiguous axis runs as 16 interleaved partials vectorized
//    across the lanes (ComputeDefinitions.h), one along an outer axis
//    vectorized across the contiguous axis it keeps.
//
//===----------------------------------------------------------------------===//
#include "lowering/graph_to_te/ScheduleTemplates.h"

#include "dialects/te/IRVisitor.h"

#include <algorithm>

namespace strata::lowering {
namespace {

int64_t numElements(const std::vector<int> &shape) {
  int64_t n = 1;
  for (int d : shape)
    n *= d;
  return n;
}

/// Largest power of two <= n (at least 1).
int floorPow2(int64_t n) {
  int p = 1;
  while ((int64_t)p * 2 <= n)
    p *= 2;
  return p;
}

/// Below this many output elements a kernel runs on one thread: the pool's
/// wake-up costs more than the work.
constexpr int64_t kParallelThreshold = 1 << 14;
/// Below this many multiply-adds a blocked kernel runs on one thread.
constexpr int64_t kParallelMacs = 1 << 18;

const std::vector<std::string> &pureArgs(const te::Func &f) { return f.contents()->pure_args; }

std::vector<std::string> rvarNames(const te::Func &f, int stage) {
  std::vector<std::string> names;
  for (const te::RVar &r : f.contents()->defs.at(stage).rvars)
    names.push_back(r.name());
  return names;
}

/// The outermost axis of `shape` before `end` with more than one point, or -1.
int outerAxis(const std::vector<int> &shape, size_t end) {
  for (size_t d = 0; d < std::min(end, shape.size()); ++d)
    if (shape[d] > 1)
      return (int)d;
  return -1;
}

/// Vectorizes the innermost dimension and parallelizes the outermost
/// non-trivial one of a pure stage. Returns the name of the loop just outside
/// the vector loop ("" when not vectorized).
std::string scheduleInjective(te::Func &f, const std::vector<int> &shape, int vectorWidth) {
  if (shape.empty())
    return "";
  auto loops = f.stage(0).loops();
  int inner = shape.back();
  int lanes = std::min(vectorWidth, floorPow2(inner));
  std::string outer;
  if (lanes >= 4) {
    f.vectorize(loops.back(), lanes, te::TailStrategy::ShiftInward);
    outer = loops.back();
  }
  int d = outerAxis(shape, shape.size() - 1);
  if (numElements(shape) >= kParallelThreshold && d >= 0)
    f.parallel(loops[d]);
  return outer;
}

/// Vectorizes f across its last argument, which runs over `extent` points of the input's
/// contiguous axis: the pure stage directly, the updates with their reduction loops moved
/// outside, so each lane accumulates its own column while rows are read contiguously.
void vectorizeColumns(te::Func &f, int extent, int vectorWidth) {
  int lanes = std::min(vectorWidth, floorPow2(extent));
  // The updates guard their tail (scalar): fewer lanes rather than a scalar tail. A pure
  // stage shifts its last vector inward instead.
  while (f.num_update_definitions() > 0 && lanes > 4 && extent % lanes)
    lanes /= 2;
  if (lanes < 4)
    return;
  const auto &args = pureArgs(f);
  const std::string &col = args.back(), vec = col + "_v";
  f.split(col, col, vec, lanes, te::TailStrategy::ShiftInward).vectorize(vec);
  for (int stage = 1; stage <= f.num_update_definitions(); ++stage) {
    // GuardWithIf: an update must not run twice on a point.
    te::Stage s = f.stage(stage);
    s.split(col, col, vec, lanes, te::TailStrategy::GuardWithIf).vectorize(vec);
    std::vector<te::VarName> order(args.begin(), args.end() - 1);
    for (const std::string &r : rvarNames(f, stage))
      order.push_back(r);
    order.push_back(col);
    order.push_back(vec);
    s.reorder(order);
  }
}

/// Parallelizes every stage of f (pure args == the output's, of `shape`) over its outermost
/// non-trivial axis when f is big enough.
void parallelOutermost(te::Func &f, const std::vector<int> &shape) {
  int d = outerAxis(shape, shape.size() - 1);
  if (numElements(shape) < kParallelThreshold || d < 0)
    return;
  for (int stage = 0; stage <= f.num_update_definitions(); ++stage)
    f.stage(stage).parallel(pureArgs(f)[d]);
}

/// Lane partials (see reductionLanes): computed at each point of the total that combines
/// them, so the lanes stay in registers, and vectorized across the lanes inside the
/// reduction loops.
void scheduleLanes(te::Func &partial, const te::Func &total) {
  const auto &args = pureArgs(partial), &totalArgs = pureArgs(total);
  if (totalArgs.empty())
    partial.compute_root();
  else
    partial.compute_at(total, totalArgs.back());
  partial.store_in(te::MemoryType::Register);
  const std::string &lane = args.back();
  partial.vectorize(lane);
  std::vector<te::VarName> order(args.begin(), args.end() - 1);
  for (const std::string &r : rvarNames(partial, 1))
    order.push_back(r);
  order.push_back(lane);
  partial.update().reorder(order).vectorize(lane);
}

/// Places the helpers of a reduction or softmax: softmax's at the output loop just outside
/// its slices (a slice at a time, in cache, inside the parallel loop), others first.
void scheduleHelpers(KernelFuncs &k, int vectorWidth) {
  std::string slice;
  if (k.anchor.sliceAxis > 0)
    slice = pureArgs(k.output).at(k.anchor.sliceAxis - 1);
  for (Helper &h : k.anchor.reductions) {
    if (slice.empty())
      h.func.compute_root();
    else
      h.func.compute_at(k.output, slice);
    if (h.partial.defined()) {
      scheduleLanes(h.partial, h.func);
      // A big reduction computed first: its rows in parallel (the stage that folds each row's
      // lanes, inside which the lanes are computed), as the output's loop would otherwise be.
      const auto &args = pureArgs(h.func);
      int d = outerAxis(k.outputShape, args.size());
      if (slice.empty() && numElements(k.anchorInputShape) >= kParallelMacs &&
          args.size() == k.outputShape.size() && d >= 0)
        h.func.stage(h.func.num_update_definitions()).parallel(args[d]);
    } else if (h.columns) {
      vectorizeColumns(h.func, h.columns, vectorWidth);
    }
  }
}

/// Schedules an accumulator (pure + one update, pure args == the output's)
/// that is computed at an output loop over a block of `rows` x (`vecs` x
/// `lanes`) points: the block becomes registers, the reduction runs outside
/// the unrolled block. `rowArg`/`colArg` index the accumulator's pure args;
/// rowArg < 0 means the block is one row.
void scheduleRegisterBlock(te::Func &acc, int rowArg, int colArg, int rows, int vecs, int lanes) {
  const auto &args = pureArgs(acc);
  std::string col = args[colArg];
  std::string colN = col + "_n", colV = col + "_v";
  for (int stage = 0; stage < 2; ++stage) {
    te::Stage s = acc.stage(stage);
    if (lanes > 1)
      s.split(col, colN, colV, lanes);
    else
      colN = col;
    std::vector<te::VarName> order;
    if (stage == 1)
      for (const std::string &r : rvarNames(acc, 1))
        order.push_back(r);
    if (rowArg >= 0)
      order.push_back(args[rowArg]);
    order.push_back(colN);
    if (lanes > 1)
      order.push_back(colV);
    if (order.size() > 1)
      s.reorder(order);
    if (lanes > 1)
      s.vectorize(colV);
    if (vecs > 1 || lanes == 1)
      s.unroll(colN);
    if (rowArg >= 0 && rows > 1)
      s.unroll(args[rowArg]);
  }
  acc.store_in(te::MemoryType::Register);
}

// ---- matmul_blocked --------------------------------------------------------------------------

void scheduleMatmul(KernelFuncs &k, const Schedule &s) {
  te::Func &out = k.output, &acc = k.anchor.accumulator;
  const std::vector<int> &shape = k.outputShape;
  size_t rank = shape.size();
  int M = shape[rank - 2], N = shape[rank - 1];
  int lanes = (int)s["vector"], nr = (int)s["nr"], mr = (int)s["mr"];
  int tw = nr * lanes;

  const auto &oargs = pureArgs(out);
  std::string i = oargs[rank - 2], j = oargs[rank - 1];
  std::string io = i + "_o", ii = i + "_i", jo = j + "_o", ji = j + "_i", jn = j + "_n", jv = j + "_v";
  out.split(i, io, ii, mr).split(j, jo, ji, tw);
  // Column panels outside, row tiles inside: a K x tw panel of B is reused by every row tile.
  std::vector<te::VarName> order;
  for (size_t d = 0; d + 2 < rank; ++d)
    order.push_back(oargs[d]);
  for (const char *n : {"jo", "io", "ii", "ji"})
    order.push_back(std::string(n) == "jo" ? jo : std::string(n) == "io" ? io
                                              : std::string(n) == "ii" ? ii : ji);
  out.reorder(order);
  if (lanes > 1) {
    out.split(ji, jn, jv, lanes).vectorize(jv);
    if (nr > 1)
      out.unroll(jn);
  } else {
    out.unroll(ji);
  }
  if (mr > 1)
    out.unroll(ii);
  acc.compute_at(out, io);
  scheduleRegisterBlock(acc, (int)rank - 2, (int)rank - 1, mr, nr, lanes);
  // Pack B: the K x tw panel of the current column tile, dense, once per panel.
  if (s["pack_b"] && M > mr)
    for (te::Func &bv : k.anchor.prologue) {
      const auto &bargs = pureArgs(bv);
      if (bargs.size() < 2)
        continue;
      bv.compute_at(out, jo);
      std::string bj = bargs.back();
      if (lanes > 1) {
        bv.split(bj, bj + "_n", bj + "_v", lanes).vectorize(bj + "_v");
        if (nr > 1)
          bv.unroll(bj + "_n");
      }
    }

  int64_t K = 1;
  for (const te::RVar &r : acc.contents()->defs.at(1).rvars)
    if (auto *e = te::as_const_int(r.extent()))
      K *= *e;
  if (numElements(shape) * K >= kParallelMacs) {
    // The outermost loop with more than one iteration.
    int batch = 1;
    for (size_t d = 0; d + 2 < rank; ++d)
      batch *= shape[d];
    if (batch > 1) {
      for (size_t d = 0; d + 2 < rank; ++d)
        if (shape[d] > 1) {
          out.parallel(oargs[d]);
          break;
        }
    } else if ((N + tw - 1) / tw > 1) {
      out.parallel(jo);
    } else {
      out.parallel(io);
    }
  }
}

// ---- conv2d_direct ---------------------------------------------------------------------------

void scheduleConv(KernelFuncs &k, const Schedule &s) {
  te::Func &out = k.output, &acc = k.anchor.accumulator;
  const std::vector<int> &shape = k.outputShape; // N, C, OH, OW
  int C = shape[1];
  int lanes = (int)s["vector"], owb = (int)s["ow_block"], ocb = (int)s["oc_block"];
  int tw = owb * lanes;

  const auto &oargs = pureArgs(out);
  std::string n = oargs[0], c = oargs[1], y = oargs[2], x = oargs[3];
  std::string co = c + "_o", ci = c + "_i", xo = x + "_o", xi = x + "_i", xn = x + "_n", xv = x + "_v";
  out.split(c, co, ci, ocb).split(x, xo, xi, tw);
  // pack_input: 0 = read the input in place (the padding, if any, stays a select); 1 = the
  // (padded) input rows of one output row are materialized per row and read by every channel
  // block; 2 = the input block of one output tile (all in-channels x kernel rows x tile width
  // + halo) is packed per tile, reused by every channel block.
  int pack = (int)s["pack_input"];
  out.reorder(pack == 2 ? std::vector<te::VarName>{n, y, xo, co, ci, xi}
              : pack == 1 ? std::vector<te::VarName>{n, y, co, xo, ci, xi}
                          : std::vector<te::VarName>{n, co, y, xo, ci, xi});
  if (pack)
    for (te::Func &pad : k.anchor.prologue) {
      pad.compute_at(out, pack == 2 ? xo : y);
      const auto &pargs = pureArgs(pad);
      int padLanes = std::min(lanes, 8);
      if (padLanes > 1 && pargs.size() == 4)
        pad.vectorize(pargs[3], padLanes, te::TailStrategy::ShiftInward);
    }
  if (lanes > 1) {
    out.split(xi, xn, xv, lanes).vectorize(xv);
    if (owb > 1)
      out.unroll(xn);
  } else {
    out.unroll(xi);
  }
  if (ocb > 1)
    out.unroll(ci);
  acc.compute_at(out, pack == 2 ? co : xo);
  scheduleRegisterBlock(acc, 1, 3, ocb, owb, lanes);
  // unroll_kw: unroll the kernel-width reduction loop (short, and its index math then folds).
  auto rvars = acc.contents()->defs.at(1).rvars;
  if (s["unroll_kw"])
    acc.update().unroll(rvars.at(2).name());

  int64_t macs = numElements(shape);
  for (const te::RVar &r : acc.contents()->defs.at(1).rvars)
    if (auto *e = te::as_const_int(r.extent()))
      macs *= *e;
  if (macs >= kParallelMacs) {
    if (shape[0] > 1)
      out.parallel(n);
    else if (pack)
      out.parallel(y);
    else if ((C + ocb - 1) / ocb > 1)
      out.parallel(co);
    else
      out.parallel(y);
  }
}

// ---- conv2d_blocked, depthwise_blocked ---------------------------------------------------------

/// The macs of an accumulator's update: output points x reduction extent.
int64_t accumulatorMacs(const KernelFuncs &k) {
  int64_t macs = numElements(k.outputShape);
  for (const te::RVar &r : k.anchor.accumulator.contents()->defs.at(1).rvars)
    if (auto *e = te::as_const_int(r.extent()))
      macs *= *e;
  return macs;
}

/// Materializes the padded input per pack_input (1: the rows of one output row at `row`; 2: all
/// of it first), vectorized across its channel lanes.
void packBlockedInput(KernelFuncs &k, int pack, const std::string &row, int lanes) {
  if (pack == 0)
    return;
  for (te::Func &pad : k.anchor.prologue) {
    // pad(n, c, y, x, lane): copies whole blocks, or, from an input in blocks of one channel
    // (a plain NCHW input), runs of `lanes` columns.
    const auto &p = pureArgs(pad);
    if (pack == 1) {
      pad.compute_at(k.output, row);
    } else {
      pad.compute_root();
      if (accumulatorMacs(k) >= kParallelMacs) // the copy before the kernel, rows in parallel
        pad.parallel(p[2]);
    }
    if (k.anchorInputShape.empty() || k.anchorInputShape.back() > 1)
      pad.vectorize(p.back());
    else
      pad.vectorize(p[p.size() - 2], lanes);
  }
}

// ---- matmul_packed ---------------------------------------------------------------------------

/// out(..., m, j, l): mr rows x nr panels of the output in registers around the K loop; each
/// step broadcasts one value of a row against nr panel vectors (loaded once, used by mr rows).
void scheduleMatmulPacked(KernelFuncs &k, const Schedule &s, const targets::Target &target) {
  te::Func &out = k.output, &acc = k.anchor.accumulator;
  const std::vector<int> &shape = k.outputShape;
  size_t rank = shape.size();
  int mr = (int)s["mr"], nr = (int)s["nr"];
  const auto &o = pureArgs(out);
  std::string m = o[rank - 3], j = o[rank - 2], l = o[rank - 1];
  std::string mo = m + "_o", mi = m + "_i", jo = j + "_o", ji = j + "_i";
  out.split(m, mo, mi, mr).split(j, jo, ji, nr);
  // Panels outside rows: one K x (nr * lanes) slice of the packed matrix stays in cache while
  // the rows stream by.
  std::vector<te::VarName> order(o.begin(), o.end() - 3);
  order.insert(order.end(), {jo, mo, mi, ji, l});
  out.reorder(order).vectorize(l).unroll(ji).unroll(mi);
  acc.compute_at(out, mo);
  const auto &a = pureArgs(acc);
  std::string r = rvarNames(acc, 1).at(0);
  for (int stage = 0; stage < 2; ++stage) {
    te::Stage st = acc.stage(stage);
    std::vector<te::VarName> inner;
    if (stage == 1)
      inner.push_back(r);
    inner.insert(inner.end(), {a[rank - 3], a[rank - 2], a[rank - 1]});
    st.reorder(inner).vectorize(a[rank - 1]).unroll(a[rank - 2]).unroll(a[rank - 3]);
  }
  acc.store_in(te::MemoryType::Register);
  // In parallel: the outermost batch axis, else panels when there are a few per thread, else rows.
  int batch = outerAxis(shape, rank - 3);
  int panelBlocks = (shape[rank - 2] + nr - 1) / nr, rowBlocks = (shape[rank - 3] + mr - 1) / mr;
  if (accumulatorMacs(k) >= kParallelMacs)
    out.parallel(batch >= 0                                                 ? o[batch]
                 : panelBlocks >= 4 * target.cores || panelBlocks >= rowBlocks ? jo
                                                                             : mo);
}

/// out(n, co, y, x, lane): oc_block channel blocks x ow_block columns of lane-vectors in
/// registers, computed at the column tile; the reduction (input block, ky, kx, input channel)
/// runs outside the unrolled block, its innermost loop over the b channels of the input block.
void scheduleConvBlocked(KernelFuncs &k, const Schedule &s, const targets::Target &target) {
  te::Func &out = k.output, &acc = k.anchor.accumulator;
  int ocb = (int)s["oc_block"], owb = (int)s["ow_block"], pack = (int)s["pack_input"];
  const auto &o = pureArgs(out);
  std::string n = o[0], c = o[1], y = o[2], x = o[3], l = o[4];
  std::string co = c + "_o", ci = c + "_i", xo = x + "_o", xi = x + "_i";
  out.split(c, co, ci, ocb).split(x, xo, xi, owb);
  // pack 1: output rows outside the channel blocks, so one row's packed input serves them all.
  out.reorder(pack == 1 ? std::vector<te::VarName>{n, y, co, xo, ci, xi, l}
                        : std::vector<te::VarName>{n, co, y, xo, ci, xi, l});
  out.vectorize(l).unroll(xi).unroll(ci);
  packBlockedInput(k, pack, y, target.vectorLanesF32);
  acc.compute_at(out, xo);
  const auto &a = pureArgs(acc);
  auto r = rvarNames(acc, 1); // input block, ky, kx, input channel
  for (int stage = 0; stage < 2; ++stage) {
    te::Stage st = acc.stage(stage);
    std::vector<te::VarName> order;
    if (stage == 1)
      order.insert(order.end(), r.begin(), r.end());
    // Columns outside channel blocks: one broadcast input value serves oc_block FMAs and is
    // then dead, so the block needs oc_block * ow_block + oc_block + 1 registers, not
    // + ow_block broadcasts live at once.
    order.insert(order.end(), {a[3], a[1], a[4]});
    st.reorder(order).vectorize(a[4]).unroll(a[3]).unroll(a[1]);
  }
  acc.update().unroll(r[3]);
  if (s["unroll_kw"])
    acc.update().unroll(r[2]);
  acc.store_in(te::MemoryType::Register);
  // In parallel: images, else output rows when there are enough of them to share out evenly
  // (a few per thread), else the channel blocks (inside the rows with pack 1).
  int rows = k.outputShape[2], blocks = (k.outputShape[1] + ocb - 1) / ocb;
  if (accumulatorMacs(k) >= kParallelMacs)
    out.parallel(k.outputShape[0] > 1                      ? n
                 : rows >= 4 * target.cores || rows >= blocks ? y
                                                            : co);
}

/// out(n, c, y, x, lane): ow_block columns of one channel block in registers around the
/// unrolled taps.
void scheduleDepthwiseBlocked(KernelFuncs &k, const Schedule &s, const targets::Target &target) {
  te::Func &out = k.output, &acc = k.anchor.accumulator;
  int owb = (int)s["ow_block"], pack = (int)s["pack_input"];
  const auto &o = pureArgs(out);
  std::string n = o[0], c = o[1], y = o[2], x = o[3], l = o[4];
  std::string xo = x + "_o", xi = x + "_i";
  out.split(x, xo, xi, owb).reorder({n, c, y, xo, xi, l}).vectorize(l).unroll(xi);
  packBlockedInput(k, pack, y, target.vectorLanesF32);
  acc.compute_at(out, xo);
  const auto &a = pureArgs(acc);
  auto r = rvarNames(acc, 1); // ky, kx
  for (int stage = 0; stage < 2; ++stage) {
    te::Stage st = acc.stage(stage);
    std::vector<te::VarName> order;
    if (stage == 1)
      order.insert(order.end(), r.begin(), r.end());
    order.insert(order.end(), {a[3], a[4]});
    st.reorder(order).vectorize(a[4]).unroll(a[3]);
  }
  acc.update().unroll(r[0]).unroll(r[1]);
  acc.store_in(te::MemoryType::Register);
  // In parallel: images, else channel blocks when there are a few per thread, else rows.
  int blocks = k.outputShape[1], rows = k.outputShape[2];
  if (accumulatorMacs(k) >= kParallelMacs)
    out.parallel(k.outputShape[0] > 1                          ? n
                 : blocks >= 4 * target.cores || blocks >= rows ? c
                                                                : y);
}

llvm::Error firstError(const std::vector<const te::Func *> &funcs) {
  for (const te::Func *f : funcs)
    if (f->contents() && !f->error().ok())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "schedule: " + f->error().message());
  return llvm::Error::success();
}

/// The anchor has an accumulator Func (conv, matmul, pools).
bool hasAccumulator(const KernelFuncs &k) {
  const te::Func &acc = k.anchor.accumulator;
  return k.anchor.hasAccumulator && acc.contents() && !acc.contents()->name.empty();
}

bool hasSimpleAccumulator(const KernelFuncs &k) {
  const te::Func &acc = k.anchor.accumulator;
  return hasAccumulator(k) && acc.name() != k.output.name() && acc.num_update_definitions() == 1 &&
         acc.dimensions() == (int)k.outputShape.size();
}

// ---- gpu_simt ---------------------------------------------------------------------------------

/// The loops of a GPU stage: its pure loops fused into one (outermost first), split into
/// work-groups of `threads` work-items. Returns the thread loop's name, or "" when the stage
/// cannot be bound (no pure loop, or a scan, whose loops must stay in order); lowering then
/// runs it as a launch of one work-item.
std::string bindGpuStage(te::Func &f, int stage, int threads) {
  const te::Definition &d = f.contents()->defs[stage];
  if (!d.pointwise)
    return "";
  std::vector<std::string> pure;
  for (const te::Dim &dim : d.schedule.dims)
    if (!dim.is_rvar)
      pure.push_back(dim.name);
  if (pure.empty())
    return "";
  te::Stage st = f.stage(stage);
  std::string fused = pure[0], base = f.name() + "_g";
  for (size_t i = 1; i < pure.size(); ++i) {
    std::string next = base + "f" + std::to_string(i);
    st.fuse(fused, pure[i], next);
    fused = next;
  }
  // A pure stage shifts its last work-group inward (a point computed twice writes the same
  // value), so each work-item's point is exact for the bounds of what it computes at its
  // thread loop; an update must not run twice on a point, so it guards instead.
  st.split(fused, base + "b", base + "t", threads,
           stage == 0 ? te::TailStrategy::ShiftInward : te::TailStrategy::GuardWithIf);
  st.gpu_blocks(base + "b").gpu_threads(base + "t");
  return base + "t";
}

/// Binds every stage of a Func computed at the root: a launch per stage.
void bindGpuFunc(te::Func &f, int threads) {
  f.compute_root();
  for (int stage = 0; stage <= f.num_update_definitions(); ++stage)
    bindGpuStage(f, stage, threads);
}

/// A reduction's helpers (one value per output point: a sum, an extreme and its index) computed
/// in the point's work-item, in registers: the lane partials with their lanes unrolled inside
/// the reduction's loop (the work-item reads its elements in order), the fold of the lanes
/// unrolled, so every register index is a constant.
void computeHelpersInThread(KernelFuncs &k, const std::string &thread) {
  for (Helper &h : k.anchor.reductions) {
    if (te::Func &p = h.partial; p.defined()) {
      const auto &args = pureArgs(p);
      std::vector<te::VarName> order(args.begin(), args.end() - 1);
      for (const std::string &r : rvarNames(p, 1))
        order.push_back(r);
      order.push_back(args.back());
      p.compute_at(k.output, thread).store_in(te::MemoryType::Register).unroll(args.back());
      p.update().reorder(order).unroll(args.back());
      int fold = h.func.num_update_definitions(); // the last update combines the lanes
      for (const std::string &r : rvarNames(h.func, fold))
        h.func.update(fold - 1).unroll(r);
    }
    h.func.compute_at(k.output, thread).store_in(te::MemoryType::Register);
  }
}

/// gpu_simt: a thread per output point. The accumulator (conv, matmul, pool) lives in the
/// point's thread, private; the reduction helpers (softmax, means) and their lane partials
/// are launches of their own before the output, unless `helpersInThread` puts a reduction's
/// (one value per point) in the point's work-item.
void scheduleGpuSimt(KernelFuncs &k, int threads, bool helpersInThread) {
  // Work-groups no larger than the output, so that every work-item's point is in range (the
  // accumulator is computed at it).
  int64_t points = numElements(k.outputShape);
  if (points == 0)
    return; // an empty result: nothing to launch
  std::string thread = bindGpuStage(k.output, 0, (int)std::min<int64_t>(threads, points));
  te::Func &acc = k.anchor.accumulator;
  // In the work-item only when each update writes the point it is at (not a reduction whose
  // result has fewer dimensions, nor a scan).
  auto pointwiseUpdates = [](const te::Func &f) {
    for (int i = 1; i <= f.num_update_definitions(); ++i) {
      const te::Definition &d = f.contents()->defs[i];
      int pure = 0;
      for (const te::Dim &dim : d.schedule.dims)
        pure += !dim.is_rvar;
      if (!d.pointwise || pure != f.dimensions())
        return false;
    }
    return true;
  };
  if (hasAccumulator(k) && acc.name() != k.output.name()) {
    if (!thread.empty() && acc.dimensions() == (int)k.outputShape.size() && pointwiseUpdates(acc)) {
      acc.compute_at(k.output, thread);
      acc.store_in(te::MemoryType::Register);
    } else {
      bindGpuFunc(acc, threads);
    }
  }
  if (helpersInThread && !thread.empty() && k.anchor.sliceAxis < 0) {
    computeHelpersInThread(k, thread);
    return;
  }
  for (Helper &h : k.anchor.reductions) {
    bindGpuFunc(h.func, threads);
    // Lane partials at the root too: computed at a guarded update's work-item, they would be
    // computed past the end of the range.
    if (h.partial.defined())
      bindGpuFunc(h.partial, threads);
  }
}

// ---- gpu_matmul --------------------------------------------------------------------------------

/// The Funcs and inputs an update of f reads, other than f itself, in order of first read.
std::vector<std::string> updateOperands(const te::Func &f, int stage) {
  struct Calls : te::IRVisitor {
    std::vector<std::string> names;
    void visit(const te::Call *op) override {
      te::IRVisitor::visit(op);
      if (op->call_type == te::CallType::FuncRef &&
          std::find(names.begin(), names.end(), op->name) == names.end())
        names.push_back(op->name);
    }
  } calls;
  calls.dispatch(f.contents()->defs.at(stage).value);
  std::vector<std::string> operands;
  for (const std::string &n : calls.names)
    if (n != f.name())
      operands.push_back(n);
  return operands;
}

/// The operands of the accumulator's update staged in shared memory at each iteration of its
/// loop `step`, in the order the update reads them; double-buffered, each work-item loads its
/// share of the next step's operands into registers while the group computes on this step's.
std::vector<te::Func> stageInSharedMemory(te::Func &acc, const std::string &step, bool doubleBuffer) {
  std::vector<te::Func> staged;
  for (const std::string &operand : updateOperands(acc, 1)) {
    te::Func tile = acc.in(operand);
    tile.compute_at(acc, step).store_in(te::MemoryType::GPUShared);
    if (doubleBuffer)
      tile.double_buffer();
    staged.push_back(tile);
  }
  return staged;
}

/// gpu_matmul (matmul): blocks over (batch, row tiles, column tiles), threads over the tile's
/// reg_m x reg_n blocks; each work-item's block is its accumulator, in registers, around the
/// reduction split into tile_k steps, before each of which the work-group stages the tile_k
/// columns of A and rows of B it needs in shared memory. A warp spans warp_n blocks of a row of
/// blocks (the column threads split in two when warp_n is fewer), and A's tile may be stored
/// k-major and padded, which sets which work-items' shared-memory reads share banks; with
/// vector_loads each work-item loads 4 neighbouring values of a tile at a time (16 bytes).
void scheduleGpuMatmul(KernelFuncs &k, const Schedule &s) {
  te::Func &out = k.output, &acc = k.anchor.accumulator;
  size_t rank = k.outputShape.size();
  int tm = (int)s["tile_m"], tn = (int)s["tile_n"], rm = (int)s["reg_m"], rn = (int)s["reg_n"];
  int tk = (int)s["tile_k"], warpN = (int)s["warp_n"];
  const auto &o = pureArgs(out);
  std::string i = o[rank - 2], j = o[rank - 1];
  std::string io = i + "_o", ii = i + "_i", ty = i + "_t", ri = i + "_r";
  std::string jo = j + "_o", ji = j + "_i", tx = j + "_t", rj = j + "_r", txo = j + "_tw";
  // Tiles no larger than the output (the template's space): a shifted-inward last tile keeps
  // every work-item's block in range, so all of them reach the staging barriers.
  out.split(i, io, ii, tm, te::TailStrategy::ShiftInward).split(ii, ty, ri, rm)
      .split(j, jo, ji, tn, te::TailStrategy::ShiftInward).split(ji, tx, rj, rn);
  bool splitWarp = warpN < tn / rn;
  if (splitWarp)
    out.split(tx, txo, tx, warpN); // threads (txo, ty, tx): tx the fastest, warp_n of it
  std::vector<te::VarName> order(o.begin(), o.end() - 2);
  order.insert(order.end(), {io, jo});
  if (splitWarp)
    order.push_back(txo);
  order.insert(order.end(), {ty, tx, ri, rj});
  out.reorder(order);
  if (rank > 2) {
    std::string batch = o[0];
    for (size_t d = 1; d + 2 < rank; ++d) {
      out.fuse(batch, o[d], o[d] + "_batch");
      batch = o[d] + "_batch";
    }
    out.gpu_blocks(batch);
  }
  out.gpu_blocks(io).gpu_blocks(jo);
  if (splitWarp)
    out.gpu_threads(txo);
  out.gpu_threads(ty).gpu_threads(tx).unroll(ri).unroll(rj);

  acc.compute_at(out, tx).store_in(te::MemoryType::Register);
  const auto &a = pureArgs(acc);
  std::string r = rvarNames(acc, 1).at(0), ko = r + "_o", ki = r + "_i";
  acc.stage(0).reorder({a[rank - 2], a[rank - 1]}).unroll(a[rank - 2]).unroll(a[rank - 1]);
  te::Stage update = acc.update();
  update.split(r, ko, ki, tk).reorder({ko, ki, a[rank - 2], a[rank - 1]});
  update.unroll(a[rank - 2]).unroll(a[rank - 1]);
  if (tk * rm * rn <= 512)
    update.unroll(ki);
  std::vector<te::Func> staged = stageInSharedMemory(acc, ko, s["double_buffer"] != 0);
  if (s["a_k_major"] && !staged.empty()) {
    // A's tile (rows x k; the update reads acc + A * B, so A is staged first) stored k-major: a
    // work-item reads its reg_m rows at one k as one vector; 4 elements of padding per k put the
    // group's stores of consecutive k in other banks.
    te::Func &tileA = staged.front();
    const auto &t = pureArgs(tileA);
    std::vector<te::VarName> storage(t.begin(), t.end() - 2);
    storage.insert(storage.end(), {t[t.size() - 1], t[t.size() - 2]});
    tileA.reorder_storage(storage).pad_storage(t[t.size() - 2], 4);
  }
  if (s["vector_loads"])
    for (te::Func &tile : staged) // the space checks that tile_k and tile_n are multiples of 4
      tile.vectorize(pureArgs(tile).back(), 4);
}

/// gpu_conv: blocks over (image and channel tiles, row tiles, column tiles), threads over the
/// tile's (reg_c channels, row, reg_x columns) blocks; each work-item's block is its accumulator,
/// in registers, around the reduction over input channels in steps of tile_k, before each of
/// which the work-group stages the weights and the padded input window in shared memory.
void scheduleGpuConv(KernelFuncs &k, const Schedule &s) {
  te::Func &out = k.output, &acc = k.anchor.accumulator;
  int tc = (int)s["tile_c"], rc = (int)s["reg_c"], tx = (int)s["tile_x"], rx = (int)s["reg_x"];
  int ty = (int)s["tile_y"], tk = (int)s["tile_k"];
  const auto &o = pureArgs(out);
  std::string n = o[0], c = o[1], y = o[2], x = o[3];
  std::string co = c + "_o", ci = c + "_i", ct = c + "_t", cr = c + "_r";
  std::string yo = y + "_o", yt = y + "_t";
  std::string xo = x + "_o", xi = x + "_i", xt = x + "_t", xr = x + "_r", nc = c + "_nc";
  // Tiles no larger than the output, shifted inward at the ends (see gpu_matmul).
  auto in = te::TailStrategy::ShiftInward;
  out.split(c, co, ci, tc, in).split(ci, ct, cr, rc).split(y, yo, yt, ty, in)
      .split(x, xo, xi, tx, in).split(xi, xt, xr, rx)
      .reorder({n, co, yo, xo, ct, yt, xt, cr, xr})
      .fuse(n, co, nc)
      .gpu_blocks(nc).gpu_blocks(yo).gpu_blocks(xo)
      .gpu_threads(ct).gpu_threads(yt).gpu_threads(xt)
      .unroll(cr).unroll(xr);

  acc.compute_at(out, xt).store_in(te::MemoryType::Register);
  const auto &a = pureArgs(acc);
  auto r = rvarNames(acc, 1); // input channel, ky, kx
  std::string rco = r[0] + "_o", rci = r[0] + "_i";
  acc.stage(0).reorder({a[1], a[3]}).unroll(a[1]).unroll(a[3]);
  te::Stage update = acc.update();
  update.split(r[0], rco, rci, tk).reorder({rco, rci, r[1], r[2], a[1], a[3]});
  update.unroll(a[1]).unroll(a[3]).unroll(r[2]);
  stageInSharedMemory(acc, rco, s["double_buffer"] != 0);
}

/// gpu_softmax (softmax along the last axis, rows of at least 2 * kGpuReductionLanes): a
/// work-group takes `rows` rows with kGpuReductionLanes work-items on each. The reductions' lane partials (one
/// per work-item), the max and the sum per row and the sum's reciprocal are staged in shared
/// memory, each filled cooperatively, so the row is read from global memory twice (max, sum of
/// exponentials) and written once, in one launch; exp(x - max) is recomputed, never stored.
/// Returns false (nothing scheduled) for a kernel without lane partials.
bool scheduleGpuSoftmax(KernelFuncs &k, const Schedule &s) {
  te::Func &out = k.output;
  const auto &o = pureArgs(out);
  size_t rank = o.size();
  if (rank < 2 || k.anchor.sliceAxis != (int)rank - 1)
    return false;
  bool partials = llvm::any_of(k.anchor.reductions, [](const Helper &h) { return h.partial.defined(); });
  if (!partials)
    return false;
  // Rows along the last kept axis, the axes before it fused into one block index (a block index
  // is one value per group, so the group's region stays exactly its rows).
  std::string row = o[rank - 2], col = o[rank - 1];
  std::string ro = row + "_o", rt = row + "_t", co = col + "_o", ct = col + "_t";
  std::vector<te::VarName> order;
  std::string batch;
  if (rank > 2) {
    batch = o[0];
    for (size_t d = 1; d + 2 < rank; ++d) {
      out.fuse(batch, o[d], o[d] + "_batch");
      batch = o[d] + "_batch";
    }
    order.push_back(batch);
  }
  // The last group of rows shifts inward (a row computed twice writes the same values), so every
  // work-item has a row and reaches the staging barriers; columns past the row's end are guarded.
  out.split(row, ro, rt, (int)s["rows"], te::TailStrategy::ShiftInward)
      .split(col, co, ct, kGpuReductionLanes, te::TailStrategy::GuardWithIf);
  order.insert(order.end(), {ro, rt, ct, co});
  out.reorder(order);
  if (!batch.empty())
    out.gpu_blocks(batch);
  out.gpu_blocks(ro).gpu_threads(rt).gpu_threads(ct);
  // Staged at the work-item's loop, a shared Func holds the region of the whole group.
  for (Helper &h : k.anchor.reductions) {
    if (h.func.dimensions() >= (int)rank)
      continue; // exp(x - max), inlined where it is read
    for (te::Func *f : {&h.partial, &h.func})
      if (f->defined())
        f->compute_at(out, ct).store_in(te::MemoryType::GPUShared);
  }
  return true;
}

} // namespace

llvm::Error applySchedule(KernelFuncs &k, const Schedule &s, const targets::Target &target) {
  const std::string &templ = s.templateName;
  // Lanes for the injective fallback (helpers, or a kernel a blocked template cannot take).
  int v = s.has("vector") ? (int)s["vector"] : target.vectorLanesF32;

  bool blocked = templ == "matmul_blocked" || templ == "matmul_packed" || templ == "conv2d_direct" ||
                 templ == "conv2d_blocked" || templ == "depthwise_blocked" || templ == "gpu_simt" ||
                 templ == "gpu_matmul" || templ == "gpu_conv";
  if (blocked && k.anchor.hasAccumulator && k.anchor.accumulator.contents() &&
      k.anchor.accumulator.name() == k.output.name()) {
    // The kernel's result is the accumulator itself: store it through a copy
    // Func, so the accumulator can live in registers at the copy's tiles.
    te::Func acc = k.anchor.accumulator;
    te::Func copy(acc.name() + "_out");
    std::vector<te::Expr> args;
    for (const std::string &a : pureArgs(acc))
      args.push_back(te::Var(a + "_w"));
    copy(args) = acc(args);
    copy.set_shape(k.outputShape);
    k.output = copy;
  }

  if (templ == "gpu_matmul" && hasSimpleAccumulator(k) && k.outputShape.size() >= 2) {
    scheduleGpuMatmul(k, s);
    return firstError({&k.output, &k.anchor.accumulator});
  }
  if (templ == "gpu_conv" && hasSimpleAccumulator(k) && k.outputShape.size() == 4) {
    scheduleGpuConv(k, s);
    return firstError({&k.output, &k.anchor.accumulator});
  }
  if (templ == "gpu_softmax" && scheduleGpuSoftmax(k, s)) {
    std::vector<const te::Func *> funcs{&k.output};
    for (const Helper &h : k.anchor.reductions)
      funcs.insert(funcs.end(), {&h.func, &h.partial});
    return firstError(funcs);
  }
  if (const schedules::TemplateSpec *spec = schedules::findTemplate(templ); spec && spec->gpu) {
    // gpu_simt, or a kernel the tiled templates cannot take (they always have a simple
    // accumulator): one point per work-item rather than a CPU schedule.
    bool simt = templ == "gpu_simt";
    scheduleGpuSimt(k, simt ? (int)s["threads"] : 64, simt && s.has("helpers_in_thread") && s["helpers_in_thread"]);
    std::vector<const te::Func *> funcs{&k.output, &k.anchor.accumulator};
    for (const Helper &h : k.anchor.reductions)
      funcs.insert(funcs.end(), {&h.func, &h.partial});
    return firstError(funcs);
  }
  if (templ == "matmul_blocked" && hasSimpleAccumulator(k) && k.outputShape.size() >= 2) {
    scheduleMatmul(k, s);
    return firstError({&k.output, &k.anchor.accumulator});
  }
  if (templ == "matmul_packed" && hasSimpleAccumulator(k) && k.outputShape.size() >= 3) {
    scheduleMatmulPacked(k, s, target);
    return firstError({&k.output, &k.anchor.accumulator});
  }
  if (templ == "conv2d_direct" && hasSimpleAccumulator(k) && k.outputShape.size() == 4) {
    scheduleConv(k, s);
    return firstError({&k.output, &k.anchor.accumulator});
  }
  if (templ == "conv2d_blocked" && hasSimpleAccumulator(k) && k.outputShape.size() == 5) {
    scheduleConvBlocked(k, s, target);
    return firstError({&k.output, &k.anchor.accumulator});
  }
  if (templ == "depthwise_blocked" && hasSimpleAccumulator(k) && k.outputShape.size() == 5) {
    scheduleDepthwiseBlocked(k, s, target);
    return firstError({&k.output, &k.anchor.accumulator});
  }

  te::Func &acc = k.anchor.accumulator;
  bool hasAcc = hasAccumulator(k);
  if (hasAcc && acc.name() != k.output.name())
    acc.compute_root();
  if (hasAcc && acc.num_update_definitions() > 0) {
    // A pool: each lane of the innermost axis (W, or NCHW{b}'s channels) accumulates its own
    // window, the window loops outside the vector.
    vectorizeColumns(acc, k.outputShape.back(), v);
    parallelOutermost(acc, k.outputShape);
    if (acc.name() == k.output.name())
      return firstError({&k.output});
  }
  scheduleHelpers(k, v);
  scheduleInjective(k.output, k.outputShape, v);
  std::vector<const te::Func *> funcs{&k.output};
  for (const Helper &h : k.anchor.reductions)
    funcs.insert(funcs.end(), {&h.func, &h.partial});
  return firstError(funcs);
}

} // namespace strata::lowering
