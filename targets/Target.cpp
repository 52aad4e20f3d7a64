#include "targets/Target.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

// The backends we use, declared by hand so we initialize only these (InitializeAllTargets
// would construct every backend in libLLVM).
extern "C" {
void LLVMInitializeX86TargetInfo();
void LLVMInitializeX86Target();
void LLVMInitializeX86TargetMC();
void LLVMInitializeX86AsmPrinter();
void LLVMInitializeX86AsmParser();
void LLVMInitializeAArch64TargetInfo();
void LLVMInitializeAArch64Target();
void LLVMInitializeAArch64TargetMC();
void LLVMInitializeAArch64AsmPrinter();
void LLVMInitializeAArch64AsmParser();
void LLVMInitializeNVPTXTargetInfo();
void LLVMInitializeNVPTXTarget();
void LLVMInitializeNVPTXTargetMC();
void LLVMInitializeNVPTXAsmPrinter();
}

namespace strata::targets {

void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeX86AsmParser();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    LLVMInitializeAArch64AsmParser();
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
  });
}

namespace {

constexpr const char *kX86Triple = "x86_64-unknown-linux-gnu";
constexpr const char *kAArch64Triple = "aarch64-unknown-linux-gnu";

// Features are listed explicitly (not only implied by the CPU name) so hasFeature() and
// checkRunsOnHost() can reason about them without asking LLVM.
Target makeX86(std::string name, std::string cpu, std::string features, int lanes) {
  Target t;
  t.name = std::move(name);
  t.arch = Arch::X86_64;
  t.triple = kX86Triple;
  t.cpu = std::move(cpu);
  t.features = std::move(features);
  t.vectorLanesF32 = lanes;
  t.vectorRegisters = lanes == 16 ? 32 : 16;
  t.l1CacheBytes = 32 * 1024;
  t.l2CacheBytes = lanes == 16 ? 1024 * 1024 : 256 * 1024; // AVX-512 parts have 1-2 MB L2
  return t;
}

Target makeAArch64() {
  Target t;
  t.name = "aarch64";
  t.arch = Arch::AArch64;
  t.triple = kAArch64Triple;
  t.cpu = "generic";
  t.features = "+fp-armv8,+neon";
  t.vectorLanesF32 = 4;
  t.vectorRegisters = 32;
  t.l1CacheBytes = 64 * 1024;
  t.l2CacheBytes = 1024 * 1024;
  return t;
}

Target detectHost() {
  Target t;
  t.name = "host";
  llvm::Triple triple(llvm::sys::getProcessTriple());
  t.arch = triple.getArch() == llvm::Triple::aarch64 ? Arch::AArch64 : Arch::X86_64;
  t.triple = triple.str();
  t.cpu = llvm::sys::getHostCPUName().str();
  // Sort by name: StringMap order is an implementation detail, and the feature string ends
  // up in emitted IR, which must be deterministic.
  llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> names;
  for (const auto &entry : hostFeatures)
    names.push_back((entry.getValue() ? "+" : "-") + entry.getKey().str());
  std::sort(names.begin(), names.end(),
            [](const std::string &a, const std::string &b) { return a.substr(1) < b.substr(1); });
  t.features = llvm::join(names, ",");
  if (t.arch == Arch::AArch64)
    t.vectorLanesF32 = 4;
  else if (t.hasFeature("avx512f"))
    t.vectorLanesF32 = 16;
  else if (t.hasFeature("avx2") || t.hasFeature("avx"))
    t.vectorLanesF32 = 8;
  else
    t.vectorLanesF32 = 4;
  t.vectorRegisters = t.arch == Arch::AArch64 || t.vectorLanesF32 == 16 ? 32 : 16;
  if (t.cpu == "znver4" && t.vectorLanesF32 == 16)
    t.vectorFmasPerCycle = 1;
  long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  if (l1 > 0) t.l1CacheBytes = static_cast<int>(l1);
  if (l2 > 0) t.l2CacheBytes = static_cast<int>(l2);
  unsigned cores = std::thread::hardware_concurrency();
  t.cores = cores > 0 ? static_cast<int>(cores) : 1;
  return t;
}

} // namespace

Target Target::cudaKernelTarget() const {
  Target t;
  t.name = name;
  t.arch = Arch::NVPTX64;
  t.triple = "nvptx64-nvidia-cuda";
  t.cpu = gpuArch;
  t.features = "+ptx78"; // PTX ISA 7.8 (CUDA 11.8): sm_80 and sm_90
  t.vectorLanesF32 = 1;
  t.device = Device::CUDA;
  t.gpuArch = gpuArch;
  return t;
}

std::string Target::isaName() const {
  if (arch == Arch::NVPTX64)
    return gpuArch;
  if (arch == Arch::AArch64)
    return "neon";
  return hasFeature("avx512f") ? "avx512" : hasFeature("avx2") ? "avx2" : "sse2";
}

bool Target::hasFeature(llvm::StringRef feature) const {
  llvm::SmallVector<llvm::StringRef, 64> parts;
  llvm::StringRef(features).split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef part : parts)
    if (part.consume_front("+") && part == feature) return true;
  return false;
}

llvm::Error Target::checkRunsOnHost() const {
  const Target &host = hostTarget();
  if (arch != host.arch)
    return llvm::createStringError("target '" + name + "' (" + triple +
                                   ") cannot run on this host (" + host.triple + ")");
  std::vector<std::string> missing;
  llvm::SmallVector<llvm::StringRef, 64> parts;
  llvm::StringRef(features).split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef part : parts)
    if (part.consume_front("+") && !host.hasFeature(part)) missing.push_back(part.str());
  if (!missing.empty())
    return llvm::createStringError("target '" + name + "' cannot run on this host: the CPU (" +
                                   host.cpu + ") lacks " + llvm::join(missing, ", "));
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>> Target::createTargetMachine() const {
  initializeLLVMTargets();
  std::string error;
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return llvm::createStringError("no LLVM backend for target '" + name + "': " + error);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(llvmTarget->createTargetMachine(
      triple, cpu, features, options, llvm::Reloc::PIC_, llvm::CodeModel::Small,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm) return llvm::createStringError("could not create a TargetMachine for '" + name + "'");
  return std::move(tm);
}

const std::vector<std::string> &validTargetNames() {
  static const std::vector<std::string> names = {
      "host", "x86-64", "x86-64-avx2", "x86-64-avx512", "aarch64", "opencl", "cuda-sm80", "cuda-sm90"};
  return names;
}

const Target &hostTarget() {
  static const Target host = detectHost();
  return host;
}

llvm::Expected<Target> parseTarget(llvm::StringRef name) {
  if (name == "host") return hostTarget();
  if (name == "x86-64") return makeX86("x86-64", "x86-64", "+sse2", 4);
  if (name == "x86-64-avx2")
    return makeX86("x86-64-avx2", "x86-64-v3", "+avx,+avx2,+f16c,+fma,+sse2", 8);
  if (name == "x86-64-avx512")
    return makeX86("x86-64-avx512", "x86-64-v4",
                   "+avx,+avx2,+avx512bw,+avx512cd,+avx512dq,+avx512f,+avx512vl,+f16c,+fma,+sse2",
                   16);
  if (name == "aarch64") return makeAArch64();
  if (name == "opencl") {
    // The driver code (NAME_run: copies and launches) is generic code for the host's
    // architecture, so an AOT library does not depend on the machine that compiled it.
    Target t = hostTarget().arch == Arch::AArch64 ? makeAArch64()
                                                    : makeX86("x86-64", "x86-64", "+sse2", 4);
    t.name = "opencl";
    t.device = Device::OpenCL;
    return t;
  }
  if (name == "cuda-sm80" || name == "cuda-sm90") {
    Target t = hostTarget().arch == Arch::AArch64 ? makeAArch64()
                                                    : makeX86("x86-64", "x86-64", "+sse2", 4);
    t.name = name.str();
    t.device = Device::CUDA;
    t.gpuArch = name == "cuda-sm80" ? "sm_80" : "sm_90";
    return t;
  }
  return llvm::createStringError("unknown target '" + name.str() + "' (valid: " +
                                 llvm::join(validTargetNames(), ", ") + ")");
}

} // namespace strata::targets
