//===- EmulatedRun.h - run a model compiled for another CPU under QEMU ----===//
//
// The e2e tests and fuzz-models check targets this machine cannot run
// (aarch64) the way a user ships them: compiled ahead of time, linked by the
// cross compiler with a small C runner, run under qemu-user.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/reference/HostTensor.h"
#include "compiler/Pipeline.h"
#include "targets/Target.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace strata::conformance {

/// A CPU target of another architecture than this machine's: its code runs here only under
/// emulation (run() then needs the cross compiler and qemu-user; emulationUnavailable says).
bool isForeignCpu(const targets::Target &target);

/// Whether models for `target` run here under emulation: "" when they do, else why not
/// (a foreign CPU without its cross compiler and qemu-user, or a target with no emulator).
std::string emulationUnavailable(const targets::Target &target);

/// A model compiled ahead of time for an emulated target, in a folder of its own.
class EmulatedModel {
public:
  /// Compiles `modelPath` with `options` (its target, import options) into `dir` (created;
  /// removed with this object). A compile error comes back as the compiler's message.
  static llvm::Expected<EmulatedModel> compile(const std::string &modelPath, const PipelineOptions &options,
                                               const std::string &dir);
  /// Links the model with the runner and runs it on `inputs` under qemu-user; the outputs get
  /// the element types and shapes of `like` (the reference's outputs).
  llvm::Expected<std::vector<HostTensor>> run(const std::vector<HostTensor> &inputs,
                                              const std::vector<HostTensor> &like, int timeoutSeconds) const;

  EmulatedModel(EmulatedModel &&other) noexcept : dir_(std::move(other.dir_)), target_(other.target_) {
    other.dir_.clear();
  }
  EmulatedModel &operator=(EmulatedModel &&) = delete;
  ~EmulatedModel();

private:
  EmulatedModel(std::string dir, targets::Target target) : dir_(std::move(dir)), target_(std::move(target)) {}
  std::string dir_;
  targets::Target target_;
};

} // namespace strata::conformance
