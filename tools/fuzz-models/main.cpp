//===- main.cpp - fuzz-models: differential fuzzing of the compiler -------===//
//
// Generates random valid models (Generator.h), compiles each with the JIT,
// runs it on seeded inputs and compares with the reference interpreter. Each
// model runs in a forked child, so a crash or hang is recorded and the model
// kept. See --help.
//
//===----------------------------------------------------------------------===//
#include "tools/fuzz-models/Generator.h"

#include "compiler/HostRun.h"
#include "compiler/conformance/ChildProcess.h"
#include "compiler/conformance/EmulatedRun.h"
#include "compiler/conformance/RefCheck.h"
#include "compiler/frontends/JsonReader.h"
#include "targets/Target.h"
#include "strata/strata.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <regex>
#include <sstream>
#include <string>
#include <variant>

#include <unistd.h>

using namespace strata;

namespace {

const char *kUsage = R"(usage: fuzz-models [options]

Differential fuzzing: generates random valid models (chains and DAGs of the ONNX ops
Strata converts, random shapes, attributes and element types), compiles each with the
JIT, runs it on seeded inputs and compares with the reference interpreter. A model
Strata refuses with an error message counts as rejected; a wrong result, a crash, a
hang or a model the reference cannot run is a failure. The same seed gives the same
models. Exit status 1 when anything failed.

options:
  --seed S        the batch's seed (default 1)
  --count N       how many models (default 100)
  --first I       start at model I of the batch (default 0)
  --threads T     models run at once, each in its own process (default 1)
  --timeout SEC   per model (default 120)
  --compile-threads N  threads of the compiled models' parallel loops (default 1)
  --target T      compile every model for T (e.g. opencl: the GPU path on this machine's
                  OpenCL device; aarch64: ahead of time, linked by aarch64-linux-gnu-gcc and
                  run under qemu-aarch64); by default models take turns between host, x86-64
                  and AVX2
  --keep DIR      write each failing model as DIR/seedS-I.json, with the reason in
                  DIR/seedS-I.txt
  --print I       print model I of the batch as a JSON graph and exit
  --replay PATH   instead of generating: check kept models (a .json file or a folder of
                  them, as --keep writes them; each must compile and match the reference)
  --wide-ints     integer inputs also take values at the edges of int64 (INT64_MIN/MAX,
                  2^53 + 1, 2^62, ...), not only the generator's small ones
  --perturb       add 1e-2 to the first element of every compiled float output and flip
                  the first element of the others (checks that mismatches are caught:
                  every model that compiles must then fail)
  --no-fork       run models in this process (for debuggers; a crash ends the run)
  --verbose       one line per model
  --help          this text
)";

struct Options {
  uint64_t seed = 1, count = 100, first = 0;
  int threads = 1, timeout = 120, compileThreads = 1;
  std::string keep, target; // target: empty for the rotation of targetOf
  std::vector<std::string> replay;
  bool noFork = false, verbose = false, perturb = false, wideInts = false;
};

/// The message without the model's path, numbers and quoted names: a category.
std::string categoryOf(std::string msg) {
  auto nl = msg.find('\n');
  if (nl != std::string::npos)
    msg = msg.substr(0, nl);
  auto json = msg.find(".json: ");
  if (json != std::string::npos)
    msg = msg.substr(json + 7);
  msg = std::regex_replace(msg, std::regex("node '[^']*' \\(([A-Za-z]+)\\)"), "$1");
  msg = std::regex_replace(msg, std::regex("'[^']*'"), "'_'");
  msg = std::regex_replace(msg, std::regex("-?[0-9]+(\\.[0-9]+)?(e-?[0-9]+)?"), "N");
  msg = std::regex_replace(msg, std::regex("\\[[N, ]*\\]"), "[..]");
  if (msg.size() > 110)
    msg = msg.substr(0, 107) + "...";
  return msg;
}

std::string tempDir() {
  const char *t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

/// Models take turns: this CPU, baseline x86-64 (SSE2), and AVX2 where this CPU has it (so an
/// AVX-512 machine checks AVX2 code too: 16 registers, 8 lanes, other register blocks).
std::string targetOf(const Options &opt, uint64_t index) {
  if (!opt.target.empty())
    return opt.target;
  if (index % 3 == 1)
    return "x86-64";
#if defined(__x86_64__)
  if (index % 3 == 2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return "x86-64-avx2";
#endif
  return "host";
}

/// Names whose values end up as indices, sizes or counts (an operand past the first of a
/// gather, scatter, slice, pad, ..., and everything computed into one): out of range they are
/// invalid input, which Strata clamps rather than checks.
std::set<std::string> indexValues(const nlohmann::json &graph) {
  static const std::set<std::string> kIndexed = {"Gather", "GatherElements", "GatherND", "ScatterElements",
                                                 "ScatterND", "OneHot", "Slice", "Reshape", "Tile", "Expand",
                                                 "TopK", "Pad", "Resize", "Split", "Squeeze", "Unsqueeze",
                                                 "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "CumSum",
                                                 "ConstantOfShape", "Range", "Upsample"};
  std::set<std::string> index;
  const auto &nodes = graph["nodes"];
  for (const auto &n : nodes)
    if (kIndexed.count(n["op"].get<std::string>()))
      for (size_t i = 1; i < n["inputs"].size(); ++i)
        index.insert(n["inputs"][i].get<std::string>());
  // Backwards through the producers until nothing changes.
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto &n : nodes)
      for (const auto &o : n["outputs"])
        if (index.count(o.get<std::string>()))
          for (const auto &in : n["inputs"])
            grew |= index.insert(in.get<std::string>()).second;
  }
  return index;
}

/// The model's seeded inputs; with --wide-ints, about half of the elements of every integer
/// input that is not an index are replaced by values at the edges of int64 and of exactness in
/// float (INT64_MIN/MAX, 2^53 + 1, 2^62, 2^31, ...), wrapped to the input's type: the
/// generator's own values are small.
std::vector<HostTensor> seededInputs(const Options &opt, const nlohmann::json &graph,
                                     const std::vector<TensorInfo> &infos, uint32_t seed) {
  std::vector<HostTensor> inputs = conformance::randomInputs(infos, seed);
  if (!opt.wideInts)
    return inputs;
  std::set<std::string> index = indexValues(graph);
  static const int64_t kEdges[] = {INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1,
                                   (int64_t(1) << 53) + 1, -(int64_t(1) << 53) - 1, int64_t(1) << 62,
                                   -(int64_t(1) << 62) + 3, (int64_t(1) << 31), -(int64_t(1) << 31) - 1,
                                   (int64_t(1) << 32) + 7, (int64_t(1) << 60) + (int64_t(1) << 36) + 1};
  std::mt19937_64 rng(seed * 31 + 7);
  for (size_t k = 0; k < inputs.size(); ++k) {
    HostTensor &t = inputs[k];
    if (!t.isFloat() && t.dtype != DType::Bool && !index.count(infos[k].name))
      for (int64_t i = 0; i < t.numElements(); ++i)
        if (rng() % 2)
          t.setI(i, rng() % 4 ? kEdges[rng() % std::size(kEdges)] : (int64_t)rng());
  }
  return inputs;
}

/// A compile error as a result: errors of the compiler's own stages (a schedule's bounds,
/// codegen) on a model the importer accepted are failures, not rejections.
std::string compileFailure(const std::string &e) {
  if (e.find("bounds error") != std::string::npos || e.find(": schedule: ") != std::string::npos ||
      e.find("LLVM") != std::string::npos)
    return "internal\t" + e;
  return "rejected\t" + categoryOf(e) + "\t" + e;
}

/// The model's inputs as written in its JSON graph.
llvm::Expected<std::vector<TensorInfo>> declaredInputs(const std::string &path) {
  auto desc = frontend::readJson(path);
  if (!desc)
    return desc.takeError();
  std::vector<TensorInfo> infos;
  for (const frontend::ValueInfo &v : desc->inputs)
    infos.push_back({v.name, toElementType(v.dtype), v.shape});
  return infos;
}

/// Compiles the model for a target this machine runs under qemu-user, runs the reference on the
/// same seeded inputs, then the compiled model; the outputs, or a result line for checkModel.
std::variant<std::vector<HostTensor>, std::string>
runEmulated(const Options &opt, const nlohmann::json &graph, const std::string &path, const targets::Target &target,
            uint32_t inputSeed, const std::string &tag, std::vector<HostTensor> &expected) {
  PipelineOptions po;
  po.target = target;
  auto model = conformance::EmulatedModel::compile(
      path, po, tempDir() + "/fuzz-models-" + std::to_string(::getpid()) + "-" + tag + "." + target.name);
  if (!model)
    return compileFailure(llvm::toString(model.takeError()));
  auto infos = declaredInputs(path);
  if (!infos)
    return "reference\tcannot read the model's inputs: " + llvm::toString(infos.takeError());
  auto inputs = seededInputs(opt, graph, *infos, inputSeed);
  auto reference = conformance::runReference(path, inputs);
  if (!reference)
    return "reference\tcompiled, but the reference interpreter failed: " + llvm::toString(reference.takeError());
  expected = std::move(*reference);
  auto actual = model->run(inputs, expected, opt.timeout);
  if (!actual)
    return "mismatch\t" + llvm::toString(actual.takeError());
  return std::move(*actual);
}

/// Compiles and runs one model; the result as "matched", "rejected\t<category>\t<message>",
/// "mismatch\t<what>" or "reference\t<message>". `atol` per output (1e-4 where missing).
std::string checkModel(const Options &opt, const nlohmann::json &graph, const std::vector<double> &atol,
                       double rtol, const std::string &target, uint32_t inputSeed, const std::string &tag) {
  std::string path = tempDir() + "/fuzz-models-" + std::to_string(::getpid()) + "-" + tag + ".json";
  std::ofstream(path) << graph.dump();
  struct Cleanup {
    std::string path;
    ~Cleanup() { std::remove(path.c_str()); }
  } cleanup{path};

  std::vector<HostTensor> actual, expected;
  auto parsed = targets::parseTarget(target);
  if (parsed && conformance::isForeignCpu(*parsed)) {
    auto result = runEmulated(opt, graph, path, *parsed, inputSeed, tag, expected);
    if (auto *line = std::get_if<std::string>(&result))
      return *line;
    actual = std::move(std::get<std::vector<HostTensor>>(result));
  } else {
    llvm::consumeError(parsed.takeError());
    CompileOptions co;
    co.num_threads = opt.compileThreads;
    co.target = target;
    auto exe = compile(path, co);
    if (!exe.ok())
      return compileFailure(exe.error());
    auto inputs = seededInputs(opt, graph, exe->inputs(), inputSeed);
    auto reference = conformance::runReference(path, inputs, co);
    if (!reference)
      return "reference\tcompiled, but the reference interpreter failed: " + llvm::toString(reference.takeError());
    expected = std::move(*reference);
    auto ran = runOnHost(*exe, inputs);
    if (!ran)
      return "mismatch\trun error: " + llvm::toString(ran.takeError());
    actual = std::move(*ran);
  }
  if (opt.perturb)
    for (HostTensor &t : actual)
      if (t.numElements() > 0)
        t.isFloat() ? t.setF(0, t.f(0) + 1e-2f) : t.setI(0, t.dtype == DType::Bool ? !t.i(0) : t.i(0) + 1);
  if (actual.size() != expected.size())
    return "mismatch\t" + std::to_string(actual.size()) + " outputs, the reference " +
           std::to_string(expected.size());
  for (size_t o = 0; o < actual.size(); ++o) {
    double tol = o < atol.size() ? atol[o] : 1e-4;
    std::string diff = conformance::compareOutputs({actual[o]}, {expected[o]}, tol, rtol);
    if (!diff.empty())
      return "mismatch\toutput " + std::to_string(o) + " ('" + graph["outputs"][o].get<std::string>() + "')" +
             diff.substr(diff.find(':'));
  }
  return "matched";
}

uint32_t inputSeedOf(uint64_t seed, uint64_t index) { return (uint32_t)(seed * 7919 + index); }

std::string runModel(const Options &opt, uint64_t index) {
  fuzz::GeneratedModel m = fuzz::generateModel(opt.seed, index);
  return checkModel(opt, m.graph, m.atol, m.rtol, targetOf(opt, index), inputSeedOf(opt.seed, index),
                    std::to_string(opt.seed) + "-" + std::to_string(index));
}

/// A kept model: the graph plus a "fuzz" object (ignored by the JSON reader) saying where it
/// came from, how it failed and the tolerances and target to check it with.
nlohmann::json keptModel(const Options &opt, uint64_t index, const std::string &reason) {
  fuzz::GeneratedModel m = fuzz::generateModel(opt.seed, index);
  nlohmann::json j = m.graph;
  j["fuzz"] = {{"seed", opt.seed}, {"index", index}, {"target", targetOf(opt, index)},
               {"input_seed", inputSeedOf(opt.seed, index)}, {"wide_ints", opt.wideInts}, {"atol", m.atol},
               {"rtol", m.rtol},
               {"found", reason}};
  return j;
}

/// Replays kept models (files, or the .json files of folders): each must compile and match.
std::string replayModel(const Options &opt, const std::string &file) {
  std::ifstream in(file);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded())
    return "crash\tcannot parse " + file;
  nlohmann::json f = j.value("fuzz", nlohmann::json::object());
  std::vector<double> atol = f.value("atol", std::vector<double>{});
  std::string tag = std::to_string(std::hash<std::string>()(file));
  std::string target = opt.target.empty() ? f.value("target", std::string("host")) : opt.target;
  Options replay = opt;
  replay.wideInts = f.value("wide_ints", opt.wideInts);
  return checkModel(replay, j, atol, f.value("rtol", 1e-4), target, f.value("input_seed", 1u), tag);
}

struct Summary {
  uint64_t generated = 0, matched = 0, rejected = 0, mismatches = 0, crashes = 0, referenceErrors = 0,
           internalErrors = 0;
  std::map<std::string, uint64_t> rejectedBy;
  std::map<std::string, uint64_t> opCounts;
};

} // namespace

int main(int argc, char **argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "fuzz-models: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&]() -> uint64_t {
      std::string v = value();
      char *end = nullptr;
      uint64_t n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end || v[0] == '-') {
        std::cerr << "fuzz-models: " << a << " expects a non-negative integer, not '" << v << "'\n";
        std::exit(2);
      }
      return n;
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--seed") {
      opt.seed = number();
    } else if (a == "--count") {
      opt.count = number();
    } else if (a == "--first") {
      opt.first = number();
    } else if (a == "--threads") {
      opt.threads = std::max<int>(1, (int)number());
    } else if (a == "--compile-threads") {
      opt.compileThreads = std::max<int>(1, (int)number());
    } else if (a == "--target") {
      // Checked here: a target every model fails to compile for would count as rejections.
      opt.target = value();
      auto t = targets::parseTarget(opt.target);
      llvm::Error e = t ? t->checkRunsOnHost() : t.takeError();
      if (e && t && conformance::emulationUnavailable(*t).empty()) {
        llvm::consumeError(std::move(e)); // a foreign CPU, run under qemu-user
      } else if (e) {
        std::string why = llvm::toString(std::move(e));
        if (t && t->arch == targets::Arch::AArch64)
          why += "; " + conformance::emulationUnavailable(*t);
        std::cerr << "fuzz-models: --target: " << why << "\n";
        return 2;
      }
    } else if (a == "--timeout") {
      opt.timeout = std::max<int>(1, (int)number());
    } else if (a == "--keep") {
      opt.keep = value();
    } else if (a == "--print") {
      std::cout << fuzz::generateModel(opt.seed, number()).graph.dump(1) << "\n";
      return 0;
    } else if (a == "--replay") {
      std::string p = value();
      if (std::filesystem::is_directory(p)) {
        std::vector<std::string> files;
        for (const auto &e : std::filesystem::directory_iterator(p))
          if (e.path().extension() == ".json")
            files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
        opt.replay.insert(opt.replay.end(), files.begin(), files.end());
      } else {
        opt.replay.push_back(p);
      }
    } else if (a == "--perturb") {
      opt.perturb = true;
    } else if (a == "--wide-ints") {
      opt.wideInts = true;
    } else if (a == "--no-fork") {
      opt.noFork = true;
    } else if (a == "--verbose") {
      opt.verbose = true;
    } else {
      std::cerr << "fuzz-models: unknown option '" << a << "' (see --help)\n";
      return 2;
    }
  }
  if (!opt.keep.empty() && std::system(("mkdir -p '" + opt.keep + "'").c_str()) != 0) {
    std::cerr << "fuzz-models: cannot create " << opt.keep << "\n";
    return 2;
  }

  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  Summary sum;
  bool replaying = !opt.replay.empty();
  uint64_t total = replaying ? opt.replay.size() : opt.count;
  auto record = [&](uint64_t index, const conformance::ChildResult &r) {
    ++sum.generated;
    std::string out = r.completed ? r.output : "crash\t" + r.failure;
    std::string kind = out.substr(0, out.find('\t'));
    std::string rest = out.find('\t') == std::string::npos ? "" : out.substr(out.find('\t') + 1);
    bool failed = false;
    if (kind == "matched") {
      ++sum.matched;
    } else if (kind == "rejected") {
      ++sum.rejected, failed = replaying; // a kept model must compile
      ++sum.rejectedBy[rest.substr(0, rest.find('\t'))];
    } else if (kind == "reference") {
      ++sum.referenceErrors, failed = true;
    } else if (kind == "mismatch") {
      ++sum.mismatches, failed = true;
    } else if (kind == "internal") {
      ++sum.internalErrors, failed = true;
    } else {
      ++sum.crashes, failed = true;
    }
    if (replaying && (opt.verbose || failed))
      std::cout << opt.replay[index] << ": " << kind << (rest.empty() ? "" : ": ") << rest.substr(0, 400) << "\n";
    else if (opt.verbose || failed)
      std::cout << "model " << index << " (seed " << opt.seed << "): " << kind << (rest.empty() ? "" : ": ")
                << rest.substr(0, 400) << "\n";
    if (failed && !opt.keep.empty() && !replaying) {
      std::string base = opt.keep + "/seed" + std::to_string(opt.seed) + "-" + std::to_string(index);
      std::ofstream(base + ".json") << keptModel(opt, index, kind + ": " + rest).dump(1) << "\n";
      std::ofstream(base + ".txt") << kind << ": " << rest << "\n";
    }
    if (sum.generated % 100 == 0)
      std::cout << "[" << sum.generated << "/" << total << "] " << sum.matched << " matched, " << sum.rejected
                << " rejected, " << sum.mismatches << " mismatches, " << sum.crashes << " crashes, "
                << sum.referenceErrors << " reference errors (" << (int)seconds() << " s)" << std::endl;
  };
  for (uint64_t i = 0; i < opt.count && !replaying; ++i)
    for (const std::string &op : fuzz::generateModel(opt.seed, opt.first + i).ops)
      ++sum.opCounts[op];

  uint64_t first = replaying ? 0 : opt.first;
  auto job = [&](uint64_t i) { return replaying ? replayModel(opt, opt.replay[i]) : runModel(opt, i); };
  if (opt.noFork) {
    for (uint64_t i = 0; i < total; ++i)
      record(first + i, {true, job(first + i), ""});
  } else {
    std::cout.flush();
    conformance::runInChildren(
        total, opt.threads, opt.timeout, [&](size_t i) { return job(first + i); },
        [&](size_t i, conformance::ChildResult r) { record(first + i, r); });
  }

  if (replaying)
    std::cout << "\nfuzz-models --replay: ";
  else
    std::cout << "\nfuzz-models --seed " << opt.seed << " --first " << opt.first << " --count " << opt.count << ": ";
  std::cout << sum.generated << " models in " << (int)seconds() << " s\n"
            << "  compiled and matched the reference: " << sum.matched << "\n"
            << "  rejected with an error:             " << sum.rejected << "\n";
  std::vector<std::pair<uint64_t, std::string>> cats;
  for (auto &[c, n] : sum.rejectedBy)
    cats.push_back({n, c});
  std::sort(cats.rbegin(), cats.rend());
  for (auto &[n, c] : cats)
    std::cout << "    " << n << "  " << c << "\n";
  std::cout << "  mismatches:                         " << sum.mismatches << "\n"
            << "  crashes and timeouts:               " << sum.crashes << "\n"
            << "  reference interpreter errors:       " << sum.referenceErrors << "\n"
            << "  internal compiler errors:           " << sum.internalErrors << "\n";
  if (!replaying)
    std::cout << "  nodes by op:";
  int k = 0;
  for (auto &[op, n] : sum.opCounts)
    std::cout << (k++ % 8 ? " " : "\n    ") << op << " " << n;
  std::cout << "\n";
  return sum.mismatches || sum.crashes || sum.referenceErrors || sum.internalErrors || (replaying && sum.rejected)
             ? 1
             : 0;
}
