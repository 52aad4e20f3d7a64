//===- TuneCommand.cpp - strata tune and strata tune merge ----------------===//
#include "TuneCommand.h"

#include "compiler/tuning/Tuner.h"
#include "runtime/strata_runtime.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>
#include <vector>

namespace {

const char *kTuneUsage = R"(usage: strata tune MODEL -o LOG.jsonl [options]
       strata tune merge LOG... -o OUT.jsonl
       strata tune train-model LOG... -o MODEL.json

Searches each kernel's schedule space (the registry's templates and knobs),
measuring candidates in child processes, and appends one JSON line per
measurement to LOG (resumed when it exists). Use the log with
strata compile|run|bench --tuning-log LOG. Progress goes to stderr: one status
line (task, trials, the model's kernel time so far and its speed-up over the
defaults, ETA), redrawn in place on a terminal, a line per batch otherwise.

options:
  -o LOG               the tuning log (JSON Lines; appended to, created if missing)
  --target T           host, x86-64, x86-64-avx2, x86-64-avx512 (default: host; the
                       records are for this target only, and it must run here)
  --input-shape NAME=D0,D1,...   fix a dynamic input shape (repeatable)
  --trials N           measurements in all, shared by the tasks by their estimated
                       share of the model's time (default: 32 per task)
  --time-budget T      stop after T (e.g. 90s, 10m, 2h)
  --threads N          threads the kernels run with while measured (default: 1)
  --seed S             seed of the search (default: 1)
  --shard I/N          tune only the tasks of shard I of N (0 <= I < N); the shards of
                       one model and budget together tune what one run would
  --jobs J             candidates compiled at once (default: one per core but one, which
                       stays free for the candidate being timed)
  --timeout T          a candidate still compiling or running after T is killed and
                       logged as a timeout (default: 120s)
  --hot-cache          time runs back to back, caches hot (default: the core's L1/L2
                       are scrubbed before every timed run, as other kernels do in a model)
  --report FILE.html   at the end, write a self-contained page: the model's kernel time
                       against trials and wall time, per-task curves, and a table of
                       default vs tuned time, GFLOP/s, % of FMA peak and knobs per kernel
  --simulate           deterministic pseudo-times instead of running candidates: tests
                       the tuner itself, never use it for real tuning

merge: reads the logs (skipping corrupt lines with a warning) and writes each
distinct record once, sorted, to OUT: merging the same logs in any order gives
the same file.

train-model: trains the cost model of --auto-schedule (XGBoost) on the records
of the logs (those written with features), reports its ranking accuracy on one
task in five held out, and writes it to MODEL.json; one for an ISA ships in
compiler/tuning/pretrained/.
)";

int usage(const std::string &msg) {
  llvm::errs() << "strata tune: error: " << msg << "\n(run 'strata tune --help' for usage)\n";
  return 2;
}

bool parseCount(const std::string &s, int &out, int min) {
  char *end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end || v < min || v > (1 << 30))
    return false;
  out = (int)v;
  return true;
}

/// "90s", "10m", "2h" or plain seconds.
bool parseDuration(const std::string &s, double &seconds) {
  if (s.empty())
    return false;
  char *end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string unit = end;
  double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
  if (end == s.c_str() || scale < 0 || !(v > 0))
    return false;
  seconds = v * scale;
  return true;
}

/// The arguments of `strata tune merge|train-model LOG... -o OUT`: -1 when they are fine,
/// else the exit status (usage printed).
int logsAndOutput(int argc, char **argv, const std::string &what, const std::string &outName,
                  std::vector<std::string> &logs, std::string &out) {
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-o" && i + 1 < argc)
      out = argv[++i];
    else if (arg == "--help" || arg == "-h")
      return llvm::outs() << kTuneUsage, 0;
    else if (!arg.empty() && arg[0] == '-')
      return usage("unknown option '" + arg + "'");
    else
      logs.push_back(arg);
  }
  if (logs.empty())
    return usage(what + ": no logs given");
  if (out.empty())
    return usage(what + ": no output given (-o " + outName + ")");
  return -1;
}

int merge(int argc, char **argv) {
  std::vector<std::string> inputs;
  std::string out;
  if (int status = logsAndOutput(argc, argv, "merge", "OUT.jsonl", inputs, out); status >= 0)
    return status;
  std::vector<std::string> warnings;
  llvm::Error err = strata::tuning::mergeLogs(inputs, out, warnings);
  for (const std::string &w : warnings)
    llvm::errs() << "strata tune merge: warning: " << w << "\n";
  if (err) {
    llvm::errs() << "strata tune merge: error: " << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  return 0;
}

int trainModel(int argc, char **argv) {
  std::vector<std::string> logs;
  std::string out;
  if (int status = logsAndOutput(argc, argv, "train-model", "MODEL.json", logs, out); status >= 0)
    return status;
  if (llvm::Error err = strata::tuning::trainModel(logs, out, llvm::errs())) {
    llvm::errs() << "strata tune train-model: error: " << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  return 0;
}

} // namespace

int commandTune(int argc, char **argv) {
  if (argc >= 3 && std::string(argv[2]) == "merge")
    return merge(argc, argv);
  if (argc >= 3 && std::string(argv[2]) == "train-model")
    return trainModel(argc, argv);
  strata::tuning::TuneOptions o;
  std::string target = "host";
  double timeout = 0;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string &dst) {
      if (i + 1 >= argc)
        return false;
      dst = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      llvm::outs() << kTuneUsage;
      return 0;
    } else if (arg == "-o") {
      if (!value(o.logPath))
        return usage("-o needs a value");
    } else if (arg == "--target") {
      if (!value(target))
        return usage("--target needs a value");
    } else if (arg == "--input-shape") {
      if (!value(v))
        return usage("--input-shape needs a value");
      auto eq = v.rfind('=');
      std::vector<int64_t> dims;
      bool ok = eq != std::string::npos && eq > 0;
      for (size_t pos = eq + 1; ok && pos <= v.size();) {
        size_t comma = v.find(',', pos);
        int d;
        ok = parseCount(v.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos), d, 1);
        dims.push_back(d);
        pos = comma == std::string::npos ? v.size() + 1 : comma + 1;
      }
      if (!ok)
        return usage("--input-shape expects NAME=D0,D1,... with positive dimensions, got '" + v + "'");
      o.pipeline.import.inputShapes[v.substr(0, eq)] = dims;
    } else if (arg == "--trials") {
      if (!value(v) || !parseCount(v, o.trials, 1))
        return usage("--trials expects a positive integer");
    } else if (arg == "--time-budget") {
      if (!value(v) || !parseDuration(v, o.timeBudgetSeconds))
        return usage("--time-budget expects a duration such as 90s, 10m or 2h, got '" + v + "'");
    } else if (arg == "--threads") {
      if (!value(v) || !parseCount(v, o.measure.threads, 1))
        return usage("--threads expects a positive integer");
    } else if (arg == "--seed") {
      int seed;
      if (!value(v) || !parseCount(v, seed, 0))
        return usage("--seed expects a non-negative integer");
      o.seed = (uint64_t)seed;
    } else if (arg == "--shard") {
      auto slash = value(v) ? v.find('/') : std::string::npos;
      if (slash == std::string::npos || !parseCount(v.substr(0, slash), o.shardIndex, 0) ||
          !parseCount(v.substr(slash + 1), o.shardCount, 1) || o.shardIndex >= o.shardCount)
        return usage("--shard expects I/N with 0 <= I < N, got '" + v + "'");
    } else if (arg == "--timeout") {
      if (!value(v) || !parseDuration(v, timeout) || timeout < 1)
        return usage("--timeout expects a duration of at least 1 s, got '" + v + "'");
      o.measure.timeoutSeconds = (int)timeout;
    } else if (arg == "--jobs") {
      if (!value(v) || !parseCount(v, o.jobs, 1))
        return usage("--jobs expects a positive integer");
    } else if (arg == "--hot-cache") {
      o.measure.scrubCaches = false;
    } else if (arg == "--report") {
      if (!value(o.reportPath))
        return usage("--report needs a value");
    } else if (arg == "--simulate") {
      o.measure.simulate = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage("unknown option '" + arg + "'");
    } else if (o.modelPath.empty()) {
      o.modelPath = arg;
    } else {
      return usage("unexpected argument '" + arg + "'");
    }
  }
  if (o.modelPath.empty())
    return usage("no model file given");
  if (!llvm::sys::fs::exists(o.modelPath))
    return usage("model file '" + o.modelPath + "' does not exist");
  if (o.logPath.empty())
    return usage("no log given (-o LOG.jsonl)");
  auto t = strata::targets::parseTarget(target);
  if (!t) {
    llvm::errs() << "strata tune: error: " << llvm::toString(t.takeError()) << "\n";
    return 1;
  }
  if (llvm::Error err = t->checkRunsOnHost(); err && !o.measure.simulate) {
    llvm::errs() << "strata tune: error: cannot measure here: " << llvm::toString(std::move(err))
                 << "\n";
    return 1;
  } else if (err) {
    llvm::consumeError(std::move(err));
  }
  o.pipeline.target = *t;
  o.measure.target = target;
  o.redrawProgress = llvm::sys::Process::StandardErrIsDisplayed();
  if (llvm::Error err = strata::tuning::tune(o, llvm::errs())) {
    llvm::errs() << "strata tune: error: " << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  return 0;
}
