//===- Harness.cpp --------------------------------------------------------===//
#include "test/e2e/Harness.h"

#include "compiler/HostRun.h"

#include "compiler/Pipeline.h"
#include "compiler/aot/AotCompiler.h"
#include "compiler/conformance/EmulatedRun.h"
#include "compiler/conformance/RefCheck.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <cctype>
#include <map>
#include <sstream>
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

namespace strata::testing {

std::vector<HostTensor> randomInputs(const Executable &exe, uint32_t seed) {
  return conformance::randomInputs(exe.inputs(), seed);
}

std::vector<HostTensor> runCompiled(const Executable &exe, const std::vector<HostTensor> &inputs) {
  auto results = runOnHost(exe, inputs);
  if (!results) {
    ADD_FAILURE() << llvm::toString(results.takeError());
    return {};
  }
  return std::move(*results);
}

std::vector<HostTensor> runReference(const std::string &path, const std::vector<HostTensor> &inputs,
                                     const CompileOptions &options) {
  auto results = conformance::runReference(path, inputs, options);
  if (!results) {
    ADD_FAILURE() << llvm::toString(results.takeError());
    return {};
  }
  return std::move(*results);
}

void expectClose(const std::vector<HostTensor> &actual, const std::vector<HostTensor> &expected,
                 double atol, double rtol) {
  std::string diff = conformance::compareOutputs(actual, expected, atol, rtol);
  EXPECT_TRUE(diff.empty()) << diff;
}

CompileOptions withTestTarget(CompileOptions options) {
  if (const char *target = std::getenv("STRATA_E2E_TARGET"); target && *target && options.target == "host")
    options.target = target;
  return options;
}

namespace {

bool cudaDriverPresent() {
  static const bool present = [] {
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib)
      dlclose(lib);
    return lib != nullptr;
  }();
  return present;
}

std::string findPtxas() {
  if (auto p = llvm::sys::findProgramByName("ptxas"))
    return *p;
  const char *home = std::getenv("CUDA_HOME");
  for (std::string dir : {home ? std::string(home) : std::string(), std::string("/usr/local/cuda")})
    if (!dir.empty() && llvm::sys::fs::can_execute(dir + "/bin/ptxas"))
      return dir + "/bin/ptxas";
  return "";
}

} // namespace

bool checkPtxInstead(const std::string &path, const CompileOptions &options) {
  if (options.target.rfind("cuda-", 0) != 0 || cudaDriverPresent())
    return false;
  std::string ptxas = findPtxas();
  // The suite's target, and from sm_80 also sm_90: every case's PTX for both.
  std::vector<std::string> targets = {options.target};
  if (options.target == "cuda-sm80")
    targets.push_back("cuda-sm90");
  for (const std::string &name : targets) {
    auto target = targets::parseTarget(name);
    if (!target) {
      ADD_FAILURE() << llvm::toString(target.takeError());
      return true;
    }
    std::string ptx;
    llvm::raw_string_ostream os(ptx);
    PipelineOptions po;
    po.target = *target;
    po.name = "strata_jit";
    po.import.inputShapes = options.input_shapes;
    po.emit = EmitStage::PTX;
    po.emitStream = &os;
    if (auto compiled = compileModel(path, po); !compiled) {
      ADD_FAILURE() << name << ": " << llvm::toString(compiled.takeError());
      return true;
    }
    os.flush();
    if (ptxas.empty()) {
      std::cout << "[ NOTE ] ptxas not found (install the CUDA toolkit): PTX not checked\n";
      return true;
    }
    std::string file = writeTempFile("kernels.ptx", ptx);
    std::string log = file + ".log";
    std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(log), llvm::StringRef(log)};
    std::string arch = "-arch=" + target->gpuArch;
    int rc = llvm::sys::ExecuteAndWait(ptxas, {ptxas, arch, file, "-o", file + ".cubin"}, std::nullopt,
                                       redirects);
    std::ifstream in(log);
    std::string messages((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rc, 0) << "ptxas " << arch << " rejected the PTX of " << path << ":\n" << messages;
    llvm::sys::fs::remove(file), llvm::sys::fs::remove(log), llvm::sys::fs::remove(file + ".cubin");
  }
  return true;
}

bool isEmulated(const CompileOptions &options) {
  auto target = targets::parseTarget(options.target);
  if (!target) {
    llvm::consumeError(target.takeError());
    return false;
  }
  return conformance::isForeignCpu(*target);
}

bool runEmulatedInstead(const std::string &path, const CompileOptions &options, const std::vector<HostTensor> &inputs,
                        const std::vector<HostTensor> &expected, double atol, double rtol) {
  if (!isEmulated(options))
    return false;
  auto target = targets::parseTarget(options.target);
  if (std::string why = conformance::emulationUnavailable(*target); !why.empty()) {
    ADD_FAILURE() << why;
    return true;
  }
  PipelineOptions po;
  po.target = *target;
  po.import.inputShapes = options.input_shapes;
  std::string dir = ::testing::TempDir() + "/" + std::to_string(::getpid()) + "_emulated_" +
                    identifierOf(::testing::UnitTest::GetInstance()->current_test_info()->name());
  auto model = conformance::EmulatedModel::compile(path, po, dir);
  if (!model) {
    ADD_FAILURE() << llvm::toString(model.takeError());
    return true;
  }
  auto actual = model->run(inputs, expected, 300);
  if (!actual) {
    ADD_FAILURE() << llvm::toString(actual.takeError());
    return true;
  }
  expectClose(*actual, expected, atol, rtol);
  return true;
}

void expectMatchesReference(const std::string &path, double atol, double rtol,
                            const CompileOptions &given, uint32_t seed) {
  CompileOptions options = withTestTarget(given);
  bool exporting = std::getenv("STRATA_E2E_EXPORT") && options.target != "host";
  if (!exporting && checkPtxInstead(path, options))
    return;
  // An emulated target's signature and seeded inputs come from the host's compile.
  CompileOptions local = options;
  if (isEmulated(options))
    local.target = "host";
  auto exe = compile(path, local);
  ASSERT_TRUE(exe.ok()) << exe.error();
  auto inputs = randomInputs(*exe, seed);
  auto expected = runReference(path, inputs, options);
  if (exportForDevice(path, options, inputs, expected, atol, rtol))
    return;
  if (runEmulatedInstead(path, options, inputs, expected, atol, rtol))
    return;
  auto actual = runCompiled(*exe, inputs);
  expectClose(actual, expected, atol, rtol);
}

bool exportForDevice(const std::string &path, const CompileOptions &options, const std::vector<HostTensor> &inputs,
                     const std::vector<HostTensor> &expected, double atol, double rtol) {
  const char *dir = std::getenv("STRATA_E2E_EXPORT");
  if (!dir || !*dir || options.target == "host")
    return false;
  auto target = targets::parseTarget(options.target);
  if (!target || !target->isGPU()) {
    if (!target)
      ADD_FAILURE() << llvm::toString(target.takeError());
    return false;
  }
  // The library's symbol prefix: the test's unique name as a C identifier.
  const auto *test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = identifierOf(std::string("e2e_") + test->test_suite_name() + "_" + test->name());
  // A test that checks several models: one library each.
  static std::map<std::string, int> exported;
  if (int n = exported[name]++; n > 0)
    name += "_" + std::to_string(n + 1);
  std::string base = std::string(dir) + "/" + name;
  PipelineOptions po;
  po.target = *target;
  po.name = name;
  po.import.inputShapes = options.input_shapes;
  if (auto err = aot::compileToStaticLibrary(path, base, po)) {
    ADD_FAILURE() << llvm::toString(std::move(err));
    return true;
  }
  auto cc = llvm::sys::findProgramByName("cc"), ar = llvm::sys::findProgramByName("ar");
  if (!cc || !ar) {
    ADD_FAILURE() << "no C compiler (cc) or ar to link " << base << ".so";
    return true;
  }
  // Only the model's object: device_check carries the runtime (and exports it to the libraries),
  // so that hundreds of cases do not each hold a copy.
  std::string object = base + ".o";
  std::optional<llvm::StringRef> toObject[] = {std::nullopt, llvm::StringRef(object), std::nullopt};
  int rc = llvm::sys::ExecuteAndWait(*ar, {*ar, "p", base + ".a", name + ".o"}, std::nullopt, toObject);
  if (rc == 0)
    rc = llvm::sys::ExecuteAndWait(*cc, {*cc, "-shared", "-o", base + ".so", base + ".o"});
  EXPECT_EQ(rc, 0) << "ar p / cc -shared failed for " << base << ".a";
  for (const char *ext : {".a", ".h", ".o"})
    llvm::sys::fs::remove(base + ext);
  // name, library, atol, rtol, then the input files and the expected output files.
  std::ostringstream line;
  line << name << "\t" << name << ".so\t" << atol << "\t" << rtol << "\t" << inputs.size();
  auto write = [&](const HostTensor &t, const std::string &file) {
    std::vector<char> bytes(t.numBytes());
    t.toBytes(bytes.data());
    std::ofstream(std::string(dir) + "/" + file, std::ios::binary).write(bytes.data(), (std::streamsize)bytes.size());
    line << "\t" << file;
  };
  for (size_t i = 0; i < inputs.size(); ++i)
    write(inputs[i], name + ".in" + std::to_string(i) + ".bin");
  line << "\t" << expected.size();
  for (size_t i = 0; i < expected.size(); ++i)
    write(expected[i], name + ".out" + std::to_string(i) + ".bin");
  line << "\n";
  // One write with O_APPEND: whole lines, also from the parallel test processes.
  std::string text = line.str();
  int fd = ::open((std::string(dir) + "/manifest.tsv").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  EXPECT_GE(fd, 0) << "cannot open " << dir << "/manifest.tsv";
  if (fd >= 0) {
    EXPECT_EQ(::write(fd, text.data(), text.size()), (ssize_t)text.size());
    ::close(fd);
  }
  return true;
}

std::string identifierOf(std::string s) {
  for (char &c : s)
    if (!std::isalnum((unsigned char)c))
      c = '_';
  return s;
}

std::string writeTempFile(const std::string &name, const std::string &text) {
  std::string path = ::testing::TempDir() + "/" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

HostTensor readRawF32(const std::string &path, std::vector<int64_t> shape) {
  std::vector<float> data(HostTensor::numElements(shape));
  std::ifstream in(path, std::ios::binary);
  in.read((char *)data.data(), data.size() * 4);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return HostTensor::ofFloats(std::move(shape), std::move(data));
}

} // namespace strata::testing
