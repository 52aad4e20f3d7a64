//===- strata.cpp - the Strata command-line driver ------------------------===//
//
//   strata compile MODEL -o OUT [--name N] [--target T] [--input-shape NAME=D0,D1,..]
//                  [--emit graph|schedules|te|loops|llvm|asm] [--time] [--profile]
//   strata run MODEL --input NAME=FILE.npy ... [--output DIR] [--target T] [--threads N]
//   strata bench MODEL [--runs N] [--threads N] [--target T] [--profile]
//
//===----------------------------------------------------------------------===//
#include "CommandLine.h"
#include "TuneCommand.h"
#include "compiler/HostRun.h"
#include "compiler/Npy.h"
#include "compiler/aot/AotCompiler.h"
#include "compiler/tuning/AutoSchedule.h"
#include "compiler/conformance/EmulatedRun.h"
#include "compiler/conformance/OnnxConformance.h"
#include "compiler/frontends/Importer.h"
#include "dialects/graph/reference/Interpreter.h"
#include "runtime/strata_runtime.h"
#include "targets/Target.h"
#include "strata/strata.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

int usageError(const std::string &msg) {
  llvm::errs() << "strata: error: " << msg << "\n(run 'strata help' for the commands, 'strata CMD --help' for one's options)\n";
  return 2;
}

int fail(llvm::Error err) {
  llvm::errs() << "strata: error: " << llvm::toString(std::move(err)) << "\n";
  return 1;
}

struct Args {
  std::string command, model, out, name = "model", target = "host", emit, outputDir;
  std::string actual, expected, markdown, tuningLog, autoScheduleModel;
  bool autoSchedule = false;
  std::vector<std::string> paths; // extra positional arguments (onnx-test folders)
  bool verbose = false;
  double tolerance = 1e-4;
  std::map<std::string, std::vector<int64_t>> inputShapes;
  std::vector<std::pair<std::string, std::string>> inputs;
  int threads = 0, runs = 100, warmup = 10, jobs = 1;
  bool time = false, help = false, profile = false;
};

bool parseInt(const std::string &s, int &out) {
  char *end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end || v < 0 || v > 1 << 30)
    return false;
  out = (int)v;
  return true;
}

/// Parses NAME=D0,D1,... into shapes.
bool parseShape(const std::string &spec, Args &a, std::string &err) {
  auto eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0) {
    err = "--input-shape expects NAME=D0,D1,..., got '" + spec + "'";
    return false;
  }
  std::vector<int64_t> dims;
  std::string rest = spec.substr(eq + 1);
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t comma = rest.find(',', pos);
    std::string d = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    int v;
    if (!parseInt(d, v) || v == 0) {
      err = "--input-shape '" + spec + "': '" + d + "' is not a positive dimension";
      return false;
    }
    dims.push_back(v);
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  a.inputShapes[spec.substr(0, eq)] = dims;
  return true;
}

bool parseArgs(int argc, char **argv, Args &a, std::string &err) {
  if (argc < 2) {
    err = "no command given";
    return false;
  }
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string &dst) {
      if (i + 1 >= argc) {
        err = arg + " needs a value";
        return false;
      }
      dst = argv[++i];
      return true;
    };
    auto intValue = [&](int &dst) {
      std::string v;
      if (!value(v))
        return false;
      if (!parseInt(v, dst)) {
        err = arg + " expects a non-negative integer, got '" + v + "'";
        return false;
      }
      return true;
    };
    std::string v;
    if (arg.size() > 1 && arg[0] == '-') {
      if (std::string bad = strata::cli::checkOption(a.command, arg); !bad.empty()) {
        err = bad;
        return false;
      }
    }
    if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else if (arg == "-o" || arg == "--output-prefix") {
      if (!value(a.out))
        return false;
    } else if (arg == "--name") {
      if (!value(a.name))
        return false;
    } else if (arg == "--target") {
      if (!value(a.target))
        return false;
    } else if (arg == "--profile") {
      a.profile = true;
    } else if (arg == "--auto-schedule") {
      a.autoSchedule = true;
    } else if (arg == "--auto-schedule-model") {
      if (!value(a.autoScheduleModel))
        return false;
      a.autoSchedule = true;
    } else if (arg == "--tuning-log") {
      if (!value(a.tuningLog))
        return false;
    } else if (arg == "--emit") {
      if (!value(a.emit))
        return false;
    } else if (arg == "--output") {
      if (!value(a.outputDir))
        return false;
    } else if (arg == "--actual") {
      if (!value(a.actual))
        return false;
    } else if (arg == "--expected") {
      if (!value(a.expected))
        return false;
    } else if (arg == "--tolerance") {
      if (!value(v))
        return false;
      char *end = nullptr;
      a.tolerance = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || a.tolerance < 0) {
        err = "--tolerance expects a non-negative number, got '" + v + "'";
        return false;
      }
    } else if (arg == "--markdown") {
      if (!value(a.markdown))
        return false;
    } else if (arg == "--verbose") {
      a.verbose = true;
    } else if (arg == "--time") {
      a.time = true;
    } else if (arg == "--threads") {
      if (!intValue(a.threads))
        return false;
    } else if (arg == "--jobs") {
      if (!intValue(a.jobs))
        return false;
      if (a.jobs < 1) {
        err = "--jobs expects at least 1, got " + std::to_string(a.jobs);
        return false;
      }
    } else if (arg == "--runs") {
      if (!intValue(a.runs))
        return false;
    } else if (arg == "--warmup") {
      if (!intValue(a.warmup))
        return false;
    } else if (arg == "--input-shape") {
      if (!value(v) || !parseShape(v, a, err))
        return false;
    } else if (arg == "--input") {
      if (!value(v))
        return false;
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
        err = "--input expects NAME=FILE.npy, got '" + v + "'";
        return false;
      }
      a.inputs.push_back({v.substr(0, eq), v.substr(eq + 1)});
    } else if (!arg.empty() && arg[0] == '-') {
      err = "unknown option '" + arg + "'";
      return false;
    } else if (a.command == "onnx-test") {
      a.paths.push_back(arg);
    } else if (a.model.empty()) {
      a.model = arg;
    } else {
      err = "unexpected argument '" + arg + "'";
      return false;
    }
  }
  return true;
}

bool fileExists(const std::string &path) { return llvm::sys::fs::exists(path); }

int commandCompile(const Args &a) {
  if (a.model.empty())
    return usageError("compile: no model file given");
  if (!fileExists(a.model))
    return usageError("compile: model file '" + a.model + "' does not exist");
  strata::PipelineOptions po;
  auto target = strata::targets::parseTarget(a.target);
  if (!target)
    return fail(target.takeError());
  po.target = *target;
  po.name = a.name;
  po.import.inputShapes = a.inputShapes;
  po.timings = a.time;
  po.profile = a.profile;
  if (!a.tuningLog.empty()) {
    std::vector<std::string> warnings;
    auto db = strata::tuning::loadDatabase(a.tuningLog, warnings);
    if (!db)
      return fail(db.takeError());
    for (const std::string &w : warnings)
      llvm::errs() << "strata: warning: " << w << "\n";
    po.tuning = *db;
    po.tuningThreads = a.threads; // 0: the records measured with the fewest threads
  }
  if (a.autoSchedule) {
    auto model = strata::tuning::loadCostModel(a.autoScheduleModel, *target);
    if (!model)
      return fail(model.takeError());
    po.autoSchedule = *model;
  }
  if (!a.emit.empty()) {
    auto stage = strata::parseEmitStage(a.emit);
    if (!stage)
      return fail(stage.takeError());
    po.emit = *stage;
    po.emitStream = &llvm::outs();
    auto compiled = strata::compileModel(a.model, po);
    if (!compiled)
      return fail(compiled.takeError());
    return 0;
  }
  if (a.out.empty())
    return usageError("compile: no output given (-o OUT writes OUT.a and OUT.h)");
  if (auto err = strata::aot::compileToStaticLibrary(a.model, a.out, po))
    return fail(std::move(err));
  llvm::errs() << "strata: wrote " << a.out << ".a and " << a.out << ".h\n";
  return 0;
}

strata::Result<strata::Executable> jitCompile(const Args &a) {
  strata::CompileOptions options;
  options.target = a.target;
  options.num_threads = a.threads;
  options.input_shapes = a.inputShapes;
  options.profile = a.profile;
  options.tuning_log = a.tuningLog;
  options.auto_schedule = a.autoSchedule;
  options.auto_schedule_model = a.autoScheduleModel;
  return strata::compile(a.model, options);
}

int commandRun(const Args &a) {
  if (a.model.empty())
    return usageError("run: no model file given");
  if (!fileExists(a.model))
    return usageError("run: model file '" + a.model + "' does not exist");
  auto exe = jitCompile(a);
  if (!exe.ok()) {
    llvm::errs() << "strata: error: " << exe.error() << "\n";
    return 1;
  }
  // Match --input files to the model's inputs by name.
  std::vector<strata::HostTensor> inputs(exe->inputs().size());
  std::vector<bool> given(inputs.size(), false);
  for (const auto &input : a.inputs) {
    const std::string &name = input.first, &file = input.second;
    auto it = std::find_if(exe->inputs().begin(), exe->inputs().end(),
                           [&](const strata::TensorInfo &t) { return t.name == name; });
    if (it == exe->inputs().end()) {
      std::string names;
      for (auto &t : exe->inputs())
        names += (names.empty() ? "'" : ", '") + t.name + "'";
      return usageError("run: the model has no input '" + name + "' (inputs: " + names + ")");
    }
    size_t i = it - exe->inputs().begin();
    auto t = strata::readNpy(file);
    if (!t)
      return fail(t.takeError());
    if (t->shape != it->shape) {
      std::string want, got;
      for (auto d : it->shape)
        want += (want.empty() ? "" : ",") + std::to_string(d);
      for (auto d : t->shape)
        got += (got.empty() ? "" : ",") + std::to_string(d);
      return usageError("run: input '" + name + "' from " + file + " has shape [" + got +
                        "], the model expects [" + want + "]");
    }
    // numpy saves integers as int64 by default: integer data converts between int32 and int64.
    strata::DType want = strata::toDType(it->dtype);
    auto isInt = [](strata::DType d) { return d == strata::DType::I32 || d == strata::DType::I64; };
    if (t->dtype != want && !(isInt(t->dtype) && isInt(want)))
      return usageError("run: input '" + name + "' from " + file + " is " +
                        strata::dtypeName(t->dtype) + ", the model expects " + strata::dtypeName(want));
    if (t->dtype != want) // int32 <-> int64; a value that int32 cannot hold is an error
      for (int64_t v : t->intValues())
        if (strata::wrapToInt(want, v) != v)
          return usageError("run: input '" + name + "' from " + file + " holds " + std::to_string(v) +
                            ", which " + strata::dtypeName(want) + " cannot represent");
    inputs[i] = t->dtype == want ? std::move(*t) : strata::HostTensor::ofInts(want, t->shape, t->intValues());
    given[i] = true;
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!given[i])
      return usageError("run: missing --input " + exe->inputs()[i].name + "=FILE.npy");

  double ms = 0;
  auto results = strata::runOnHost(*exe, inputs, &ms);
  if (!results)
    return fail(results.takeError());
  for (size_t i = 0; i < exe->outputs().size(); ++i) {
    const auto &info = exe->outputs()[i];
    const strata::HostTensor &t = (*results)[i];
    if (!a.outputDir.empty()) {
      std::string safe = info.name;
      for (char &c : safe)
        if (!std::isalnum((unsigned char)c) && c != '_' && c != '-' && c != '.')
          c = '_';
      if (auto ec = llvm::sys::fs::create_directories(a.outputDir))
        return usageError("run: cannot create --output directory '" + a.outputDir + "'");
      if (auto err = strata::writeNpy(a.outputDir + "/" + safe + ".npy", t))
        return fail(std::move(err));
    }
    llvm::outs() << info.name << " [";
    for (size_t d = 0; d < info.shape.size(); ++d)
      llvm::outs() << (d ? "," : "") << info.shape[d];
    llvm::outs() << "]:";
    for (int64_t k = 0; k < std::min<int64_t>(t.numElements(), 8); ++k)
      t.isFloat() ? llvm::outs() << llvm::format(" %g", (double)t.f(k)) : llvm::outs() << " " << t.i(k);
    llvm::outs() << (t.numElements() > 8 ? " ..." : "") << "\n";
  }
  llvm::outs() << llvm::format("latency: %.3f ms (first run)\n", ms);
  return 0;
}

/// Reads a .npy file, or raw little-endian float32 data of the given shape.
llvm::Expected<strata::HostTensor> loadTensor(const std::string &file, std::vector<int64_t> shape) {
  if (llvm::StringRef(file).ends_with(".npy"))
    return strata::readNpy(file);
  auto buffer = llvm::MemoryBuffer::getFile(file);
  if (!buffer)
    return llvm::createStringError(buffer.getError(), file + ": cannot open file");
  strata::HostTensor t(strata::DType::F32, shape);
  size_t need = (size_t)t.numElements() * 4;
  if ((*buffer)->getBufferSize() != need)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   file + ": expected " + std::to_string(need) +
                                       " bytes of raw float32 data, found " +
                                       std::to_string((*buffer)->getBufferSize()));
  return strata::HostTensor::fromBytes(strata::DType::F32, shape, (*buffer)->getBufferStart());
}

/// Largest absolute difference (integers: at least 1 where they differ at
/// all), or -1 on a shape or element type mismatch.
double maxAbsDiff(const strata::HostTensor &a, const strata::HostTensor &b) {
  if (a.numElements() != b.numElements() || a.dtype != b.dtype)
    return -1;
  double worst = 0;
  for (int64_t i = 0; i < a.numElements(); ++i)
    worst = std::max(worst, a.isFloat() ? std::fabs((double)a.f(i) - b.f(i))
                            : a.i(i) == b.i(i) ? 0.0
                                               : std::max(1.0, std::fabs((double)a.i(i) - (double)b.i(i))));
  return worst;
}

int commandCheck(const Args &a) {
  if (a.model.empty())
    return usageError("check: no model file given");
  if (!fileExists(a.model))
    return usageError("check: model file '" + a.model + "' does not exist");
  mlir::MLIRContext ctx;
  strata::frontend::ImportOptions io;
  io.inputShapes = a.inputShapes;
  auto module = strata::frontend::importModel(a.model, ctx, io);
  if (!module)
    return fail(module.takeError());
  auto fn = (*module)->lookupSymbol<mlir::func::FuncOp>("main");
  std::vector<strata::HostTensor> inputs(fn.getNumArguments());
  std::vector<bool> given(inputs.size(), false);
  for (auto &[name, file] : a.inputs) {
    int index = -1;
    for (unsigned i = 0; i < fn.getNumArguments(); ++i)
      if (auto n = fn.getArgAttrOfType<mlir::StringAttr>(i, "strata.name"); n && n.str() == name)
        index = (int)i;
    if (index < 0)
      return usageError("check: the model has no input '" + name + "'");
    auto type = llvm::cast<mlir::RankedTensorType>(fn.getArgument(index).getType());
    auto t = loadTensor(file, std::vector<int64_t>(type.getShape().begin(), type.getShape().end()));
    if (!t)
      return fail(t.takeError());
    inputs[index] = std::move(*t);
    given[index] = true;
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!given[i])
      return usageError("check: missing --input for input " + std::to_string(i));
  auto results = strata::reference::runFunction(fn, inputs);
  if (!results)
    return fail(results.takeError());
  const strata::HostTensor &ref = results->front();
  bool ok = true;
  auto compare = [&](const std::string &what, const std::string &file) {
    auto t = loadTensor(file, ref.shape);
    if (!t) {
      llvm::errs() << "strata: error: " << llvm::toString(t.takeError()) << "\n";
      ok = false;
      return;
    }
    double diff = maxAbsDiff(*t, ref);
    bool pass = diff >= 0 && diff <= a.tolerance;
    ok = ok && pass;
    llvm::outs() << llvm::format("%-34s max |diff| vs reference interpreter = %.3g  %s\n",
                                 what.c_str(), diff, pass ? "OK" : "MISMATCH");
  };
  if (!a.actual.empty())
    compare("actual (" + llvm::sys::path::filename(a.actual).str() + ")", a.actual);
  if (!a.expected.empty())
    compare("expected (" + llvm::sys::path::filename(a.expected).str() + ")", a.expected);
  llvm::outs() << (ok ? "check passed" : "check FAILED") << llvm::format(" (tolerance %g)\n", a.tolerance);
  return ok ? 0 : 1;
}

int commandOnnxTest(const Args &a) {
  using namespace strata::conformance;
  std::vector<std::string> roots = a.paths;
  if (roots.empty())
    roots.push_back(defaultNodeTestDir());
  for (const std::string &r : roots)
    if (!fileExists(r))
      return usageError("onnx-test: '" + r + "' does not exist (Debian: apt-get install libonnx-testdata)");
  std::vector<std::string> tests = collectTests(roots);
  if (tests.empty())
    return usageError("onnx-test: no test folders (with model.onnx) found");
  ConformanceOptions options;
  options.verbose = a.verbose;
  options.target = a.target;
  // Checked here: a target no test can run on would count every test as failed.
  auto target = strata::targets::parseTarget(a.target);
  if (!target)
    return usageError("onnx-test: " + llvm::toString(target.takeError()));
  if (llvm::Error e = target->checkRunsOnHost()) {
    std::string why = llvm::toString(std::move(e));
    if (std::string emulation = emulationUnavailable(*target); !emulation.empty())
      return usageError("onnx-test: " + why + (target->isGPU() ? "" : "; " + emulation));
  }
  std::vector<TestResult> results = runTests(tests, options, a.jobs, [&](const TestResult &r, size_t done) {
    if (a.verbose)
      llvm::errs() << (r.outcome == Outcome::Passed   ? "pass "
                       : r.outcome == Outcome::Failed ? "FAIL "
                                                      : "skip ")
                   << r.name << (r.reason.empty() ? "" : ": " + r.reason) << "\n";
    else if (done % 100 == 0 || done == tests.size())
      llvm::errs() << "onnx-test: " << done << "/" << tests.size() << " tests run\n";
  });
  llvm::outs() << formatReport(results);
  if (!a.markdown.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream md(a.markdown, ec);
    if (ec)
      return usageError("onnx-test: cannot write '" + a.markdown + "': " + ec.message());
    std::string command = "strata onnx-test";
    for (const std::string &p : a.paths)
      command += " " + p;
    command += " --markdown " + a.markdown;
    md << formatMarkdown(results, describeTestData(roots), command);
  }
  return 0;
}

int commandBench(const Args &a) {
  if (a.model.empty())
    return usageError("bench: no model file given");
  if (!fileExists(a.model))
    return usageError("bench: model file '" + a.model + "' does not exist");
  auto exe = jitCompile(a);
  if (!exe.ok()) {
    llvm::errs() << "strata: error: " << exe.error() << "\n";
    return 1;
  }
  std::vector<std::vector<char>> bufs;
  std::vector<const void *> in;
  std::vector<void *> out;
  for (auto &t : exe->inputs()) {
    bufs.emplace_back(t.num_bytes() + 64, 0);
    in.push_back(bufs.back().data());
  }
  for (auto &t : exe->outputs()) {
    bufs.emplace_back(t.num_bytes() + 64, 0);
    out.push_back(bufs.back().data());
  }
  std::vector<double> times;
  for (int i = 0; i < a.warmup + a.runs; ++i) {
    if (i == a.warmup)
      exe->reset_profile();
    auto start = std::chrono::steady_clock::now();
    auto s = exe->run(in.data(), out.data());
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!s.ok()) {
      llvm::errs() << "strata: error: " << s.message() << "\n";
      return 1;
    }
    if (i >= a.warmup)
      times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  if (times.empty())
    return usageError("bench: --runs must be positive");
  llvm::outs() << llvm::format("%s: min %.3f ms, median %.3f ms, max %.3f ms over %d runs\n",
                               a.model.c_str(), times.front(), times[times.size() / 2],
                               times.back(), (int)times.size());
  llvm::outs() << llvm::format("workspace %.2f MB (intermediate tensors %.2f MB)\n",
                               exe->workspace_size() / 1e6, exe->intermediate_bytes() / 1e6);
  if (a.profile) {
    int threads = strata_get_num_threads();
    double peak = strata_measure_peak_gflops();
    llvm::outs() << llvm::format("FMA peak %.1f GFLOP/s per core (%s), %d thread%s\n", peak,
                                 strata::targets::hostTarget().isaName().c_str(), threads, threads == 1 ? "" : "s");
    llvm::outs().flush();
    exe->print_profile(peak * threads);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  Args a;
  std::string err;
  std::string command = argc >= 2 ? argv[1] : "";
  if (command == "help" || command == "--help" || command == "-h") {
    llvm::outs() << strata::cli::overview();
    return 0;
  }
  if (command == "--version") {
    llvm::outs() << strata::cli::versionText();
    return 0;
  }
  if (command == "tune")
    return commandTune(argc, argv);
  if (!command.empty() && !strata::cli::isCommand(command))
    return usageError("unknown command '" + command + "' (" + strata::cli::commandList() + ")");
  if (!parseArgs(argc, argv, a, err))
    return usageError(err);
  if (a.help) {
    llvm::outs() << strata::cli::commandHelp(a.command);
    return 0;
  }
  if (a.command == "compile")
    return commandCompile(a);
  if (a.command == "run")
    return commandRun(a);
  if (a.command == "bench")
    return commandBench(a);
  if (a.command == "check")
    return commandCheck(a);
  if (a.command == "onnx-test")
    return commandOnnxTest(a);
  return usageError("unknown command '" + a.command + "' (" + strata::cli::commandList() + ")");
}
