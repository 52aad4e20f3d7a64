#include "compiler/conformance/EmulatedRun.h"

#include "compiler/ModelCodegen.h"
#include "compiler/aot/AotCompiler.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

#include <fstream>
#include <optional>
#include <sstream>

namespace strata::conformance {

namespace {

struct Emulator {
  const char *compiler, *qemu, *sysroot;
};

/// The cross compiler, emulator and libraries of a foreign CPU's Linux (tools/setup.sh installs
/// them for aarch64); none for the host's own CPUs.
std::optional<Emulator> emulatorFor(const targets::Target &t) {
  if (isForeignCpu(t) && t.arch == targets::Arch::AArch64)
    return Emulator{"aarch64-linux-gnu-gcc", "qemu-aarch64", "/usr/aarch64-linux-gnu"};
  return std::nullopt;
}

// The bytes of an element by the header's element-type code (dtypeCode), as a C initializer.
std::string elementSizesByCode() {
  const DType all[] = {DType::F32, DType::I64, DType::I32, DType::Bool, DType::I8,
                       DType::U8,  DType::I16, DType::U16, DType::U32};
  std::vector<size_t> size(std::size(all));
  for (DType t : all)
    size.at(dtypeCode(t)) = dtypeSize(t);
  std::string text;
  for (size_t s : size)
    text += (text.empty() ? "" : ", ") + std::to_string(s);
  return "{" + text + "}";
}

// Reads each input from DIR/inI.bin, runs the model on one thread and writes DIR/outI.bin.
// SIZES: elementSizesByCode().
const char *kRunner = R"(#include "m.h"
#include <stdio.h>
#include <stdlib.h>

static size_t bytes(int rank, const int64_t *shape, int dtype) {
  static const size_t size[] = SIZES;
  if (dtype < 0 || dtype >= (int)(sizeof size / sizeof *size)) {
    fprintf(stderr, "runner: element type code %d has no size here\n", dtype);
    exit(2);
  }
  size_t n = size[dtype];
  for (int d = 0; d < rank; ++d) n *= (size_t)shape[d];
  return n;
}

int main(int argc, char **argv) {
  char path[4096];
  int ni = m_num_inputs(), no = m_num_outputs();
  const void **ins = calloc((size_t)ni + 1, sizeof *ins);
  void **outs = calloc((size_t)no + 1, sizeof *outs);
  size_t *outBytes = calloc((size_t)no + 1, sizeof *outBytes);
  if (argc != 2) return 2;
  for (int i = 0; i < ni; ++i) {
    size_t n = bytes(m_input_rank(i), m_input_shape(i), m_input_dtype(i));
    void *p = malloc(n + 1);
    snprintf(path, sizeof path, "%s/in%d.bin", argv[1], i);
    FILE *f = fopen(path, "rb");
    if (!f || fread(p, 1, n, f) != n) { fprintf(stderr, "runner: cannot read %zu bytes of %s\n", n, path); return 2; }
    fclose(f);
    ins[i] = p;
  }
  for (int i = 0; i < no; ++i) {
    outBytes[i] = bytes(m_output_rank(i), m_output_shape(i), m_output_dtype(i));
    outs[i] = malloc(outBytes[i] + 1);
  }
  m_set_num_threads(1);
  int rc = m_run(ins, outs, NULL);
  if (rc != 0) { fprintf(stderr, "runner: m_run: %s\n", m_error_message(rc)); return 3; }
  for (int i = 0; i < no; ++i) {
    snprintf(path, sizeof path, "%s/out%d.bin", argv[1], i);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(outs[i], 1, outBytes[i], f) != outBytes[i] || fclose(f) != 0) {
      fprintf(stderr, "runner: cannot write %s\n", path);
      return 2;
    }
  }
  return 0;
}
)";

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs `args` with stdout and stderr into `log`; an error with the log's text when it fails.
llvm::Error execute(const std::vector<std::string> &args, const std::string &log, int timeoutSeconds) {
  auto program = llvm::sys::findProgramByName(args[0]);
  if (!program)
    return llvm::createStringError(args[0] + " not found");
  std::vector<llvm::StringRef> argv(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), llvm::StringRef(log), llvm::StringRef(log)};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*program, argv, std::nullopt, redirects, (unsigned)timeoutSeconds, 0, &message);
  if (rc == 0)
    return llvm::Error::success();
  std::string what = rc == -2 ? "was killed (" + (message.empty() ? std::string("a signal or the timeout") : message) + ")"
                              : "exited with status " + std::to_string(rc);
  std::string text = readFile(log);
  if (text.size() > 2000)
    text = text.substr(0, 2000) + "...";
  return llvm::createStringError(args[0] + " " + what + (text.empty() ? "" : ": " + text));
}

} // namespace

bool isForeignCpu(const targets::Target &target) {
  return !target.isGPU() && target.arch != targets::hostTarget().arch;
}

std::string emulationUnavailable(const targets::Target &target) {
  std::optional<Emulator> e = emulatorFor(target);
  if (!e)
    return "no emulator for target '" + target.name + "'";
  for (const char *tool : {e->compiler, e->qemu})
    if (!llvm::sys::findProgramByName(tool))
      return std::string("target '") + target.name + "' runs here under qemu-user, which needs " + e->compiler +
             " and " + e->qemu + " (tools/setup.sh installs them); " + tool + " is not on PATH";
  return "";
}

llvm::Expected<EmulatedModel> EmulatedModel::compile(const std::string &modelPath, const PipelineOptions &options,
                                                     const std::string &dir) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return llvm::createStringError("cannot create " + dir + ": " + ec.message());
  EmulatedModel model(dir, options.target);
  PipelineOptions po = options;
  po.name = "m";
  if (llvm::Error e = aot::compileToStaticLibrary(modelPath, dir + "/m", po))
    return std::move(e);
  return model;
}

llvm::Expected<std::vector<HostTensor>> EmulatedModel::run(const std::vector<HostTensor> &inputs,
                                                           const std::vector<HostTensor> &like,
                                                           int timeoutSeconds) const {
  std::optional<Emulator> e = emulatorFor(target_);
  if (!e)
    return llvm::createStringError("no emulator for target '" + target_.name + "'");
  std::string runner = kRunner;
  runner.replace(runner.find("SIZES"), 5, elementSizesByCode());
  std::ofstream(dir_ + "/runner.c") << runner;
  if (llvm::Error err = execute({e->compiler, "-O1", "-I" + dir_, dir_ + "/runner.c", dir_ + "/m.a", "-lpthread",
                                 "-lm", "-o", dir_ + "/run"},
                                dir_ + "/link.log", timeoutSeconds))
    return llvm::createStringError("linking the model for " + target_.name + ": " + llvm::toString(std::move(err)));
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<char> bytes(inputs[i].numBytes());
    inputs[i].toBytes(bytes.data());
    std::ofstream(dir_ + "/in" + std::to_string(i) + ".bin", std::ios::binary)
        .write(bytes.data(), (std::streamsize)bytes.size());
  }
  if (llvm::Error err = execute({e->qemu, "-L", e->sysroot, dir_ + "/run", dir_}, dir_ + "/run.log", timeoutSeconds))
    return llvm::createStringError("run error: " + llvm::toString(std::move(err)));
  std::vector<HostTensor> outputs;
  for (size_t i = 0; i < like.size(); ++i) {
    std::string bytes = readFile(dir_ + "/out" + std::to_string(i) + ".bin");
    if (bytes.size() != like[i].numBytes())
      return llvm::createStringError("output " + std::to_string(i) + " has " + std::to_string(bytes.size()) +
                                     " bytes, the reference's " + std::to_string(like[i].numBytes()));
    outputs.push_back(HostTensor::fromBytes(like[i].dtype, like[i].shape, bytes.data()));
  }
  return outputs;
}

EmulatedModel::~EmulatedModel() {
  if (!dir_.empty())
    llvm::sys::fs::remove_directories(dir_);
}

} // namespace strata::conformance
