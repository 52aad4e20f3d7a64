//===- BlockLayout.cpp - convolution chains on channel-blocked tensors ----===//
//
// One forward walk. Each value that has a blocked form ([N, C/b, H, W, b] for
// a plain [N, C, H, W]) is recorded in `blocked`. An eligible conv2d becomes a
// conv2d_blocked on the blocked form of its input (converted once, if it has
// none) with its filter and bias re-laid out at compile time; an elementwise
// op or a global average pool whose operands have blocked forms (or are
// constants, re-laid out) is recreated on them, and so are pools, gathers along
// H or W (nearest resizes), concats, slices and expands (pads, which the
// importer decomposes into them). Each rewritten op's plain
// result is replaced by a conversion back (transpose + reshape) that plain
// consumers read; the conversions nobody reads are erased at the end.
//
// A matmul by a constant [K, N] matrix becomes a matmul_packed on that matrix's
// column panels (packed here, at compile time), with its elementwise epilogue
// by per-column constants (a bias) on the panel form; a reshape (a view), and
// a slice where N was padded to whole panels, give the plain result back.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/Passes.h"
#include "dialects/graph/transforms/ConstantTensors.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

namespace strata::graph {
#define GEN_PASS_DEF_BLOCKLAYOUT
#include "dialects/graph/Passes.h.inc"
} // namespace strata::graph

using namespace mlir;
using namespace strata;
using namespace strata::graph;

namespace {

RankedTensorType tensorType(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

class BlockLayout {
public:
  BlockLayout(func::FuncOp fn, int64_t b) : fn(fn), b(b) {}

  void run() {
    for (Operation &op : llvm::make_early_inc_range(fn.getBody().front())) {
      if (auto conv = llvm::dyn_cast<Conv2DOp>(op))
        rewriteConv(conv);
      else if (auto mm = llvm::dyn_cast<MatMulOp>(op))
        rewriteMatMul(mm);
      else if (auto r = llvm::dyn_cast<ReshapeOp>(op))
        rewriteDepthToSpace(r);
      else if (isElementwise(&op) ||
               llvm::isa<ReduceMeanOp, GatherOp, ConcatOp, SliceOp, ExpandOp, MaxPoolOp, AvgPoolOp>(op))
        rewriteFollower(&op);
    }
    // Conversions back that no plain consumer reads, and plain ops replaced by blocked ones.
    for (Operation *op : llvm::reverse(conversions))
      if (op->use_empty())
        op->erase();
    // Plain matmuls and their epilogues, replaced (the walk may still have been about to visit
    // them when they were).
    for (Operation *op : llvm::reverse(dead))
      eraseWithDeadConstants(op);
  }

private:
  /// [N, C, H, W] with C a multiple of the block.
  bool blockable(Type t) const {
    auto type = llvm::dyn_cast<RankedTensorType>(t);
    return type && type.getRank() == 4 && type.getElementType().isF32() &&
           type.getDimSize(1) % b == 0;
  }

  /// [N, ceil(C/b), H, W, b]: whole blocks, the last one padded when b does not divide C.
  RankedTensorType blockedType(RankedTensorType plain) const {
    auto s = plain.getShape();
    return RankedTensorType::get({s[0], (s[1] + b - 1) / b, s[2], s[3], b}, plain.getElementType());
  }

  /// The blocked form of a plain value, converting it (once) where it has none.
  Value toBlocked(Value plain) {
    if (Value v = blocked.lookup(plain))
      return v;
    OpBuilder builder(fn.getContext());
    builder.setInsertionPointAfterValue(plain);
    auto t = tensorType(plain);
    auto s = t.getShape();
    auto split = RankedTensorType::get({s[0], s[1] / b, b, s[2], s[3]}, t.getElementType());
    Value r = builder.create<ReshapeOp>(plain.getLoc(), split, plain);
    Value v = builder.create<TransposeOp>(plain.getLoc(), blockedType(t), r,
                                          builder.getDenseI64ArrayAttr({0, 1, 3, 4, 2}));
    blocked[plain] = v;
    return v;
  }

  /// [N, C, H, W] as [N, C, H, W, 1] (a reshape: no data moves).
  Value asChannelBlocksOfOne(Value plain) {
    OpBuilder builder(fn.getContext());
    builder.setInsertionPointAfterValue(plain);
    auto t = tensorType(plain);
    SmallVector<int64_t> s(t.getShape());
    s.push_back(1);
    return builder.create<ReshapeOp>(plain.getLoc(), RankedTensorType::get(s, t.getElementType()),
                                     plain);
  }

  /// Replaces `plain` by the conversion back from its new blocked form. A blocked form with
  /// padding channels (a conv whose output channels do not block) is converted back and cut
  /// to the real channels, and is not recorded: its consumers read the plain value, so the
  /// padding never reaches another op.
  void replaceWithBlocked(Value plain, Value newBlocked) {
    OpBuilder builder(fn.getContext());
    builder.setInsertionPointAfterValue(newBlocked);
    auto t = tensorType(plain);
    auto s = t.getShape();
    int64_t blocks = tensorType(newBlocked).getDimSize(1);
    auto split = RankedTensorType::get({s[0], blocks, b, s[2], s[3]}, t.getElementType());
    auto transpose = builder.create<TransposeOp>(plain.getLoc(), split, newBlocked,
                                                 builder.getDenseI64ArrayAttr({0, 1, 4, 2, 3}));
    auto full = RankedTensorType::get({s[0], blocks * b, s[2], s[3]}, t.getElementType());
    auto reshape = builder.create<ReshapeOp>(plain.getLoc(), full, transpose.getResult());
    conversions.push_back(transpose);
    conversions.push_back(reshape);
    if (blocks * b == s[1]) {
      plain.replaceAllUsesWith(reshape.getResult());
      blocked[reshape.getResult()] = newBlocked;
      return;
    }
    auto slice = builder.create<SliceOp>(plain.getLoc(), t, reshape.getResult(),
                                         builder.getDenseI64ArrayAttr({0, 0, 0, 0}),
                                         builder.getDenseI64ArrayAttr({1, 1, 1, 1}));
    conversions.push_back(slice);
    plain.replaceAllUsesWith(slice.getResult());
  }

  void rewriteConv(Conv2DOp conv) {
    auto in = tensorType(conv.getInput()), out = tensorType(conv.getResult());
    auto filter = constantOf(conv.getFilter());
    std::optional<HostTensor> bias;
    if (conv.getBias() && !(bias = constantOf(conv.getBias())))
      return;
    int64_t C = in.getDimSize(1), O = out.getDimSize(1), groups = conv.getGroups();
    bool depthwise = groups > 1 && groups == C && O == C;
    // An input whose channels do not block (a stem's 3 colours) is read in place as blocks of
    // one channel: each input value is broadcast against a vector of output channels.
    bool plainInput = groups == 1 && !blockable(in) && !blocked.lookup(conv.getInput());
    // Output channels that do not block are padded to whole blocks with zero weights (the
    // padding is cut off right after the conv; see replaceWithBlocked).
    bool padOutput = groups == 1 && !blockable(out) && out.getElementType().isF32();
    if (!filter || !(blockable(out) || padOutput) || (groups != 1 && !depthwise) ||
        !(blockable(in) || plainInput))
      return;
    RankedTensorType resultType = blockedType(out);
    int64_t OB = resultType.getDimSize(1); // output blocks
    int64_t KH = filter->shape[2], KW = filter->shape[3];
    int64_t ib = depthwise || plainInput ? 1 : b, IB = depthwise ? 1 : C / ib;
    // [O/b, IB, KH, KW, ib, b]: for one (output block, input block, tap), the b weights of
    // each input channel for the b output channels of the block are one vector.
    HostTensor packed(DType::F32, {OB, IB, KH, KW, ib, b});
    int64_t cPerGroup = depthwise ? 1 : C;
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < cPerGroup; ++i)
        for (int64_t y = 0; y < KH; ++y)
          for (int64_t x = 0; x < KW; ++x) {
            int64_t dst = ((((o / b * IB + i / ib) * KH + y) * KW + x) * ib + i % ib) * b + o % b;
            packed.setF(dst, filter->f(((o * cPerGroup + i) * KH + y) * KW + x));
          }
    OpBuilder builder(conv);
    Value w = makeConstant(builder, conv.getLoc(), packed, builder.getF32Type());
    Value bv;
    if (bias) {
      HostTensor bb(DType::F32, {OB, b});
      for (int64_t o = 0; o < O; ++o)
        bb.setF(o, bias->f(o));
      bv = makeConstant(builder, conv.getLoc(), bb, builder.getF32Type());
    }
    Value x = plainInput ? asChannelBlocksOfOne(conv.getInput()) : toBlocked(conv.getInput());
    builder.setInsertionPoint(conv);
    auto blockedConv = builder.create<Conv2DBlockedOp>(
        conv.getLoc(), resultType, x, w, bv, conv.getStridesAttr(), conv.getPadsAttr(),
        conv.getDilationsAttr(), conv.getGroupsAttr());
    replaceWithBlocked(conv.getResult(), blockedConv.getResult());
    eraseWithDeadConstants(conv);
  }

  /// matmul(x, B) with B a constant [K, N] -> matmul_packed(x, B in panels of b columns), and
  /// the elementwise ops after it whose other operands are per-column constants or single
  /// values, on the panel form [..., M, N/b, b]; then a reshape to [..., M, N] (cut when N is
  /// padded). A few columns (N < 4b, not a multiple of b) would be mostly padding: left plain.
  void rewriteMatMul(MatMulOp mm) {
    auto B = constantOf(mm.getRhs());
    auto out = tensorType(mm.getResult());
    if (!B || B->dtype != DType::F32 || B->shape.size() != 2 || !out.getElementType().isF32())
      return;
    int64_t K = B->shape[0], N = B->shape[1], NB = (N + b - 1) / b;
    if (N % b && N < 4 * b)
      return;
    HostTensor panels(DType::F32, {NB, K, b});
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n)
        panels.setF((n / b * K + k) * b + n % b, B->f(k * N + n));
    OpBuilder builder(mm);
    Type f32 = builder.getF32Type();
    SmallVector<int64_t> shape(out.getShape().drop_back());
    shape.append({NB, b});
    auto panelType = RankedTensorType::get(shape, f32);
    Value cur = builder.create<MatMulPackedOp>(mm.getLoc(), panelType, mm.getLhs(),
                                               makeConstant(builder, mm.getLoc(), panels, f32));
    Value plain = mm.getResult();
    dead.push_back(mm);
    // The epilogue: [N] (or [1, ..., N]) constants become [NB, b], padded with zeros.
    while (plain.hasOneUse()) {
      Operation *user = *plain.user_begin();
      if (!isElementwise(user) || user->getNumResults() != 1 ||
          tensorType(user->getResult(0)) != out)
        break;
      // Decide first, so that nothing is created for an op that stays plain.
      std::vector<std::optional<HostTensor>> relaid(user->getNumOperands());
      bool takes = true;
      for (auto [i, v] : llvm::enumerate(user->getOperands())) {
        if (v == plain)
          continue;
        auto c = constantOf(v);
        if (c && c->dtype == DType::F32 && c->numElements() == N && c->shape.back() == N) {
          relaid[i] = HostTensor(DType::F32, {NB, b});
          for (int64_t n = 0; n < N; ++n)
            relaid[i]->setF(n, c->f(n));
        } else if (!c || c->numElements() != 1) {
          takes = false;
        }
      }
      if (!takes)
        break;
      OpBuilder at(user);
      SmallVector<Value> operands;
      for (auto [i, v] : llvm::enumerate(user->getOperands()))
        operands.push_back(v == plain ? cur
                           : relaid[i] ? makeConstant(at, v.getLoc(), *relaid[i], f32)
                                       : v);
      Operation *clone = at.clone(*user);
      clone->setOperands(operands);
      clone->getResult(0).setType(panelType);
      cur = clone->getResult(0);
      plain = user->getResult(0);
      dead.push_back(user);
    }
    builder.setInsertionPointAfterValue(cur);
    SmallVector<int64_t> padded(out.getShape());
    padded.back() = NB * b;
    Value v = builder.create<ReshapeOp>(mm.getLoc(), RankedTensorType::get(padded, f32), cur);
    if (NB * b != N) {
      SmallVector<int64_t> zeros(padded.size(), 0), ones(padded.size(), 1);
      v = builder.create<SliceOp>(mm.getLoc(), out, v, builder.getDenseI64ArrayAttr(zeros),
                                  builder.getDenseI64ArrayAttr(ones));
    }
    plain.replaceAllUsesWith(v);
  }

  /// A depth-to-space of phase-major channels (the sub-pixel ConvTranspose's): reshape
  /// [N, s0*s1*C, H, W] -> [N, s0, s1, C, H, W], transpose (0, 3, 4, 1, 5, 2), reshape
  /// [N, C, H*s0, W*s1]. With C a multiple of b and the input blocked, the same on the blocked
  /// form moves whole b-channel vectors: [N, s0, s1, C/b, H, W, b] -> [N, C/b, H, s0, W, s1, b].
  void rewriteDepthToSpace(ReshapeOp split) {
    Value in = split.getInput(), inBlocked = blocked.lookup(in);
    auto s = tensorType(split.getResult()).getShape();
    if (!inBlocked || s.size() != 6 || s[3] % b || !split->hasOneUse())
      return;
    auto perm = llvm::dyn_cast<TransposeOp>(*split->user_begin());
    if (!perm || perm.getPerm() != ArrayRef<int64_t>{0, 3, 4, 1, 5, 2} || !perm->hasOneUse())
      return;
    auto merge = llvm::dyn_cast<ReshapeOp>(*perm->user_begin());
    int64_t N = s[0], s0 = s[1], s1 = s[2], C = s[3], H = s[4], W = s[5];
    if (!merge || tensorType(merge.getResult()).getShape() != ArrayRef<int64_t>{N, C, H * s0, W * s1})
      return;
    OpBuilder builder(merge);
    Type f32 = builder.getF32Type();
    Location loc = merge.getLoc();
    Value v = builder.create<ReshapeOp>(loc, RankedTensorType::get({N, s0, s1, C / b, H, W, b}, f32),
                                        inBlocked);
    v = builder.create<TransposeOp>(loc, RankedTensorType::get({N, C / b, H, s0, W, s1, b}, f32), v,
                                    builder.getDenseI64ArrayAttr({0, 3, 4, 1, 5, 2, 6}));
    v = builder.create<ReshapeOp>(loc, RankedTensorType::get({N, C / b, H * s0, W * s1, b}, f32), v);
    replaceWithBlocked(merge.getResult(), v);
    // The plain ops are dead now; erased at the end (the walk's next op is `perm`).
    conversions.insert(conversions.end(), {split, perm, merge});
  }

  /// The blocked form of a constant operand of a follower whose result is [N, C, H, W]:
  /// broadcast along channels (size-1 channel dim) or per channel.
  std::optional<HostTensor> blockConstant(const HostTensor &c, int64_t C) {
    if (c.dtype != DType::F32 || c.shape.size() > 4)
      return std::nullopt;
    std::vector<int64_t> s(4 - c.shape.size(), 1);
    s.insert(s.end(), c.shape.begin(), c.shape.end());
    if (s[1] != 1 && s[1] != C)
      return std::nullopt;
    int64_t cb = s[1] == 1 ? 1 : C / b, lanes = s[1] == 1 ? 1 : b;
    HostTensor out(DType::F32, {s[0], cb, s[2], s[3], lanes});
    for (int64_t n = 0; n < s[0]; ++n)
      for (int64_t ch = 0; ch < s[1]; ++ch)
        for (int64_t y = 0; y < s[2]; ++y)
          for (int64_t x = 0; x < s[3]; ++x) {
            int64_t src = ((n * s[1] + ch) * s[2] + y) * s[3] + x;
            int64_t dst = (((n * cb + ch / lanes) * s[2] + y) * s[3] + x) * lanes + ch % lanes;
            out.setF(dst, c.f(src));
          }
    return out;
  }

  /// An elementwise op, a pool or global average pool, a gather along a spatial axis (nearest
  /// resize), a concat (of channels, or along H or W: a pad), a slice of whole channel blocks or
  /// an expand (a pad's edges and reflections), recreated on blocked operands.
  void rewriteFollower(Operation *op) {
    if (op->getNumResults() != 1 || !blockable(op->getResult(0).getType()))
      return;
    if (auto r = llvm::dyn_cast<ReduceMeanOp>(op))
      if (r.getAxes() != ArrayRef<int64_t>{2, 3} || !r.getKeepdims())
        return;
    // Axes 2 and 3 (H, W) and 1 (channels, in blocks of b) mean the same on the blocked form.
    auto gather = llvm::dyn_cast<GatherOp>(op);
    if (gather && ((gather.getAxis() != 2 && gather.getAxis() != 3) ||
                   !gather.getIndices().getDefiningOp<ConstantOp>()))
      return;
    auto concat = llvm::dyn_cast<ConcatOp>(op);
    if (concat && (concat.getAxis() < 1 || concat.getAxis() > 3))
      return;
    bool channelConcat = concat && concat.getAxis() == 1;
    // A slice keeps whole channel blocks (any slice of H and W: pads, crops, reflections).
    auto slice = llvm::dyn_cast<SliceOp>(op);
    if (slice && (slice.getStarts()[1] % b || slice.getSteps()[1] != 1))
      return;
    int64_t C = tensorType(op->getResult(0)).getDimSize(1);
    // Decide first, so that nothing is created for an op that stays plain.
    std::vector<std::optional<HostTensor>> relaid(op->getNumOperands());
    bool anyBlocked = false;
    for (auto [i, v] : llvm::enumerate(op->getOperands())) {
      if (gather && i == 1)
        continue; // the indices, kept as they are
      if (blocked.lookup(v)) {
        if (channelConcat || slice ? !blockable(v.getType()) : tensorType(v).getDimSize(1) != C)
          return;
        anyBlocked = true;
      } else if (slice || llvm::isa<ExpandOp>(op)) {
        return; // only on a value that is blocked already
      } else if (concat) {
        // Each part joins whole channel blocks (or has all the channels, joined along H or W);
        // a plain part is converted, a constant one (a pad's fill) re-laid out.
        if (!blockable(v.getType()) || (!channelConcat && tensorType(v).getDimSize(1) != C))
          return;
        if (auto c = constantOf(v); c && !(relaid[i] = blockConstant(*c, C)))
          return;
      } else if (auto c = constantOf(v); c && c->numElements() > 1) {
        if (!(relaid[i] = blockConstant(*c, C)))
          return;
      } else if (!c) {
        // A plain operand computed at run time: converted when it is small (a per-channel
        // [N, C, 1, 1], such as a squeeze-excite gate), else the op stays plain.
        auto t = tensorType(v);
        if (!blockable(t) || t.getDimSize(1) != C || t.getDimSize(2) != 1 || t.getDimSize(3) != 1)
          return;
      } // else a single value, which broadcasts as it is
    }
    if (!anyBlocked)
      return;
    OpBuilder builder(op);
    SmallVector<Value> operands;
    for (auto [i, v] : llvm::enumerate(op->getOperands())) {
      if (relaid[i])
        operands.push_back(makeConstant(builder, v.getLoc(), *relaid[i], builder.getF32Type()));
      else if (v.getDefiningOp<ConstantOp>())
        operands.push_back(v);
      else
        operands.push_back(toBlocked(v));
    }
    Operation *clone = builder.clone(*op);
    clone->setOperands(operands);
    if (slice) { // channel starts in blocks; the lanes all kept
      SmallVector<int64_t> starts(slice.getStarts()), steps(slice.getSteps());
      starts[1] /= b;
      starts.push_back(0);
      steps.push_back(1);
      clone->setAttr("starts", builder.getDenseI64ArrayAttr(starts));
      clone->setAttr("steps", builder.getDenseI64ArrayAttr(steps));
    }
    auto plainType = tensorType(op->getResult(0));
    clone->getResult(0).setType(blockedType(plainType));
    replaceWithBlocked(op->getResult(0), clone->getResult(0));
    eraseWithDeadConstants(op);
  }

  /// Erases an op and the constants only it used (their re-laid-out copies replace them).
  static void eraseWithDeadConstants(Operation *op) {
    SmallVector<Operation *> producers;
    for (Value v : op->getOperands())
      if (auto c = v.getDefiningOp<ConstantOp>())
        producers.push_back(c);
    op->erase();
    for (Operation *c : producers)
      if (c->use_empty())
        c->erase();
  }

  func::FuncOp fn;
  int64_t b;
  llvm::DenseMap<Value, Value> blocked; // plain value -> its blocked form
  std::vector<Operation *> conversions;
  std::vector<Operation *> dead;
};

/// Whether a conv runs blocked at `b` without padding or falling back to NCHW: depthwise with
/// channels in whole blocks, or dense with whole output blocks and whole input blocks (or a
/// stem's few input channels, read as blocks of one).
bool blocksCleanly(Conv2DOp conv, int64_t b) {
  int64_t C = tensorType(conv.getInput()).getDimSize(1), O = tensorType(conv.getResult()).getDimSize(1);
  int64_t groups = conv.getGroups();
  if (groups > 1)
    return groups == C && O == C && C % b == 0;
  return O % b == 0 && (C % b == 0 || C < 8);
}

/// The block for this function: `widest` (the target's lanes), halved (down to 8) while more
/// than 2% of the conv FLOPs would block cleanly at half the width but not at this one. Padding
/// and NCHW fallbacks cost more than the wider vectors gain: on AVX-512 (Zen 4, 1 thread) blocks
/// of 8 instead of 16 run cls 2.06x and det 1.23x faster (8 depthwise convs of cls have 8, 24,
/// 40, 88, 104 or 200 channels; 19% of det's conv FLOPs were padding), and rec, whose convs all
/// block by 16, 1.11x slower.
int64_t chooseBlock(func::FuncOp fn, int64_t widest) {
  int64_t b = widest;
  while (b > 8) {
    double all = 0, narrowerOnly = 0;
    fn.walk([&](Conv2DOp conv) {
      auto filter = tensorType(conv.getFilter()).getShape(); // O, C/groups, KH, KW
      double flops = 2.0 * tensorType(conv.getResult()).getNumElements() * filter[1] * filter[2] *
                     filter[3];
      all += flops;
      if (blocksCleanly(conv, b / 2) && !blocksCleanly(conv, b))
        narrowerOnly += flops;
    });
    if (narrowerOnly <= 0.02 * all)
      break;
    b /= 2;
  }
  return b;
}

struct BlockLayoutPass : public strata::graph::impl::BlockLayoutBase<BlockLayoutPass> {
  using BlockLayoutBase::BlockLayoutBase;
  void runOnOperation() override {
    if (block > 1)
      BlockLayout(getOperation(), chooseBlock(getOperation(), block)).run();
  }
};

} // namespace
