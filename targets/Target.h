// Target descriptions: what Strata compiles for.
//
// A Target is plain data: the LLVM triple, CPU and features, plus the few numbers that
// schedules and codegen need (natural vector width, cache sizes, cores). Named targets are
// fixed tables, so AOT output does not depend on the machine that compiles it; only `host`
// is detected. Per-target *code generation* differences live in CodeGen_X86 / CodeGen_AArch64.
#ifndef STRATA_TARGETS_TARGET_H
#define STRATA_TARGETS_TARGET_H

#include <memory>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
// Complete type needed by callers of createTargetMachine (they destroy the unique_ptr).
#include "llvm/Target/TargetMachine.h"

namespace strata::targets {

enum class Arch { X86_64, AArch64, NVPTX64 };

/// Where kernels run: on the CPU (compiled with LLVM for `triple`), or on a GPU, through
/// OpenCL (kernels as OpenCL C) or CUDA (kernels as PTX from LLVM's NVPTX backend); a GPU
/// model's driver code (copies and launches) still runs on the host CPU.
enum class Device { CPU, OpenCL, CUDA };

struct Target {
  std::string name;     // as parsed: "host", "x86-64", "x86-64-avx2", "x86-64-avx512", "aarch64",
                        // "opencl", "cuda-sm80", "cuda-sm90"
  Arch arch = Arch::X86_64;
  std::string triple;   // LLVM triple, e.g. "x86_64-unknown-linux-gnu"
  std::string cpu;      // LLVM CPU name, e.g. "x86-64-v3", "znver4", "generic"
  std::string features; // LLVM feature string, e.g. "+avx2,+fma"; sorted, comma-separated
  int vectorLanesF32 = 4;        // natural SIMD width in f32 lanes (4 SSE/NEON, 8 AVX2, 16 AVX-512)
  int vectorRegisters = 16;      // architectural vector registers (16 SSE/AVX2, 32 AVX-512/NEON)
  // Full-width vector FMAs a core starts per cycle: 2 on most x86 and Arm cores; 1 for AVX-512
  // on Zen 4, which runs a 512-bit op as two 256-bit halves (set for the host only).
  int vectorFmasPerCycle = 2;
  int l1CacheBytes = 32 * 1024;  // per-core L1 data cache
  int l2CacheBytes = 1024 * 1024; // per-core L2 cache
  int cores = 8;                 // cores to plan parallelism for (a guess for named targets)
  /// CPU, or the GPU API kernels are emitted for; the fields above then describe the host
  /// CPU that runs the model's driver code.
  Device device = Device::CPU;
  std::string gpuArch; // CUDA: the SM the PTX is for, e.g. "sm_80"

  bool isGPU() const { return device != Device::CPU; }
  /// CUDA: the target LLVM compiles the kernels for (nvptx64, the SM as its CPU).
  Target cudaKernelTarget() const;

  int vectorBits() const { return vectorLanesF32 * 32; }
  // The widest vector ISA enabled: "avx512", "avx2", "sse2" or "neon" (benchmarks print it).
  std::string isaName() const;
  // True if the feature string enables `feature` (given without '+', e.g. "avx512f").
  bool hasFeature(llvm::StringRef feature) const;
  // Success if code for this target can run in this process (same architecture, every
  // enabled feature present on the host CPU); otherwise an error saying what is missing.
  llvm::Error checkRunsOnHost() const;
  // A TargetMachine for this target: PIC, small code model, O3 code generation.
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachine() const;
};

// Names parseTarget accepts, in the order shown in error messages.
const std::vector<std::string> &validTargetNames();

// Parses a target name. Unknown names give:
//   unknown target 'foo' (valid: host, x86-64, x86-64-avx2, x86-64-avx512, aarch64)
llvm::Expected<Target> parseTarget(llvm::StringRef name);

// The machine this process runs on (what `host` parses to).
const Target &hostTarget();

// Registers the LLVM backends Strata uses (x86, aarch64). Idempotent and thread-safe;
// everything in targets/ that needs a backend calls it.
void initializeLLVMTargets();

} // namespace strata::targets

#endif
