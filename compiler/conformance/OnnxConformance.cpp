//===- OnnxConformance.cpp ------------------------------------------------===//
#include "compiler/conformance/OnnxConformance.h"

#include "compiler/conformance/ChildProcess.h"
#include "compiler/conformance/EmulatedRun.h"
#include "compiler/conformance/RefCheck.h"

#include "compiler/HostRun.h"

#include "compiler/frontends/GraphBuilder.h"
#include "compiler/frontends/OnnxReader.h"
#include "strata/strata.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>


namespace strata::conformance {

const char *defaultNodeTestDir() { return "/usr/share/libonnx-testdata/data/node"; }

std::vector<std::string> collectTests(const std::vector<std::string> &paths) {
  std::vector<std::string> tests;
  for (const std::string &p : paths) {
    if (llvm::sys::fs::exists(p + "/model.onnx")) {
      tests.push_back(p);
      continue;
    }
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(p, ec), end; it != end && !ec; it.increment(ec))
      if (llvm::sys::fs::exists(it->path() + "/model.onnx"))
        tests.push_back(it->path());
  }
  std::sort(tests.begin(), tests.end());
  return tests;
}

namespace {

/// The op a test is about: its only node's type, else the folder name's stem.
std::string groupOf(const std::string &dir, const std::vector<std::string> &ops) {
  std::string name = llvm::sys::path::filename(dir).str();
  if (ops.size() == 1)
    return ops[0];
  std::string stem = llvm::StringRef(name).drop_front(5).str(); // "test_"
  auto pos = stem.find("_expanded");
  if (pos != std::string::npos)
    stem = stem.substr(0, pos);
  return stem + " (multi-node)";
}

/// An import error caused by something Strata does not support yet (a skip),
/// as opposed to a wrong result or a crash (a failure): an op, attribute or
/// element type, an opset newer than Strata's newest, another operator domain.
bool isUnsupported(const std::string &message) {
  return message.find("unsupported") != std::string::npos ||
         message.find("not supported") != std::string::npos ||
         message.find("does not support") != std::string::npos ||
         message.find("Strata supports opsets up to") != std::string::npos ||
         message.find("unknown operator domain") != std::string::npos;
}

std::string firstLine(std::string s) {
  auto nl = s.find('\n');
  if (nl != std::string::npos)
    s = s.substr(0, nl);
  // Drop the long test-data path prefix from messages.
  auto colon = s.find(".onnx: ");
  if (colon != std::string::npos)
    s = s.substr(colon + 7);
  return s;
}

std::vector<std::string> dataFiles(const std::string &dir, const char *prefix) {
  std::vector<std::string> files;
  for (int i = 0;; ++i) {
    std::string f = dir + "/" + prefix + std::to_string(i) + ".pb";
    if (!llvm::sys::fs::exists(f))
      break;
    files.push_back(f);
  }
  return files;
}

/// The name of the input a compile error says must be a compile-time constant.
std::string constantInputNamed(const std::string &error) {
  auto pos = error.find("') must be a compile-time constant");
  if (pos == std::string::npos)
    return "";
  auto open = error.rfind("(input '", pos);
  return open == std::string::npos ? "" : error.substr(open + 8, pos - open - 8);
}

/// Compiles the model for one data set: input shapes from the data, and inputs
/// that decide shapes (a Reshape's shape, a Slice's starts) bound as constants,
/// as a static-shape compiler must.
Result<Executable> compileFor(const std::string &dir, const frontend::ModelDesc &model,
                              const std::vector<HostTensor> &inputs, CompileOptions &co) {
  co.num_threads = 1;
  for (size_t i = 0; i < inputs.size() && i < model.inputs.size(); ++i)
    co.input_shapes[model.inputs[i].name] = inputs[i].shape;
  auto bind = [&](size_t i) {
    co.input_shapes.erase(model.inputs[i].name);
    co.constant_inputs[model.inputs[i].name] = toConstantTensor(inputs[i]);
  };
  for (;;) {
    auto exe = compile(dir + "/model.onnx", co);
    std::string name = exe.ok() ? "" : constantInputNamed(exe.error());
    if (name.empty() || co.constant_inputs.count(name))
      return exe;
    size_t bound = co.constant_inputs.size();
    for (size_t i = 0; i < inputs.size() && i < model.inputs.size(); ++i)
      if (model.inputs[i].name == name)
        bind(i);
    // The value is computed from inputs (a Cast of a size, say): bind the
    // integer inputs, which are what sizes come from.
    if (co.constant_inputs.size() == bound)
      for (size_t i = 0; i < inputs.size() && i < model.inputs.size(); ++i)
        if (inputs[i].dtype != DType::F32)
          bind(i);
    if (co.constant_inputs.size() == bound) // nothing left to bind
      return exe;
  }
}

/// The model compiled ahead of time for an emulated target with the options of the host's
/// compile (input shapes, constant inputs), run under qemu-user; outputs typed like `wants`.
llvm::Expected<std::vector<HostTensor>> runEmulated(const std::string &dir, const CompileOptions &co,
                                                    const targets::Target &target,
                                                    const std::vector<HostTensor> &inputs,
                                                    const std::vector<HostTensor> &wants) {
  PipelineOptions po;
  po.target = target;
  po.import.inputShapes = co.input_shapes;
  for (const auto &[name, c] : co.constant_inputs)
    po.import.constantInputs[name] = fromConstantTensor(c);
  const char *tmp = std::getenv("TMPDIR");
  std::string work = std::string(tmp && *tmp ? tmp : "/tmp") + "/strata-onnx-test-" + std::to_string(::getpid()) +
                     "-" + llvm::sys::path::filename(dir).str();
  auto model = EmulatedModel::compile(dir + "/model.onnx", po, work);
  if (!model)
    return model.takeError();
  return model->run(inputs, wants, 60);
}

/// Runs one test in this process: its outcome and reason (runTest names and groups it).
TestResult runInProcess(const std::string &dir, const ConformanceOptions &options) {
  TestResult r;
  auto fail = [&](Outcome o, std::string reason) {
    r.outcome = o;
    r.reason = std::move(reason);
    return r;
  };
  auto errorOutcome = [](const std::string &msg) {
    return isUnsupported(msg) ? Outcome::Skipped : Outcome::Failed;
  };
  auto model = frontend::readOnnx(dir + "/model.onnx");
  if (!model) {
    std::string msg = llvm::toString(model.takeError());
    return fail(errorOutcome(msg), firstLine(msg));
  }
  if (auto err = frontend::checkSupported(*model)) {
    std::string msg = llvm::toString(std::move(err));
    return fail(errorOutcome(msg), firstLine(msg));
  }

  auto target = targets::parseTarget(options.target);
  if (!target)
    return fail(Outcome::Failed, llvm::toString(target.takeError()));
  bool emulated = isForeignCpu(*target);

  std::vector<std::string> sets;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    if (llvm::StringRef(llvm::sys::path::filename(it->path())).starts_with("test_data_set_"))
      sets.push_back(it->path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty())
    return fail(Outcome::Skipped, "no test_data_set_* folders");

  for (const std::string &set : sets) {
    std::string setName = llvm::sys::path::filename(set).str();
    std::vector<HostTensor> inputs;
    for (const std::string &f : dataFiles(set, "input_")) {
      auto t = frontend::readTensorFile(f);
      if (!t) {
        std::string msg = llvm::toString(t.takeError());
        return fail(errorOutcome(msg), firstLine(msg));
      }
      inputs.push_back(std::move(*t));
    }
    auto outFiles = dataFiles(set, "output_");
    // An emulated target's signature (the inputs left after binding constants) comes from a
    // compile for the host.
    CompileOptions co;
    co.target = emulated ? "host" : options.target;
    auto exe = compileFor(dir, *model, inputs, co);
    if (!exe.ok()) {
      Outcome o = errorOutcome(exe.error());
      return fail(o, (o == Outcome::Failed ? "compile error: " : "") + firstLine(exe.error()));
    }
    if (outFiles.size() != exe->outputs().size())
      return fail(Outcome::Failed, "the test data has " + std::to_string(outFiles.size()) +
                                       " outputs, the compiled model " +
                                       std::to_string(exe->outputs().size()));
    // The inputs that remained inputs, matched by name.
    std::vector<HostTensor> runInputs;
    for (const TensorInfo &info : exe->inputs()) {
      const HostTensor *t = nullptr;
      for (size_t i = 0; i < inputs.size() && i < model->inputs.size(); ++i)
        if (model->inputs[i].name == info.name)
          t = &inputs[i];
      if (!t)
        return fail(Outcome::Failed, "no test data for input '" + info.name + "'");
      runInputs.push_back(*t);
    }
    std::vector<HostTensor> wants;
    for (const std::string &f : outFiles) {
      auto want = frontend::readTensorFile(f);
      if (!want) {
        std::string msg = llvm::toString(want.takeError());
        return fail(errorOutcome(msg), firstLine(msg));
      }
      wants.push_back(std::move(*want));
    }
    auto outs = emulated ? runEmulated(dir, co, *target, runInputs, wants) : runOnHost(*exe, runInputs);
    if (!outs) {
      std::string msg = llvm::toString(outs.takeError());
      return fail(emulated ? errorOutcome(msg) : Outcome::Failed, "run error: " + msg);
    }
    for (size_t o = 0; o < outFiles.size(); ++o) {
      std::string diff = compareOutputs({(*outs)[o]}, {wants[o]}, options.atol, options.rtol);
      if (!diff.empty())
        return fail(Outcome::Failed, "mismatch in " + setName + " output " + std::to_string(o) +
                                         diff.substr(diff.find(':')));
    }
  }
  r.outcome = Outcome::Passed;
  return r;
}

} // namespace

static bool allOpsSupported(const std::vector<std::string> &ops) {
  static const auto supported = [] {
    auto ops = frontend::supportedOnnxOps();
    return std::set<std::string>(ops.begin(), ops.end());
  }();
  return !ops.empty() && llvm::all_of(ops, [](const std::string &op) { return supported.count(op); });
}

std::vector<TestResult> runTests(const std::vector<std::string> &dirs, const ConformanceOptions &options,
                                 int jobs, const std::function<void(const TestResult &, size_t)> &finished) {
  std::vector<TestResult> results(dirs.size());
  size_t count = 0;
  runInChildren(
      dirs.size(), std::max(1, jobs), options.timeoutSeconds,
      [&](size_t i) {
        TestResult r = runInProcess(dirs[i], options);
        return std::to_string((int)r.outcome) + "\n" + r.reason;
      },
      [&](size_t i, ChildResult child) {
        TestResult &r = results[i];
        auto nl = child.output.find('\n');
        if (!child.completed || nl == std::string::npos) {
          r.reason = child.completed ? "the test process died without a result" : child.failure;
        } else {
          r.outcome = (Outcome)std::stoi(child.output.substr(0, nl));
          r.reason = child.output.substr(nl + 1);
        }
        auto ops = frontend::readOnnxOpTypes(dirs[i] + "/model.onnx");
        r.name = llvm::sys::path::filename(dirs[i]).str();
        r.group = groupOf(dirs[i], ops);
        r.opsSupported = allOpsSupported(ops);
        finished(r, ++count);
      });
  return results;
}

namespace {

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
};

std::map<std::string, std::vector<const TestResult *>> byGroup(const std::vector<TestResult> &results,
                                                              Counts &total) {
  std::map<std::string, std::vector<const TestResult *>> groups;
  for (const TestResult &r : results) {
    groups[r.group].push_back(&r);
    (r.outcome == Outcome::Passed    ? total.passed
     : r.outcome == Outcome::Failed ? total.failed
                                    : total.skipped)++;
  }
  return groups;
}

Counts countOf(const std::vector<const TestResult *> &rs) {
  Counts c;
  for (const TestResult *r : rs)
    (r->outcome == Outcome::Passed    ? c.passed
     : r->outcome == Outcome::Failed ? c.failed
                                     : c.skipped)++;
  return c;
}

/// Skipped for an element type Strata does not support (float16, double, uint8, string, ...).
bool needsUnsupportedType(const TestResult &r) {
  return r.outcome == Outcome::Skipped && r.reason.find("element type") != std::string::npos;
}

/// How the tests of the ops Strata converts fare, leaving out those that need
/// element types it does not support.
std::string supportedOpsLine(const std::vector<TestResult> &results) {
  Counts c;
  int typeSkips = 0;
  for (const TestResult &r : results) {
    if (!r.opsSupported)
      continue;
    if (needsUnsupportedType(r)) {
      ++typeSkips;
      continue;
    }
    (r.outcome == Outcome::Passed ? c.passed : r.outcome == Outcome::Failed ? c.failed : c.skipped)++;
  }
  int n = c.passed + c.failed + c.skipped;
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.1f%%", n ? 100.0 * c.passed / n : 0.0);
  return "tests whose ops Strata converts: " + std::to_string(c.passed) + " of " + std::to_string(n) +
         " pass (" + pct + "), " + std::to_string(c.failed) + " fail, " + std::to_string(c.skipped) +
         " skipped (attributes or modes); " + std::to_string(typeSkips) +
         " more need unsupported element types";
}

std::string totalsLine(const Counts &c) {
  return std::to_string(c.passed) + " passed, " + std::to_string(c.failed) + " failed, " +
         std::to_string(c.skipped) + " skipped";
}

} // namespace

std::string formatReport(const std::vector<TestResult> &results) {
  Counts total;
  auto groups = byGroup(results, total);
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%-36s %6s %6s %7s\n", "op", "passed", "failed", "skipped");
  os << line;
  for (auto &[group, rs] : groups) {
    Counts c = countOf(rs);
    std::snprintf(line, sizeof line, "%-36s %6d %6d %7d\n", group.c_str(), c.passed, c.failed,
                  c.skipped);
    os << line;
    for (const TestResult *r : rs)
      if (r->outcome != Outcome::Passed)
        os << "    " << (r->outcome == Outcome::Failed ? "FAIL " : "skip ") << r->name << ": "
           << r->reason << "\n";
  }
  os << supportedOpsLine(results) << "\n" << totalsLine(total) << "\n";
  return os.str();
}

std::string describeTestData(const std::vector<std::string> &roots) {
  if (roots.size() == 1 && roots[0] == defaultNodeTestDir())
    return "ONNX's backend node tests (Debian `libonnx-testdata`, ONNX 1.12)";
  std::string generatedBy;
  if (roots.size() == 1) {
    std::ifstream in(roots[0] + "/.generated-by");
    std::getline(in, generatedBy);
  }
  if (!generatedBy.empty())
    return "ONNX's backend node tests as pip `" + generatedBy +
           "` generates them (`tools/gen-onnx-node-tests.sh`)";
  return "the ONNX node tests under `" + llvm::join(roots, "`, `") + "`";
}

std::string formatMarkdown(const std::vector<TestResult> &results, const std::string &source,
                           const std::string &command) {
  Counts total;
  auto groups = byGroup(results, total);
  std::ostringstream os;
  os << "# ONNX node-test coverage\n\n"
     << "Generated by `" << command << "` from " << source
     << ". Tolerance: rtol 1e-3, atol 1e-7.\n\n"
     << "**" << totalsLine(total) << "**\n\n"
     << "In short, " << supportedOpsLine(results) << ".\n\n"
     << "| op | passed | failed | skipped |\n| --- | --- | --- | --- |\n";
  for (auto &[group, rs] : groups) {
    Counts c = countOf(rs);
    os << "| " << group << " | " << c.passed << " | " << c.failed << " | " << c.skipped << " |\n";
  }
  os << "\n## Failures and skips\n\n";
  for (auto &[group, rs] : groups)
    for (const TestResult *r : rs)
      if (r->outcome != Outcome::Passed) {
        std::string reason = r->reason;
        std::replace(reason.begin(), reason.end(), '|', '/');
        os << "- `" << r->name << "` (" << group << "): "
           << (r->outcome == Outcome::Failed ? "**failed**: " : "skipped: ") << reason << "\n";
      }
  return os.str();
}

} // namespace strata::conformance
