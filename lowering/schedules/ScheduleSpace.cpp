//===- ScheduleSpace.cpp - every schedule template, its knobs and their space ===//
//
// How each template uses its knobs is in lowering/graph_to_te/ScheduleTemplates.cpp; what the
// knobs are, what they default to and which values are valid is here, and only here.
//
// Defaults follow the register file: an accumulator block plus the vectors loaded per reduction
// step plus one broadcast must fit in the target's vector registers (16 on AVX2, 32 on AVX-512).
// Measured on AVX2 (bench/): matmul 6 x 2 vectors and conv 6 channels x 2 vectors beat 4x3, 8x1,
// 3x4 and 5x2.
//
//===----------------------------------------------------------------------===//
#include "lowering/schedules/ScheduleSpace.h"

#include "mlir/IR/Builders.h"

#include <algorithm>

namespace strata::schedules {

using targets::Target;

namespace {

llvm::Error fail(const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

int64_t floorPow2(int64_t n) {
  int64_t p = 1;
  while (p * 2 <= n)
    p *= 2;
  return p;
}

std::vector<int64_t> range(int64_t lo, int64_t hi) {
  std::vector<int64_t> v;
  for (int64_t i = lo; i <= std::max(lo, hi); ++i)
    v.push_back(i);
  return v;
}

/// 1, 2, 4, ... up to max(1, hi).
std::vector<int64_t> powersOfTwo(int64_t hi) {
  std::vector<int64_t> v;
  for (int64_t p = 1; p <= std::max<int64_t>(1, hi); p *= 2)
    v.push_back(p);
  return v;
}

/// The largest value of `values` that is <= want (the smallest value when none is).
int64_t nearestBelow(const std::vector<int64_t> &values, int64_t want) {
  int64_t best = values.front();
  for (int64_t v : values)
    if (v <= want)
      best = v;
  return best;
}

/// Knob whose default is the largest valid value at most `want(w, t)`.
using Values = std::function<std::vector<int64_t>(const Workload &, const Target &)>;

/// Knob whose default is the largest valid value at most `want(w, t, earlier knobs)`.
KnobSpec dependentKnob(std::string name, std::string doc, Values values,
                       std::function<int64_t(const Workload &, const Target &, const Schedule &)> want) {
  KnobSpec k{std::move(name), std::move(doc), values, nullptr};
  k.defaultValue = [values, want](const Workload &w, const Target &t, const Schedule &earlier) {
    return nearestBelow(values(w, t), want(w, t, earlier));
  };
  return k;
}

KnobSpec knob(std::string name, std::string doc, Values values,
              std::function<int64_t(const Workload &, const Target &)> want) {
  return dependentKnob(std::move(name), std::move(doc), std::move(values),
                       [want](const Workload &w, const Target &t, const Schedule &) { return want(w, t); });
}

KnobSpec flag(std::string name, std::string doc,
              std::function<int64_t(const Workload &, const Target &)> want) {
  return knob(std::move(name), std::move(doc), [](const Workload &, const Target &) {
    return std::vector<int64_t>{0, 1};
  }, std::move(want));
}

KnobSpec flag(std::string name, std::string doc, int64_t dflt) {
  return flag(std::move(name), std::move(doc), [dflt](const Workload &, const Target &) { return dflt; });
}

int64_t dim(const TensorType &t, int fromEnd) {
  return (int)t.shape.size() >= fromEnd ? t.shape[t.shape.size() - fromEnd] : 1;
}

bool wide(const Target &t) { return t.vectorRegisters >= 32; }

/// "" when a register block of `regs` vectors (counted by `formula`) fits the target's file.
std::string fitsRegisters(const std::string &formula, int64_t regs, const Target &t) {
  if (regs <= t.vectorRegisters)
    return "";
  return formula + " = " + std::to_string(regs) + " vector registers, the target has " +
         std::to_string(t.vectorRegisters);
}

/// The matmul templates' mr: rows of the register block, up to 16 (and the output's rows), 6 by
/// default (see the measurements above).
KnobSpec rowBlock(std::function<int64_t(const Workload &)> rows) {
  return knob("mr", "rows of the register block",
              [rows](const Workload &w, const Target &) { return range(1, std::min<int64_t>(rows(w), 16)); },
              [](const Workload &, const Target &) { return 6; });
}

// ---- matmul_blocked ---------------------------------------------------------------------------
// The output tiled into mr rows x (nr * vector) columns held in registers around the K loop;
// column panels of B packed once per panel. Registers: mr * nr accumulators + nr B vectors + one
// broadcast of A.

TemplateSpec matmulBlocked() {
  auto cols = [](const Workload &w) { return dim(w.output, 1); };
  auto rows = [](const Workload &w) { return dim(w.output, 2); };
  auto lanes = [](const Workload &w, const Target &t) { return nearestBelow(powersOfTwo(t.vectorLanesF32), floorPow2(dim(w.output, 1))); };
  TemplateSpec s;
  s.name = "matmul_blocked";
  s.doc = "register-blocked matmul: mr rows x nr vectors of columns per block, B packed in panels";
  s.anchors = {"matmul"};
  s.knobs = {
      knob("vector", "f32 lanes of the column vectors",
           [cols](const Workload &w, const Target &t) {
             return powersOfTwo(std::min<int64_t>(t.vectorLanesF32, floorPow2(cols(w))));
           },
           [](const Workload &, const Target &t) { return t.vectorLanesF32; }),
      rowBlock(rows),
      knob("nr", "vectors of columns of the register block",
           [cols, lanes](const Workload &w, const Target &t) {
             return range(1, std::min<int64_t>(8, std::max<int64_t>(1, cols(w) / lanes(w, t))));
           },
           [](const Workload &, const Target &t) { return wide(t) ? 4 : 2; }),
      flag("pack_b", "pack B into K x (nr * vector) panels, once per column panel", 1),
  };
  s.check = [cols](const Schedule &sc, const Workload &w, const Target &t) -> std::string {
    if (std::string why = fitsRegisters("mr * nr + nr + 1", sc["mr"] * sc["nr"] + sc["nr"] + 1, t);
        !why.empty())
      return why;
    if (sc["nr"] > 1 && sc["nr"] * sc["vector"] > cols(w))
      return "nr * vector = " + std::to_string(sc["nr"] * sc["vector"]) +
             " columns is wider than the output's " + std::to_string(cols(w));
    return "";
  };
  return s;
}

// ---- matmul_packed ----------------------------------------------------------------------------
// A matmul by a constant matrix packed at compile time into panels of one vector of columns
// (graph-block-layout): mr rows x nr panels in registers around the K loop, each panel read
// contiguously. Registers as matmul_blocked's.

TemplateSpec matmulPacked() {
  auto rows = [](const Workload &w) { return dim(w.output, 3); };
  auto panels = [](const Workload &w) { return dim(w.output, 2); };
  TemplateSpec s;
  s.name = "matmul_packed";
  s.doc = "matmul by compile-time packed column panels: mr rows x nr panels per register block";
  s.anchors = {"matmul_packed"};
  s.knobs = {
      rowBlock(rows),
      // As many panels as the registers left by mr rows hold (a row or two: up to 8).
      dependentKnob("nr", "panels (vectors of columns) of the register block",
                    [panels](const Workload &w, const Target &) {
                      return range(1, std::min<int64_t>(8, panels(w)));
                    },
                    [](const Workload &, const Target &t, const Schedule &earlier) {
                      return (t.vectorRegisters - 1) / (earlier["mr"] + 1);
                    }),
  };
  s.check = [](const Schedule &sc, const Workload &, const Target &t) -> std::string {
    return fitsRegisters("mr * nr + nr + 1", sc["mr"] * sc["nr"] + sc["nr"] + 1, t);
  };
  return s;
}

// ---- conv2d_direct ----------------------------------------------------------------------------
// NCHW direct convolution: oc_block channels x (ow_block * vector) output columns of one row in
// registers around the (in-channel, ky, kx) loops. Registers: oc_block * ow_block accumulators +
// ow_block input vectors + one broadcast weight.

bool allEqualTo(const std::vector<int64_t> &values, int64_t v) {
  return std::all_of(values.begin(), values.end(), [v](int64_t x) { return x == v; });
}

/// A depthwise convolution of stride 1 (channels that do not fill graph-block-layout's blocks,
/// e.g. 200 with blocks of 16, stay NCHW): one channel per register block, the widest row
/// block, the input read in place. Measured on AVX-512 (cls with blocks of 16, 1 thread,
/// scrubbed caches): 5x5 depthwise 200 channels @2x96 took 175 us with the general default
/// (6 channels x 4 vectors, packed rows), 70 us so.
bool depthwiseUnitStride(const Workload &w) {
  int64_t groups = w.attr("groups", {1}).at(0);
  return groups > 1 && groups == dim(w.output, 3) && allEqualTo(w.attr("strides", {1, 1}), 1);
}

TemplateSpec conv2dDirect() {
  auto width = [](const Workload &w) { return dim(w.output, 1); };
  auto channels = [](const Workload &w) { return dim(w.output, 3); };
  auto lanes = [width](const Workload &w, const Target &t) {
    return std::min<int64_t>(t.vectorLanesF32, floorPow2(width(w)));
  };
  auto kernelWidth = [](const Workload &w) {
    return w.anchorOperands.size() > 1 ? dim(w.anchorOperands[1], 1) : 1;
  };
  TemplateSpec s;
  s.name = "conv2d_direct";
  s.doc = "direct NCHW convolution: oc_block channels x ow_block vectors of one output row per block";
  s.anchors = {"conv2d"};
  s.knobs = {
      knob("vector", "f32 lanes along the output width",
           [lanes](const Workload &w, const Target &t) { return powersOfTwo(lanes(w, t)); },
           [](const Workload &, const Target &t) { return t.vectorLanesF32; }),
      knob("oc_block", "output channels per register block",
           [channels](const Workload &w, const Target &) { return range(1, std::min<int64_t>(channels(w), 16)); },
           [](const Workload &w, const Target &) { return depthwiseUnitStride(w) ? 1 : 6; }),
      dependentKnob("ow_block", "vectors of output width per register block",
                    [width, lanes](const Workload &w, const Target &t) {
                      return range(1, std::min<int64_t>(8, std::max<int64_t>(1, width(w) / lanes(w, t))));
                    },
                    [width](const Workload &w, const Target &t, const Schedule &earlier) -> int64_t {
                      if (!depthwiseUnitStride(w))
                        return wide(t) ? 4 : 2;
                      return std::clamp<int64_t>(width(w) / earlier["vector"], 1, 6);
                    }),
      knob("pack_input", "0: read the input in place; 1: padded input rows per output row; "
                         "2: the input block of each output tile",
           [](const Workload &, const Target &) { return std::vector<int64_t>{0, 1, 2}; },
           [](const Workload &w, const Target &) { return depthwiseUnitStride(w) ? 0 : 1; }),
      knob("unroll_kw", "unroll the kernel-width loop (kernels 2 to 7 wide)",
           [kernelWidth](const Workload &w, const Target &) {
             int64_t kw = kernelWidth(w);
             return kw > 1 && kw <= 7 ? std::vector<int64_t>{0, 1} : std::vector<int64_t>{0};
           },
           [](const Workload &, const Target &) { return 1; }),
  };
  s.check = [width](const Schedule &sc, const Workload &w, const Target &t) -> std::string {
    if (std::string why = fitsRegisters("oc_block * ow_block + ow_block + 1",
                                        sc["oc_block"] * sc["ow_block"] + sc["ow_block"] + 1, t);
        !why.empty())
      return why;
    if (sc["ow_block"] > 1 && sc["ow_block"] * sc["vector"] > width(w))
      return "ow_block * vector = " + std::to_string(sc["ow_block"] * sc["vector"]) +
             " columns is wider than the output's " + std::to_string(width(w));
    return "";
  };
  return s;
}

// ---- conv2d_blocked, depthwise_blocked -------------------------------------------------------
// Convolutions on channel-blocked tensors (graph-block-layout): result [N, O/b, OH, OW, b], one
// vector = the b channels of a pixel, so every load is a dense vector whatever the stride.

bool isDepthwise(const Workload &w) { return w.attr("groups", {1}).at(0) > 1; }
int64_t blockedWidth(const Workload &w) { return dim(w.output, 2); }        // OW
int64_t blockedChannelBlocks(const Workload &w) { return dim(w.output, 4); } // O/b

/// A column block for `width` output columns of at most `most`: the cheapest by tiles x (columns
/// + 1.5), a tile's fixed cost (its weight loads and stores) being worth about 1.5 columns, so a
/// wide block wins unless its shifted-inward last tile recomputes many columns. The widest on ties.
int64_t columnBlock(int64_t width, int64_t most) {
  most = std::max<int64_t>(1, std::min(most, width));
  int64_t best = most, bestCost = -1;
  for (int64_t c = most; c >= 1; --c) {
    int64_t cost = (width + c - 1) / c * (2 * c + 3);
    if (bestCost < 0 || cost < bestCost)
      best = c, bestCost = cost;
  }
  return best;
}

/// oc_block of conv2d_blocked for `blocks` output channel blocks: the one of 2, 3, 4, 1 (in that
/// order of preference) that recomputes the fewest blocks in the last (shifted-inward) tile.
/// Measured on AVX2 (3x3 96->24 @80, 1 thread): 3 blocks as 3 x 3 columns take 3.5 ms, as
/// 2 x 5 columns (one block recomputed) 4.7 ms.
int64_t channelBlock(int64_t blocks) {
  int64_t best = 1, bestCost = -1;
  for (int64_t c : {2, 3, 4, 1}) {
    if (c > blocks)
      continue;
    int64_t cost = (blocks + c - 1) / c * c; // blocks computed
    if (bestCost < 0 || cost < bestCost)
      best = c, bestCost = cost;
  }
  return best;
}

/// pack_input of the blocked convs. Packing pays when each input value feeds many FMAs:
/// O/groups x KH x KW / (SH x SW) of them. Measured on AVX2, 1 thread (% of peak, pack 1 / 0 / 2):
/// depthwise 3x3 @112 (9 FMAs per value) 20 / 36 / 37, and in det and rec 0 is best (their
/// depthwise kernels take 40% less time than with 1); stem 3x3/2 3->16 @320 (36) 37 / 50 / 40;
/// 1x1 12->96 (96) 80 / 80 / 60; 3x3 64->64 (576) 70 / 39 / 56; stem 7x7/2 3->64 (784) 68 / 31
/// / 74, where the plain (one-channel-block) input is strided, so packed rows are reused least.
int64_t defaultPackInput(const Workload &w) {
  const std::vector<int64_t> &in = w.anchorOperands.at(0).shape, &filter = w.anchorOperands.at(1).shape;
  auto strides = w.attr("strides", {1, 1});
  int64_t groups = w.attr("groups", {1}).at(0), outChannels = dim(w.output, 4) * dim(w.output, 1);
  int64_t fmasPerValue = outChannels / groups * filter[2] * filter[3] / (strides[0] * strides[1]);
  if (fmasPerValue < 64)
    return 0;
  // 1x1, stride 1, no padding: the rows are dense already and packing only copies them. Equal
  // on AVX2 (1x1 12->96, above); on AVX-512 (Zen 4, det's 1x1 96->96 @40, 384->384 @10) 0 was
  // up to 9% faster.
  bool pointwise = filter[2] == 1 && filter[3] == 1 && allEqualTo(strides, 1) &&
                   allEqualTo(w.attr("pads", {0, 0, 0, 0}), 0);
  if (pointwise)
    return 0;
  bool stridedPlainInput = in.back() == 1 && strides[0] * strides[1] > 1;
  return stridedPlainInput ? 2 : 1;
}

KnobSpec packInputBlocked() {
  return knob("pack_input", "0: read the input in place; 1: the padded input rows of each output "
                            "row; 2: the whole padded input first",
              [](const Workload &, const Target &) { return std::vector<int64_t>{0, 1, 2}; },
              [](const Workload &w, const Target &) { return defaultPackInput(w); });
}

// Dense: oc_block channel blocks x ow_block output columns of accumulators around the (input
// block, ky, kx, input channel) loops; per input channel one weight vector per channel block and
// one broadcast input value per column. Registers: oc_block * ow_block + oc_block + 1. The default
// leaves 3 registers spare: on AVX2 (1 thread) 2 x 4 and 3 x 3 blocks beat 2 x 5 by 5-10% and
// 2 x 6 by 25-40% on 3x3 64->64 @56, 3x3 256->256 @14 and 3x3 96->24 @80. AVX-512's 32 registers
// would hold 2 x 10, but on Zen 4 (det, 1 thread, scrubbed caches) 10 accumulators beat 20: 3x3
// 96->32 @80 2 x 10 4.27 ms, 2 x 5 3.86 ms; 1x1 384->384 @10 0.35-0.39 ms, 1 x 10 and 2 x 5 0.26.
constexpr int64_t kMostBlockedAccumulators = 12;

/// Whether the default tile is one channel block x up to 14 columns, the kernel-width loop
/// rolled: where a core starts one full-width FMA per cycle (AVX-512 on Zen 4), a tile's loads
/// (a weight vector and a broadcast per column, per input channel) keep up with its FMAs, and
/// a tile reads one block's weights. Zen 4, 1 thread, kernel ms, 2 x N unrolled -> 1 x N:
/// 3x3 64->64 @56 2.49 -> 2.03 (2 threads 1.27 -> 1.04), 256->256 @14 2.33 -> 2.02, 96->96 @40
/// 2.49 -> 2.31, 1x1 384->384 @10 0.259 -> 0.253; rec's 1x1 convs 90-93% -> 94-96% of peak.
/// With two FMAs per cycle a one-block tile would wait on its loads; with fewer than 4 columns
/// its accumulators could not hide the FMA latency (4 cycles).
bool oneBlockTiles(const Workload &w, const Target &t) {
  return t.vectorFmasPerCycle == 1 && dim(w.output, 1) == t.vectorLanesF32 && blockedWidth(w) >= 4;
}

TemplateSpec conv2dBlocked() {
  TemplateSpec s;
  s.name = "conv2d_blocked";
  s.doc = "NCHW{b} convolution: oc_block channel blocks x ow_block columns of vectors per block";
  s.anchors = {"conv2d_blocked"};
  s.accepts = [](const Workload &w) { return !isDepthwise(w); };
  s.knobs = {
      knob("oc_block", "output channel blocks per register block",
           [](const Workload &w, const Target &) {
             return range(1, std::min<int64_t>(4, blockedChannelBlocks(w)));
           },
           [](const Workload &w, const Target &t) {
             return oneBlockTiles(w, t) ? 1 : channelBlock(blockedChannelBlocks(w));
           }),
      dependentKnob("ow_block", "output columns per register block",
                    [](const Workload &w, const Target &) {
                      return range(1, std::min<int64_t>(16, blockedWidth(w)));
                    },
                    [](const Workload &w, const Target &t, const Schedule &earlier) {
                      int64_t ocb = earlier["oc_block"];
                      if (oneBlockTiles(w, t))
                        return columnBlock(blockedWidth(w), 14);
                      int64_t columns = std::min((t.vectorRegisters - 4 - ocb) / ocb,
                                                 kMostBlockedAccumulators / ocb);
                      return columnBlock(blockedWidth(w), columns);
                    }),
      packInputBlocked(),
      flag("unroll_kw", "unroll the kernel-width loop",
           [](const Workload &w, const Target &t) { return oneBlockTiles(w, t) ? 0 : 1; }),
  };
  s.check = [](const Schedule &sc, const Workload &, const Target &t) {
    return fitsRegisters("oc_block * ow_block + oc_block + 1",
                         sc["oc_block"] * sc["ow_block"] + sc["oc_block"] + 1, t);
  };
  return s;
}

// Depthwise: ow_block output columns of one channel block around the unrolled taps; per tap one
// weight vector and ow_block input vectors. Registers: ow_block + 2. On AVX-512 (Zen 4, cls and
// det's 17 depthwise kernels, 1 thread) 4 to 6 columns were best or within 10% of it in 15 of 17,
// 13 to 16 columns 1.2x to 2.7x slower.
TemplateSpec depthwiseBlocked() {
  TemplateSpec s;
  s.name = "depthwise_blocked";
  s.doc = "NCHW{b} depthwise convolution: ow_block columns of one channel block per block";
  s.anchors = {"conv2d_blocked"};
  s.accepts = isDepthwise;
  s.knobs = {
      knob("ow_block", "output columns per register block",
           [](const Workload &w, const Target &) { return range(1, std::min<int64_t>(16, blockedWidth(w))); },
           [](const Workload &w, const Target &t) { return columnBlock(blockedWidth(w), wide(t) ? 6 : 8); }),
      packInputBlocked(),
  };
  s.check = [](const Schedule &sc, const Workload &, const Target &t) {
    return fitsRegisters("ow_block + 2", sc["ow_block"] + 2, t);
  };
  return s;
}

// ---- injective --------------------------------------------------------------------------------
// Elementwise, data movement, pooling, reductions and softmax: the innermost dimension vectorized,
// the outermost non-trivial one parallel when the kernel is big enough.

TemplateSpec injective() {
  TemplateSpec s;
  s.name = "injective";
  s.doc = "innermost dimension vectorized, outermost parallel; reduction helpers vectorized";
  s.anchors = {"*"};
  s.knobs = {
      knob("vector", "f32 lanes of the innermost loop (narrowed to the loop's extent)",
           [](const Workload &, const Target &t) { return powersOfTwo(t.vectorLanesF32); },
           [](const Workload &, const Target &t) { return t.vectorLanesF32; }),
  };
  s.check = [](const Schedule &, const Workload &, const Target &) { return std::string(); };
  return s;
}

// ---- gpu_simt ---------------------------------------------------------------------------------
// Any kernel on a GPU: one thread per output point (all output dimensions fused, split into
// work-groups of `threads`), the reduction of each point in its thread's registers. Reduction
// helpers (softmax's max and sum, a mean's sum) run first as launches of their own, their lane
// partials across work-items; a reduction's helpers (one value per output point) can instead be
// computed in the point's work-item, the whole kernel one launch.

/// Elements a reduction kernel folds into each output point; 0 for other kernels.
int64_t foldedPerPoint(const Workload &w) {
  static const char *const kReductions[] = {"reduce_sum", "reduce_mean", "reduce_max",
                                            "reduce_prod", "arg_max", "arg_min"};
  int64_t points = w.output.numElements();
  if (!llvm::is_contained(kReductions, w.anchor) || w.anchorOperands.empty() || points <= 0)
    return 0;
  return w.anchorOperands[0].numElements() / points;
}

/// Up to this many elements a point, a work-item folds its reduction alone rather than with 16
/// work-items and two more launches (per stage: init, update, fold). Counted, not measured: a
/// launch costs a few microseconds, about what a work-item takes to fold 4096 elements.
constexpr int64_t kGpuThreadReductionMax = 4096;

TemplateSpec gpuSimt() {
  TemplateSpec s;
  s.name = "gpu_simt";
  s.doc = "one thread per output point, work-groups of `threads`; reductions per thread";
  s.anchors = {"*"};
  s.gpu = true;
  s.knobs = {
      knob("threads", "work-items per work-group",
           [](const Workload &, const Target &) { return std::vector<int64_t>{32, 64, 128, 256}; },
           [](const Workload &, const Target &) { return 64; }),
      knob("helpers_in_thread",
           "a reduction's helpers (its sum or extreme and their lane partials) in each output "
           "point's work-item, one launch; 0: launches of their own, lanes across work-items",
           [](const Workload &w, const Target &) {
             return foldedPerPoint(w) > 0 ? std::vector<int64_t>{0, 1} : std::vector<int64_t>{0};
           },
           [](const Workload &w, const Target &) {
             int64_t folded = foldedPerPoint(w);
             return folded > 0 && folded <= kGpuThreadReductionMax ? 1 : 0;
           }),
  };
  s.check = [](const Schedule &, const Workload &, const Target &) { return std::string(); };
  return s;
}

// ---- gpu_matmul --------------------------------------------------------------------------------

/// The tiled GPU templates' operands staged in shared memory, double-buffered or not.
KnobSpec doubleBufferKnob() {
  // Off until measured on a GPU: the loads of step k + 1 overlap step k's arithmetic, for a
  // few more registers per work-item (CooperativeLoops.h).
  return flag("double_buffer",
              "load the next tile_k step's operands into registers while computing this one", 0);
}
// Matmul on a GPU: a work-group computes a tile_m x tile_n tile of the output, each work-item a
// reg_m x reg_n block of it in registers; the tile's operands are staged through shared memory
// tile_k columns of A and rows of B at a time, each element loaded once per work-group.

TemplateSpec gpuMatmul() {
  auto rows = [](const Workload &w) { return dim(w.output, 2); };
  auto cols = [](const Workload &w) { return dim(w.output, 1); };
  auto depth = [](const Workload &w) { return dim(w.anchorOperands.at(0), 1); };
  auto upTo = [](int64_t lo, int64_t hi, int64_t most) {
    std::vector<int64_t> v;
    for (int64_t p = lo; p <= std::min(hi, most); p *= 2)
      v.push_back(p);
    return v.empty() ? std::vector<int64_t>{lo} : v;
  };
  TemplateSpec s;
  s.name = "gpu_matmul";
  s.doc = "GPU matmul: tile_m x tile_n output tiles per work-group, reg_m x reg_n per work-item, "
          "operands staged in shared memory tile_k at a time";
  s.anchors = {"matmul"};
  s.gpu = true;
  s.accepts = [rows, cols](const Workload &w) { return rows(w) >= 8 && cols(w) >= 32; };
  s.knobs = {
      // 64 x 64 per group of 256, a 4 x 4 block per work-item. Measured on an H100 (sgemm 4096,
      // 14 tilings): 22.5 TFLOP/s, 0.44x cuBLAS; the classic 128 x 128 with 8 x 8 blocks (more
      // reuse per shared-memory load, but 94 registers and half the groups) 17.0, 0.33x.
      knob("tile_m", "output rows per work-group",
           [rows, upTo](const Workload &w, const Target &) { return upTo(8, 128, rows(w)); },
           [](const Workload &, const Target &) { return 64; }),
      knob("tile_n", "output columns per work-group",
           [cols, upTo](const Workload &w, const Target &) { return upTo(32, 128, cols(w)); },
           [](const Workload &, const Target &) { return 64; }),
      dependentKnob("reg_m", "output rows per work-item (registers)",
                    [](const Workload &, const Target &) { return std::vector<int64_t>{1, 2, 4, 8}; },
                    [](const Workload &, const Target &, const Schedule &e) {
                      return e["tile_m"] >= 128 ? 8 : std::min<int64_t>(4, e["tile_m"]);
                    }),
      dependentKnob("reg_n", "output columns per work-item (registers)",
                    [](const Workload &, const Target &) { return std::vector<int64_t>{1, 2, 4, 8}; },
                    [](const Workload &, const Target &, const Schedule &e) { return e["tile_n"] >= 128 ? 8 : 4; }),
      knob("tile_k", "reduction steps staged in shared memory at a time (divides K)",
           [depth](const Workload &w, const Target &) {
             std::vector<int64_t> v;
             for (int64_t d = 1; d <= std::min<int64_t>(32, depth(w)); ++d)
               if (depth(w) % d == 0)
                 v.push_back(d);
             return v;
           },
           [](const Workload &, const Target &) { return 16; }),
      doubleBufferKnob(),
      // Which work-items share a warp, and so the banks of their shared-memory reads: with 8 x 8
      // blocks, 16 column blocks a warp read B at a 32-byte stride, a 2-way conflict; 4 or 8 do
      // not (counted, not measured: the default keeps a warp on one row of blocks).
      dependentKnob("warp_n", "column blocks (work-items) along a warp; fewer put more rows in it",
                    [](const Workload &, const Target &) { return std::vector<int64_t>{4, 8, 16, 32}; },
                    [](const Workload &, const Target &, const Schedule &e) {
                      return std::min<int64_t>(32, e["tile_n"] / std::max<int64_t>(1, e["reg_n"]));
                    }),
      flag("a_k_major", "store A's shared-memory tile k-major, padded by 4 per k (vector reads of "
                        "a work-item's rows, no conflicts between its rows)", 0),
      flag("vector_loads", "each work-item loads 4 neighbouring values of a shared-memory tile at "
                           "a time, one 16-byte load (tile_k and tile_n multiples of 4)", 0),
  };
  s.check = [](const Schedule &sc, const Workload &, const Target &) -> std::string {
    if (sc["reg_m"] > sc["tile_m"] || sc["reg_n"] > sc["tile_n"])
      return "the register block is larger than the tile";
    int64_t threads = sc["tile_m"] / sc["reg_m"] * (sc["tile_n"] / sc["reg_n"]);
    if (threads < 16 || threads > 1024)
      return "(tile_m / reg_m) * (tile_n / reg_n) = " + std::to_string(threads) +
             " work-items per work-group, outside 16 to 1024";
    int64_t columnItems = sc["tile_n"] / sc["reg_n"];
    if (sc["warp_n"] < columnItems ? columnItems % sc["warp_n"] != 0 : sc["warp_n"] != std::min<int64_t>(32, columnItems))
      return "warp_n = " + std::to_string(sc["warp_n"]) + " must divide tile_n / reg_n = " +
             std::to_string(columnItems) + " (or be min(32, tile_n / reg_n), one row of blocks a warp)";
    if (sc["vector_loads"] && (sc["tile_k"] % 4 != 0 || sc["tile_n"] % 4 != 0))
      return "vector_loads needs tile_k and tile_n multiples of 4 (they are " + std::to_string(sc["tile_k"]) +
             " and " + std::to_string(sc["tile_n"]) + ")";
    return "";
  };
  return s;
}

// ---- gpu_conv ---------------------------------------------------------------------------------
// NCHW convolution on a GPU: a work-group computes tile_c output channels x tile_y rows x tile_x
// columns, each work-item reg_c channels x reg_x columns of it in registers; per step of tile_k
// input channels the group stages the weights and the (padded) input window it needs in shared
// memory. Dense and depthwise convolutions.

struct ConvGeometry {
  int64_t outC, outH, outW, cinPerGroup, kh, kw, sy, sx, dy, dx;
  bool depthwise; // one input channel per group
  explicit ConvGeometry(const Workload &w) {
    const auto &filter = w.anchorOperands.at(1).shape; // O, I/groups, KH, KW
    outC = dim(w.output, 3), outH = dim(w.output, 2), outW = dim(w.output, 1);
    cinPerGroup = filter.at(1), kh = filter.at(2), kw = filter.at(3);
    auto strides = w.attr("strides", {1, 1}), dilations = w.attr("dilations", {1, 1});
    sy = strides.at(0), sx = strides.at(1), dy = dilations.at(0), dx = dilations.at(1);
    depthwise = w.attr("groups", {1}).at(0) > 1;
  }
  /// Bytes of shared memory a schedule stages per step: weights and the input window.
  int64_t sharedBytes(const Schedule &sc) const {
    int64_t tc = sc["tile_c"], tk = sc["tile_k"];
    int64_t weights = tc * tk * kh * kw;
    int64_t channels = depthwise ? tc : tk;
    int64_t rows = (sc["tile_y"] - 1) * sy + (kh - 1) * dy + 1;
    int64_t cols = (sc["tile_x"] - 1) * sx + (kw - 1) * dx + 1;
    return 4 * (weights + channels * rows * cols);
  }
};

TemplateSpec gpuConv() {
  auto upTo = [](int64_t hi, int64_t most) { return powersOfTwo(std::min(hi, floorPow2(most))); };
  TemplateSpec s;
  s.name = "gpu_conv";
  s.doc = "GPU convolution: tile_c x tile_y x tile_x outputs per work-group, reg_c x reg_x per "
          "work-item, weights and input window staged in shared memory tile_k channels at a time";
  s.anchors = {"conv2d"};
  s.gpu = true;
  // Dense or depthwise (one input channel per group), with enough output to tile.
  s.accepts = [](const Workload &w) {
    if (w.anchorOperands.size() < 2 || w.output.shape.size() != 4)
      return false;
    ConvGeometry g(w);
    bool groupsOk = w.attr("groups", {1}).at(0) == 1 || g.cinPerGroup == 1;
    return groupsOk && g.outH * g.outW >= 16 && g.outC * g.outH * g.outW >= 1024;
  };
  s.knobs = {
      knob("tile_c", "output channels per work-group",
           [upTo](const Workload &w, const Target &) { return upTo(64, ConvGeometry(w).outC); },
           [](const Workload &, const Target &) { return 32; }),
      dependentKnob("reg_c", "output channels per work-item (registers)",
                    [](const Workload &, const Target &) { return std::vector<int64_t>{1, 2, 4, 8}; },
                    [](const Workload &, const Target &, const Schedule &e) { return std::min<int64_t>(4, e["tile_c"]); }),
      knob("tile_x", "output columns per work-group",
           [upTo](const Workload &w, const Target &) { return upTo(64, ConvGeometry(w).outW); },
           [](const Workload &, const Target &) { return 32; }),
      dependentKnob("reg_x", "output columns per work-item (registers)",
                    [](const Workload &, const Target &) { return std::vector<int64_t>{1, 2, 4}; },
                    [](const Workload &, const Target &, const Schedule &e) { return std::min<int64_t>(2, e["tile_x"]); }),
      // Rows to make about 128 work-items.
      dependentKnob("tile_y", "output rows per work-group (a work-item each)",
                    [upTo](const Workload &w, const Target &) { return upTo(16, ConvGeometry(w).outH); },
                    [](const Workload &, const Target &, const Schedule &e) {
                      return 128 / (e["tile_c"] / e["reg_c"] * (e["tile_x"] / e["reg_x"]));
                    }),
      knob("tile_k", "input channels staged in shared memory per step (divides them)",
           [](const Workload &w, const Target &) {
             ConvGeometry g(w);
             std::vector<int64_t> v;
             for (int64_t d = 1; d <= std::min<int64_t>(32, g.cinPerGroup); ++d)
               if (g.cinPerGroup % d == 0)
                 v.push_back(d);
             return v;
           },
           [](const Workload &, const Target &) { return 8; }),
      doubleBufferKnob(),
  };
  s.check = [](const Schedule &sc, const Workload &w, const Target &) -> std::string {
    if (sc["reg_c"] > sc["tile_c"] || sc["reg_x"] > sc["tile_x"])
      return "the register block is larger than the tile";
    int64_t threads = sc["tile_c"] / sc["reg_c"] * sc["tile_y"] * (sc["tile_x"] / sc["reg_x"]);
    if (threads > 1024)
      return std::to_string(threads) + " work-items per work-group, more than 1024";
    if (int64_t bytes = ConvGeometry(w).sharedBytes(sc); bytes > 48 * 1024)
      return "the staged weights and input window take " + std::to_string(bytes) +
             " bytes of shared memory, more than 48 KiB";
    return "";
  };
  return s;
}

// ---- gpu_softmax ------------------------------------------------------------------------------
// Softmax along the last axis on a GPU, one launch: a work-group takes `rows` rows, 16 work-items
// on each (the lowering's 16 interleaved lane partials of the max and the sum, one per work-item),
// with the partials and per-row results in shared memory.

TemplateSpec gpuSoftmax() {
  // The rows along the last kept axis (the axes before it are block indices).
  auto rowsOf = [](const Workload &w) { return dim(w.output, 2); };
  TemplateSpec s;
  s.name = "gpu_softmax";
  s.doc = "GPU softmax along the last axis in one launch: `rows` rows per work-group, 16 work-items "
          "per row, the max and sum reduced across them in shared memory";
  s.anchors = {"softmax"};
  s.gpu = true;
  // Rows of at least 32 (where the lowering splits the reductions into 16 lanes).
  s.accepts = [](const Workload &w) {
    size_t rank = w.output.shape.size();
    return rank >= 2 && w.attr("axis", {-1}).at(0) == (int64_t)rank - 1 && dim(w.output, 1) >= 32;
  };
  s.knobs = {
      knob("rows", "rows per work-group (16 work-items each)",
           [rowsOf](const Workload &w, const Target &) { return powersOfTwo(std::min<int64_t>(16, floorPow2(rowsOf(w)))); },
           [rowsOf](const Workload &w, const Target &) { return std::min<int64_t>(4, floorPow2(rowsOf(w))); }),
  };
  s.check = [](const Schedule &, const Workload &, const Target &) { return std::string(); };
  return s;
}

} // namespace

int64_t Schedule::operator[](const std::string &knob) const {
  for (const auto &[name, value] : knobs)
    if (name == knob)
      return value;
  llvm::report_fatal_error(llvm::Twine("schedule template '") + templateName +
                           "' has no knob '" + knob + "'");
}

bool Schedule::has(const std::string &knob) const {
  return llvm::any_of(knobs, [&](const auto &kv) { return kv.first == knob; });
}

std::string Schedule::str() const {
  std::string s = templateName;
  for (const auto &[name, value] : knobs)
    s += " " + name + "=" + std::to_string(value);
  return s;
}

bool TemplateSpec::schedules(const Workload &w, const Target &target) const {
  if (gpu != target.isGPU())
    return false;
  bool anchored = std::find(anchors.begin(), anchors.end(), w.anchor) != anchors.end() ||
                  std::find(anchors.begin(), anchors.end(), "*") != anchors.end();
  return anchored && (!accepts || accepts(w));
}

const std::vector<TemplateSpec> &templates() {
  static const std::vector<TemplateSpec> all = {matmulBlocked(), matmulPacked(), conv2dDirect(), conv2dBlocked(),
                                                 depthwiseBlocked(), injective(), gpuMatmul(), gpuConv(), gpuSoftmax(),
                                                 gpuSimt()};
  return all;
}

const TemplateSpec *findTemplate(const std::string &name) {
  for (const TemplateSpec &t : templates())
    if (t.name == name)
      return &t;
  return nullptr;
}

const TemplateSpec &defaultTemplate(const Workload &w, const Target &target) {
  for (const TemplateSpec &t : templates())
    if (t.schedules(w, target))
      return t;
  llvm_unreachable("injective (CPU) and gpu_simt (GPU) schedule every anchor");
}

Schedule defaultSchedule(const Workload &w, const Target &target) {
  const TemplateSpec &spec = defaultTemplate(w, target);
  Schedule s{spec.name, {}};
  for (const KnobSpec &k : spec.knobs)
    s.knobs.push_back({k.name, k.defaultValue(w, target, s)});
  return s;
}

llvm::Error verify(const Schedule &s, const Workload &w, const Target &target,
                   const std::string &kernelName) {
  std::string where = "kernel '" + kernelName + "': schedule template '" + s.templateName + "'";
  const TemplateSpec *spec = findTemplate(s.templateName);
  if (!spec) {
    std::string names;
    for (const TemplateSpec &t : templates())
      names += (names.empty() ? "" : ", ") + t.name;
    return fail("kernel '" + kernelName + "': unknown schedule template '" + s.templateName +
                "' (templates: " + names + ")");
  }
  if (!spec->schedules(w, target))
    return fail(where + (spec->gpu != target.isGPU()
                             ? std::string(" is for ") + (spec->gpu ? "GPU" : "CPU") +
                                   " targets, not '" + target.name + "'"
                             : " does not schedule this " + w.anchor + " kernel"));
  for (const auto &[name, value] : s.knobs) {
    auto it = std::find_if(spec->knobs.begin(), spec->knobs.end(),
                           [&](const KnobSpec &k) { return k.name == name; });
    if (it == spec->knobs.end()) {
      std::string names;
      for (const KnobSpec &k : spec->knobs)
        names += (names.empty() ? "" : ", ") + k.name;
      return fail(where + " has no knob '" + name + "' (knobs: " + names + ")");
    }
    std::vector<int64_t> valid = it->values(w, target);
    if (std::find(valid.begin(), valid.end(), value) == valid.end()) {
      std::string list;
      for (int64_t v : valid)
        list += (list.empty() ? "" : ", ") + std::to_string(v);
      return fail(where + ": knob '" + name + "' = " + std::to_string(value) +
                  " is outside its space for this kernel (valid: " + list + ")");
    }
  }
  if (s.knobs.size() != spec->knobs.size())
    return fail(where + " sets " + std::to_string(s.knobs.size()) + " of its " +
                std::to_string(spec->knobs.size()) + " knobs");
  if (std::string why = spec->check(s, w, target); !why.empty())
    return fail(where + ": " + why);
  return llvm::Error::success();
}

llvm::Expected<Schedule> fromAttr(mlir::DictionaryAttr attr, const Workload &w,
                                  const Target &target, const std::string &kernelName) {
  auto templ = attr.getAs<mlir::StringAttr>("template");
  if (!templ)
    return fail("kernel '" + kernelName + "': the schedule has no 'template' string");
  Schedule s{templ.getValue().str(), {}};
  const TemplateSpec *spec = findTemplate(s.templateName);
  for (mlir::NamedAttribute na : attr) {
    if (na.getName() == "template")
      continue;
    auto v = llvm::dyn_cast<mlir::IntegerAttr>(na.getValue());
    if (!v)
      return fail("kernel '" + kernelName + "': schedule knob '" + na.getName().str() +
                  "' is not an integer");
    s.knobs.push_back({na.getName().str(), v.getValue().getSExtValue()});
  }
  if (spec) { // declaration order, missing knobs at their defaults; unknown ones kept for verify
    Schedule ordered{s.templateName, {}};
    for (const KnobSpec &k : spec->knobs) {
      auto it = std::find_if(s.knobs.begin(), s.knobs.end(),
                             [&](const auto &kv) { return kv.first == k.name; });
      ordered.knobs.push_back(
          {k.name, it != s.knobs.end() ? it->second : k.defaultValue(w, target, ordered)});
    }
    for (const auto &kv : s.knobs)
      if (!llvm::any_of(spec->knobs, [&](const KnobSpec &k) { return k.name == kv.first; }))
        ordered.knobs.push_back(kv);
    s = std::move(ordered);
  }
  if (auto err = verify(s, w, target, kernelName))
    return std::move(err);
  return s;
}

mlir::DictionaryAttr toAttr(const Schedule &s, mlir::MLIRContext *ctx) {
  mlir::Builder b(ctx);
  llvm::SmallVector<mlir::NamedAttribute> attrs{
      b.getNamedAttr("template", b.getStringAttr(s.templateName))};
  for (const auto &[name, value] : s.knobs)
    attrs.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(value)));
  return b.getDictionaryAttr(attrs);
}

std::vector<Schedule> enumerateSpace(const schedules::Workload &w,
                                                const Target &target, int64_t limit) {
  const TemplateSpec &spec = defaultTemplate(w, target);
  std::vector<std::vector<int64_t>> values;
  for (const KnobSpec &k : spec.knobs)
    values.push_back(k.values(w, target));
  std::vector<Schedule> out;
  std::vector<size_t> at(values.size(), 0);
  while ((int64_t)out.size() < limit) {
    Schedule s{spec.name, {}};
    for (size_t i = 0; i < values.size(); ++i)
      s.knobs.push_back({spec.knobs[i].name, values[i][at[i]]});
    if (llvm::Error err = verify(s, w, target, "task"))
      llvm::consumeError(std::move(err));
    else
      out.push_back(std::move(s));
    // The next combination, the last knob fastest.
    size_t i = values.size();
    while (i > 0 && ++at[i - 1] == values[i - 1].size())
      at[--i] = 0;
    if (i == 0)
      break;
  }
  return out;
}

llvm::Expected<Schedule> scheduleOf(graph::KernelOp kernel, const Target &target) {
  Workload w = workloadOf(kernel);
  if (auto attr = kernel.getScheduleAttr())
    return fromAttr(attr, w, target, kernel.getSymName().str());
  return defaultSchedule(w, target);
}

} // namespace strata::schedules
