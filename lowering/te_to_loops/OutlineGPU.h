// Kernel outlining for GPU targets: a lowered kernel whose loops are bound to GPU blocks and
// threads becomes a list of device launches that run in order.
//
// Each top-level loop nest bound to gpu_block/gpu_thread loops is one launch: its block loops
// become work-groups, its thread loops work-items (innermost loop = dimension 0, at most 3
// of each), and the statement inside the thread loops runs once per work-item. A top-level
// statement with no GPU loop (a scan, a scalar reduction) becomes a launch of one work-item,
// so it is slow but right. A buffer allocated at the top level (a Func computed at the root,
// such as softmax's row sums) lives in device memory between launches: a scratch buffer.
// Allocations inside the thread loops stay private to the work-item, except those in GPU
// shared memory: one per work-group, filled by the group's work-items together between
// barriers that every work-item must reach (checked; see CooperativeLoops.h).
#pragma once

#include "dialects/te/LoweredFunc.h"
#include "strata/Status.h"

namespace strata {
namespace te {

/// The most bytes a buffer private to one work-item may take (registers, else the device's
/// per-thread local memory): codegen for every GPU API refuses larger ones.
constexpr int64_t kMaxGPUPrivateBytes = 16384;
/// The most bytes of shared (local) memory one launch may allocate: CUDA's static limit, and
/// what OpenCL's desktop GPUs offer (mobile ones at least 32 KiB; a kernel over their limit
/// fails to build, with the driver's message).
constexpr int64_t kMaxGPUSharedBytes = 48 * 1024;

/// A device buffer a kernel needs besides its arguments.
struct GPUScratch {
  std::string name;
  Type type;
  int64_t elements = 0;
};

/// A GPU loop turned into a work-group or work-item index.
struct GPUIndex {
  std::string name; // the loop variable, = get_group_id(dim) / get_local_id(dim) + min
  int dim = 0;
  Expr min;
  int64_t extent = 1;
};

struct GPULaunch {
  std::string name;                 // the device kernel
  std::vector<std::string> buffers; // what it reads and writes (arguments, scratch), in order
  std::vector<GPUIndex> blocks, threads;
  Stmt body; // per work-item; it refers to the index variables by name

  int64_t groups(int dim) const;     // work-groups along a dimension (1 when unbound)
  int64_t groupSize(int dim) const;  // work-items per work-group along a dimension
  int64_t workItems() const;         // work-items per work-group
};

struct GPUProgram {
  std::vector<GPUScratch> scratch;
  std::vector<GPULaunch> launches;
};

/// Outlines `f` (GPU schedules only). Errors name the kernel and what cannot be outlined.
Result<GPUProgram> outline_gpu_kernels(const LoweredFunc &f);

} // namespace te
} // namespace strata
