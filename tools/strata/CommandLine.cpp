//===- CommandLine.cpp - the strata driver's commands and their options ---===//
#include "CommandLine.h"

#include "llvm/Config/llvm-config.h"

#include <algorithm>
#include <vector>

#ifndef STRATA_VERSION
#define STRATA_VERSION "unknown"
#endif

namespace strata::cli {
namespace {

/// An option: its flag (aliases after a '|'), the value it takes ("" for a switch), its help.
struct Option {
  std::string flag, value, help;
};

struct Command {
  std::string name, usage, summary;
  std::vector<Option> options;
};

const char *kTargets = "host, x86-64, x86-64-avx2, x86-64-avx512, aarch64, opencl, cuda-sm80, cuda-sm90 "
                       "(default: host; opencl: kernels as OpenCL C on the machine's OpenCL device, "
                       "$STRATA_OPENCL_DEVICE; cuda-*: kernels as PTX on an NVIDIA GPU, $STRATA_CUDA_DEVICE)";
const Option kTarget{"--target", "T", kTargets};
const Option kInputShape{"--input-shape", "NAME=D0,D1,...", "fix a dynamic input shape (repeatable)"};
const Option kTuningLog{"--tuning-log", "LOG",
                        "schedules from a tuning log (strata tune): each kernel takes the best record for its "
                        "workload on exactly this target"};
const Option kAutoSchedule{"--auto-schedule", "",
                           "kernels without a record take the schedule the pretrained cost model of the target's "
                           "ISA ranks best (no measurements)"};
const Option kAutoScheduleModel{"--auto-schedule-model", "FILE",
                                "the same with a model from 'strata tune train-model'"};
const Option kThreads{"--threads", "N",
                      "threads for parallel loops (default: the machine's cores, or $STRATA_NUM_THREADS)"};

const std::vector<Command> &commands() {
  static const std::vector<Command> all = {
      {"compile", "strata compile MODEL -o OUT [options]",
       "Ahead of time: writes OUT.a (kernels, weights, runtime; links with -lpthread -lm, and -ldl for a GPU "
       "target) and OUT.h, or prints a stage with --emit.",
       {{"-o|--output-prefix", "OUT", "the files' path without .a / .h"},
        {"--name", "NAME", "symbol prefix of the library (default: model)"},
        kTarget,
        kInputShape,
        {"--emit", "STAGE",
         "print a stage instead of writing files: graph, schedules (one line per kernel: schedule, FLOPs, "
         "bytes, workload key, model nodes), te, loops, llvm, asm, opencl (the kernels' OpenCL C), ptx"},
        {"--time", "", "print the time of every compiler stage"},
        {"--profile", "", "time every kernel call (NAME_profile_print etc.)"},
        kTuningLog,
        {"--threads", "N", "with --tuning-log: prefer records measured with N threads"},
        kAutoSchedule,
        kAutoScheduleModel}},
      {"run", "strata run MODEL --input NAME=FILE.npy ... [options]",
       "JIT-compile the model and run it once on the given inputs; prints the outputs.",
       {{"--input", "NAME=FILE.npy", "an input (repeatable; every model input is needed)"},
        {"--output", "DIR", "write every output as DIR/<output name>.npy"},
        kTarget,
        kThreads,
        kInputShape,
        kTuningLog,
        kAutoSchedule,
        kAutoScheduleModel}},
      {"check", "strata check MODEL --input NAME=FILE --actual FILE [options]",
       "Run the reference interpreter and compare an output with it.",
       {{"--input", "NAME=FILE", ".npy, or raw float32 (.bin) in the input's shape (repeatable)"},
        {"--actual", "FILE", "the first output to check (.npy or raw float32)"},
        {"--expected", "FILE", "also compare the reference with this (e.g. ONNX Runtime's)"},
        {"--tolerance", "T", "absolute tolerance (default 1e-4)"},
        kInputShape}},
      {"bench", "strata bench MODEL [options]", "JIT-compile the model and time runs on random inputs.",
       {{"--runs", "N", "timed runs (default 100)"},
        {"--warmup", "N", "untimed runs first (default 10)"},
        kThreads,
        kTarget,
        kInputShape,
        kTuningLog,
        kAutoSchedule,
        kAutoScheduleModel,
        {"--profile", "",
         "also print one row per kernel, longest first: time, share, GFLOP/s and % of the FMA peak "
         "(measured), schedule and the model nodes it covers"}}},
      {"tune", "strata tune MODEL -o LOG.jsonl [options]",
       "Search each kernel's schedule space, measuring candidates; 'strata tune --help' lists its options "
       "and 'strata tune merge' joins logs.",
       {}},
      {"onnx-test", "strata onnx-test [DIR...] [options]",
       "Run ONNX's backend node tests (default: every test in /usr/share/libonnx-testdata/data/node) and print "
       "a table by op; the last line says N passed, M failed, K skipped.",
       {{"--markdown", "FILE", "also write the table as Markdown (docs/onnx-coverage.md)"},
        {"--verbose", "", "print every test as it finishes"},
        {"--jobs", "N", "run N tests at a time, each in a process of its own (default 1)"},
        {"--target", "T",
         "compile the tests for T (default host; opencl: on this machine's OpenCL device; aarch64: ahead "
         "of time, linked by aarch64-linux-gnu-gcc and run under qemu-aarch64)"}}},
      {"help", "strata help", "This overview; 'strata CMD --help' for a command's options.", {}},
  };
  return all;
}

const Command *find(const std::string &name) {
  for (const Command &c : commands())
    if (c.name == name)
      return &c;
  return nullptr;
}

/// The flag's spellings: "-o|--output-prefix" is two.
std::vector<std::string> spellings(const std::string &flag) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t bar = flag.find('|', start);
    out.push_back(flag.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos)
      return out;
    start = bar + 1;
  }
}

/// Text wrapped at 100 columns, every line indented by `indent` spaces.
std::string wrap(const std::string &text, size_t indent) {
  std::string out, line, word;
  auto flush = [&] {
    out += std::string(indent, ' ') + line + "\n";
    line.clear();
  };
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ') {
      if (!line.empty() && indent + line.size() + 1 + word.size() > 100)
        flush();
      if (!word.empty())
        line += (line.empty() ? "" : " ") + word;
      word.clear();
    } else {
      word += text[i];
    }
  }
  if (!line.empty())
    flush();
  return out;
}

} // namespace

std::string overview() {
  std::string s = "usage: strata <command> [options]\n\n"
                  "Strata compiles deep learning models (.onnx, .json graph, .mlir graph dialect) into native "
                  "code.\n\ncommands:\n";
  for (const Command &c : commands()) {
    std::string head = "  " + c.usage.substr(std::string("strata ").size());
    s += head + "\n" + wrap(c.summary, 6);
  }
  s += "\n'strata CMD --help' prints a command's options; 'strata --version' the version.\n";
  return s;
}

std::string commandHelp(const std::string &command) {
  const Command *c = find(command);
  if (!c)
    return "";
  std::string s = "usage: " + c->usage + "\n\n" + wrap(c->summary, 0);
  if (!c->options.empty())
    s += "\noptions:\n";
  for (const Option &o : c->options) {
    std::string head = "  ";
    for (const std::string &f : spellings(o.flag))
      head += (head.size() > 2 ? ", " : "") + f;
    if (!o.value.empty())
      head += " " + o.value;
    s += head + "\n" + wrap(o.help, 6);
  }
  s += "  -h, --help\n      this text\n";
  return s;
}

bool isCommand(const std::string &command) { return find(command) != nullptr; }

std::string commandList() {
  std::string s;
  for (const Command &c : commands())
    s += (s.empty() ? "" : ", ") + c.name;
  return s;
}

std::string checkOption(const std::string &command, const std::string &flag) {
  if (flag == "--help" || flag == "-h")
    return "";
  const Command *c = find(command);
  if (!c)
    return "unknown command '" + command + "' (" + commandList() + ")";
  for (const Option &o : c->options)
    for (const std::string &f : spellings(o.flag))
      if (f == flag)
        return "";
  bool known = false;
  for (const Command &other : commands())
    for (const Option &o : other.options)
      for (const std::string &f : spellings(o.flag))
        known |= f == flag;
  if (known)
    return "'" + flag + "' is not an option of 'strata " + command + "' (see 'strata " + command + " --help')";
  return "unknown option '" + flag + "' (see 'strata " + command + " --help')";
}

std::string versionText() {
  // MLIR has no version of its own: it is released with LLVM, from the same sources.
  return std::string("strata ") + STRATA_VERSION + "\nbuilt with LLVM " LLVM_VERSION_STRING
                                                   " and MLIR " LLVM_VERSION_STRING "\n";
}

} // namespace strata::cli
