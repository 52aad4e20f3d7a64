#include "dialects/te/Schedule.h"

#include <algorithm>

namespace strata {
namespace te {

std::string StageInfo::describe() const {
  std::string s = "Func '" + func + "'";
  if (stage > 0) s += " (update " + std::to_string(stage - 1) + ")";
  return s;
}

namespace {

std::string loop_list(const StageSchedule &s) {
  std::string r;
  for (const Dim &d : s.dims) r += (r.empty() ? "" : ", ") + d.name;
  return r;
}

Status fail(const StageInfo &info, const std::string &what) {
  return Status::error("schedule error: " + info.describe() + " " + what);
}

int find_dim(const StageSchedule &s, const std::string &name) {
  for (size_t i = 0; i < s.dims.size(); i++)
    if (s.dims[i].name == name) return int(i);
  return -1;
}

Status no_loop(const StageSchedule &s, const StageInfo &info, const std::string &name) {
  return fail(info, "has no loop '" + name + "' (loops: " + loop_list(s) + ")");
}

std::string fresh_id(StageSchedule &s, const std::string &name) {
  for (const Dim &d : s.dims)
    if (d.id == name) return name + "$" + std::to_string(++s.next_uid);
  for (const Split &sp : s.splits)
    if (sp.old_id == name || sp.outer_id == name || sp.inner_id == name)
      return name + "$" + std::to_string(++s.next_uid);
  return name;
}

bool name_taken(const StageSchedule &s, const std::string &name, const std::string &except) {
  return name != except && find_dim(s, name) >= 0;
}

} // namespace

Status split(StageSchedule &s, const StageInfo &info, const std::string &old_name,
             const std::string &outer, const std::string &inner, int factor, TailStrategy tail) {
  int i = find_dim(s, old_name);
  if (i < 0) return no_loop(s, info, old_name);
  if (factor <= 0)
    return fail(info, "cannot split loop '" + old_name + "' by factor " + std::to_string(factor) +
                          " (must be positive)");
  if (outer == inner || name_taken(s, outer, old_name) || name_taken(s, inner, old_name))
    return fail(info, "cannot split loop '" + old_name + "' into '" + outer + "' and '" + inner +
                          "': names must be new and distinct (loops: " + loop_list(s) + ")");
  Dim old = s.dims[i];
  if (old.is_rvar && (tail == TailStrategy::ShiftInward || tail == TailStrategy::RoundUp))
    return fail(info, "cannot split reduction loop '" + old_name +
                          "' with ShiftInward or RoundUp: it would change the reduction "
                          "(use GuardWithIf)");
  if (info.stage > 0 && tail == TailStrategy::ShiftInward)
    return fail(info, "cannot split loop '" + old_name +
                          "' with ShiftInward: an update would be applied twice to some points");
  Split sp;
  sp.old_id = old.id;
  sp.outer_id = fresh_id(s, outer);
  sp.inner_id = fresh_id(s, inner);
  sp.factor = factor;
  sp.tail = tail;
  Dim o = old, in = old;
  o.name = outer, o.id = sp.outer_id, o.for_kind = ForKind::Serial;
  in.name = inner, in.id = sp.inner_id, in.for_kind = ForKind::Serial;
  if (old.is_rvar) o.rvar_key.push_back(0), in.rvar_key.push_back(1);
  s.splits.push_back(sp);
  s.dims[i] = in;
  s.dims.insert(s.dims.begin() + i, o);
  return Status();
}

Status fuse(StageSchedule &s, const StageInfo &info, const std::string &outer,
            const std::string &inner, const std::string &fused) {
  int io = find_dim(s, outer), ii = find_dim(s, inner);
  if (io < 0) return no_loop(s, info, outer);
  if (ii < 0) return no_loop(s, info, inner);
  if (ii != io + 1)
    return fail(info, "cannot fuse '" + outer + "' and '" + inner + "': '" + inner +
                          "' must be the loop immediately inside '" + outer + "' (loops: " +
                          loop_list(s) + ")");
  if (!info.pointwise) return fail(info, "cannot fuse loops of a stage that reads its own other points");
  if (s.dims[io].is_rvar != s.dims[ii].is_rvar)
    return fail(info, "cannot fuse pure loop with reduction loop ('" + outer + "', '" + inner + "')");
  if (name_taken(s, fused, outer) && fused != inner)
    return fail(info, "cannot fuse into '" + fused + "': name in use (loops: " + loop_list(s) + ")");
  Split sp;
  sp.is_fuse = true;
  sp.outer_id = s.dims[io].id;
  sp.inner_id = s.dims[ii].id;
  sp.old_id = fresh_id(s, fused);
  s.splits.push_back(sp);
  Dim f = s.dims[io];
  f.name = fused, f.id = sp.old_id, f.for_kind = ForKind::Serial;
  s.dims.erase(s.dims.begin() + ii);
  s.dims[io] = f;
  return Status();
}

Status reorder(StageSchedule &s, const StageInfo &info, const std::vector<std::string> &order) {
  std::vector<int> pos;
  for (const std::string &n : order) {
    int i = find_dim(s, n);
    if (i < 0) return no_loop(s, info, n);
    if (std::find(pos.begin(), pos.end(), i) != pos.end())
      return fail(info, "cannot reorder: loop '" + n + "' is named twice");
    pos.push_back(i);
  }
  std::vector<int> slots = pos;
  std::sort(slots.begin(), slots.end());
  StageSchedule next = s;
  for (size_t k = 0; k < pos.size(); k++) next.dims[slots[k]] = s.dims[pos[k]];
  if (!info.pointwise && slots != pos)
    return fail(info, "cannot reorder loops of a stage that reads its own other points");
  // Reduction loops must keep their relative order (same summation order, same floats).
  const Dim *prev = nullptr;
  for (const Dim &d : next.dims) {
    if (!d.is_rvar) continue;
    if (prev && !(prev->rvar_key < d.rvar_key))
      return fail(info, "cannot reorder reduction loops '" + prev->name + "' and '" + d.name +
                            "': it would change the order of the reduction");
    prev = &d;
  }
  s.dims = next.dims;
  return Status();
}

Status set_for_kind(StageSchedule &s, const StageInfo &info, const std::string &name, ForKind kind) {
  int i = find_dim(s, name);
  if (i < 0) return no_loop(s, info, name);
  bool concurrent = kind == ForKind::Parallel || kind == ForKind::Vectorized ||
                    kind == ForKind::GPUBlock || kind == ForKind::GPUThread;
  if (concurrent && s.dims[i].is_rvar)
    return fail(info, "cannot make reduction loop '" + name + "' " + for_kind_name(kind) +
                          ": its iterations depend on each other");
  if (concurrent && !info.pointwise)
    return fail(info, "cannot make loop '" + name + "' " + for_kind_name(kind) +
                          ": the stage reads its own other points");
  s.dims[i].for_kind = kind;
  return Status();
}

Status tile(StageSchedule &s, const StageInfo &info, const std::string &a, const std::string &b,
            const std::string &ao, const std::string &bo, const std::string &ai,
            const std::string &bi, int fa, int fb, TailStrategy tail) {
  Status st = split(s, info, a, ao, ai, fa, tail);
  if (st.ok()) st = split(s, info, b, bo, bi, fb, tail);
  if (st.ok()) st = reorder(s, info, {ao, bo, ai, bi});
  return st;
}

} // namespace te
} // namespace strata
