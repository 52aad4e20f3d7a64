//===- OnnxConformance.h - ONNX's backend node tests through Strata -------===//
//
// Each test folder holds model.onnx and test_data_set_*/{input,output}_*.pb.
// Every test is compiled and run in a child process (a crash or hang in one
// test is recorded, not fatal) and compared with ONNX's tolerances.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace strata::conformance {

enum class Outcome { Passed, Failed, Skipped };

struct TestResult {
  std::string name;  // folder name, e.g. test_relu
  std::string group; // the op under test
  Outcome outcome = Outcome::Failed;
  std::string reason; // why it failed or was skipped
  bool opsSupported = false; // every op of the model is one Strata converts
};

struct ConformanceOptions {
  double rtol = 1e-3, atol = 1e-7;
  int timeoutSeconds = 60;
  bool verbose = false; // print each test as it finishes
  /// What the tests compile for: a target this machine runs, or one it emulates (aarch64).
  std::string target = "host";
};

/// Default location of the node tests (Debian's libonnx-testdata).
const char *defaultNodeTestDir();

/// Expands folders: a test folder (has model.onnx) stays, any other folder is
/// replaced by its test subfolders, sorted.
std::vector<std::string> collectTests(const std::vector<std::string> &paths);

/// Runs the tests, each in a child process (a crash or hang fails that test alone), `jobs` at a
/// time; the results come back in the order of `dirs`. `finished(result, count)` is called as
/// each finishes, in the order they finish, with how many have.
std::vector<TestResult> runTests(const std::vector<std::string> &dirs, const ConformanceOptions &options,
                                 int jobs, const std::function<void(const TestResult &, size_t)> &finished);

/// The table grouped by op with a reason per failure or skip, a line on the
/// tests whose ops Strata converts, and last "N passed, M failed, K skipped".
std::string formatReport(const std::vector<TestResult> &results);

/// Where the tests under `roots` come from, for the Markdown report: Debian's
/// libonnx-testdata, or the onnx version tools/gen-onnx-node-tests.sh wrote
/// into the folder's .generated-by.
std::string describeTestData(const std::vector<std::string> &roots);

/// The same as Markdown (docs/onnx-coverage.md), saying where the tests came
/// from (describeTestData) and how the report was made.
std::string formatMarkdown(const std::vector<TestResult> &results, const std::string &source,
                           const std::string &command);

} // namespace strata::conformance
