// Cooperative loops (ForKind::GPUCooperative, which fill a Func in GPU shared memory) made
// explicit for codegen: in a work-group of T work-items, work-item `gpu_local_id` runs
// iterations min + gpu_local_id + j*T for j = 0, 1, ..., between two gpu_barrier calls (the
// group is done reading what the loop overwrites; what it wrote is visible to all of it). The
// j loop is unrolled when it is short, so a work-item's share is straight-line code.
//
// A double-buffered Func (Func::double_buffer) filled at the top of a serial loop's iteration
// is software-pipelined: each work-item loads its share of iteration i + 1 into registers right
// after storing iteration i's share to shared memory, so the loads are in flight while the group
// computes on iteration i. That needs the values to be loadable an iteration early: a constant
// extent, a share of at most kMaxDoubleBufferShare values per work-item, and reads only of
// buffers the serial loop neither allocates nor writes; a Func that does not qualify is filled
// in the plain way.
//
// Outside GPU thread loops (a one-work-item launch, or a CPU) a cooperative loop is serial.
#pragma once

#include "dialects/te/IR.h"

#include <set>
#include <string>

namespace strata {
namespace te {

/// Registers a work-item may hold for one double-buffered Func.
constexpr int64_t kMaxDoubleBufferShare = 8;

/// `doubleBuffered`: the names of the Funcs scheduled with double_buffer().
Stmt lower_cooperative_loops(const Stmt &s, const std::set<std::string> &doubleBuffered);

} // namespace te
} // namespace strata
