//===- ChildProcess.h - jobs in forked child processes --------------------===//
//
// A crash or hang in a job (a test, a fuzzed model) is recorded, not fatal:
// each job runs in a forked child that sends its result back as text through
// a pipe. Used by `strata onnx-test` and tools/fuzz-models.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace strata::conformance {

struct ChildResult {
  bool completed = false; // the job returned (its text is `output`)
  std::string output;
  std::string failure; // otherwise: "crashed (Segmentation fault)", "timed out after 60 s", ...
};

/// Runs job(0) ... job(n - 1), each in a forked child, at most `parallel` at a
/// time; a child running longer than `timeoutSeconds` is killed. `done(i, result)`
/// is called in this process as each finishes, in the order they finish.
/// (Without fork, a failing pipe or fork, the job runs in this process.)
void runInChildren(size_t n, int parallel, int timeoutSeconds,
                   const std::function<std::string(size_t)> &job,
                   const std::function<void(size_t, ChildResult)> &done);

/// One job in a child process.
ChildResult runInChild(const std::function<std::string()> &job, int timeoutSeconds);

} // namespace strata::conformance
