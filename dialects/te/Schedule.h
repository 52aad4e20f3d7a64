// Schedules, kept apart from the algorithm (Func.h). A StageSchedule says how one definition
// stage of a Func loops (splits, fuses, order, loop kinds); a FuncSchedule says where the Func is
// computed and stored. Primitives are plain functions returning a Status whose message names the
// Func, stage and loop at fault, e.g.
//   schedule error: Func 'conv' has no loop 'xi' (loops: n, c, y, x)
// Loop order lists are written outermost first, like the printed loop nest. Func's default order
// follows its arguments: f(y, x) loops over y outside x (row-major, x fastest).
#pragma once

#include <string>
#include <vector>

#include "dialects/te/IR.h"
#include "strata/Status.h"

namespace strata {
namespace te {

/// What to do when a split factor does not divide the extent.
enum class TailStrategy {
  /// ShiftInward on pure stages, GuardWithIf on update stages and reduction variables.
  Auto,
  /// Run whole blocks and skip the points past the end with an if (always correct).
  GuardWithIf,
  /// Move the last block back so it ends at the end (recomputes some points; pure stages only).
  ShiftInward,
  /// Compute whole blocks past the end (the storage grows; lowering rejects reads or writes
  /// outside an input's or output's shape; not for reduction variables).
  RoundUp,
};

/// One loop of a stage. `name` is what the user calls it; `id` is unique within the stage
/// (a split may reuse its parent's name for the outer loop).
struct Dim {
  std::string name;
  std::string id;
  ForKind for_kind = ForKind::Serial;
  bool is_rvar = false;
  /// Orders loops derived from reduction variables: their relative order never changes, so
  /// the reduction runs in the same order and float results stay bit-identical.
  std::vector<int> rvar_key;
};

/// A split of `old_id` into `outer_id` x `inner_id`, or a fuse of outer_id x inner_id into old_id.
struct Split {
  bool is_fuse = false;
  std::string old_id, outer_id, inner_id;
  int factor = 0;
  TailStrategy tail = TailStrategy::Auto;
};

struct StageSchedule {
  std::vector<Dim> dims; // outermost first
  std::vector<Split> splits;
  int next_uid = 0;
};

/// What the primitives need to know about the stage they change.
struct StageInfo {
  std::string func;
  int stage = 0; // 0 = pure definition, i = update i-1
  /// False when an update reads the Func at points other than the one it writes (a scan);
  /// then loops may be split but not reordered, fused, parallelized or vectorized.
  bool pointwise = true;
  std::string describe() const; // "Func 'f'" or "Func 'f' (update 0)"
};

Status split(StageSchedule &s, const StageInfo &info, const std::string &old_name,
             const std::string &outer, const std::string &inner, int factor,
             TailStrategy tail = TailStrategy::Auto);
/// Fuses loop `inner` (immediately inside `outer`) with `outer` into one loop `fused`.
Status fuse(StageSchedule &s, const StageInfo &info, const std::string &outer,
            const std::string &inner, const std::string &fused);
/// Puts the named loops in this order, outermost first, in the positions they occupy now.
Status reorder(StageSchedule &s, const StageInfo &info, const std::vector<std::string> &order);
/// Sets the loop kind (vectorized, unrolled, parallel, GPU block/thread, serial).
Status set_for_kind(StageSchedule &s, const StageInfo &info, const std::string &name, ForKind kind);
/// split(x, xo, yo...) + reorder to (outer_a, outer_b, inner_a, inner_b).
Status tile(StageSchedule &s, const StageInfo &info, const std::string &a, const std::string &b,
            const std::string &ao, const std::string &bo, const std::string &ai,
            const std::string &bi, int factor_a, int factor_b, TailStrategy tail = TailStrategy::Auto);

/// Where a Func is computed or stored: inlined, at the root of the pipeline, or inside a loop of
/// another Func (its last stage, or the given stage).
struct LoopLevel {
  enum class Kind { Inline, Root, At } kind = Kind::Inline;
  std::string func, var;
  int stage = -1; // -1: the consumer's last stage
  static LoopLevel inlined() { return {}; }
  static LoopLevel root() { return {Kind::Root, "", "", -1}; }
  static LoopLevel at(const std::string &f, const std::string &v, int stage = -1) {
    return {Kind::At, f, v, stage};
  }
  bool operator==(const LoopLevel &o) const {
    return kind == o.kind && func == o.func && var == o.var && stage == o.stage;
  }
};

struct FuncSchedule {
  /// Unset: inline if the Func has only a pure definition, else root.
  bool compute_set = false, store_set = false;
  LoopLevel compute_level, store_level;
  MemoryType memory_type = MemoryType::Auto;
  /// GPU shared memory only: each work-item loads its share of the next iteration's tile into
  /// registers while the group computes on this one (Func::double_buffer).
  bool double_buffer = false;
  /// The storage's dimensions by pure argument name, outermost first (Func::reorder_storage);
  /// empty: the arguments' order, row-major.
  std::vector<std::string> storage_order;
  /// Elements added to a dimension's storage extent, by pure argument name (Func::pad_storage):
  /// the dimensions outside it get a longer stride.
  std::vector<std::pair<std::string, int>> storage_padding;
};

} // namespace te
} // namespace strata
