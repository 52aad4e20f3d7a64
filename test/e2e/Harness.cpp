//===- Harness.cpp --------------------------------------------------------===//
#include "test/e2e/Harness.h"

#include "compiler/HostRun.h"

#include "compiler/conformance/RefCheck.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
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

void expectMatchesReference(const std::string &path, double atol, double rtol,
                            const CompileOptions &given, uint32_t seed) {
  CompileOptions options = withTestTarget(given);
  auto exe = compile(path, options);
  ASSERT_TRUE(exe.ok()) << exe.error();
  auto inputs = randomInputs(*exe, seed);
  auto expected = runReference(path, inputs, options);
  auto actual = runCompiled(*exe, inputs);
  expectClose(actual, expected, atol, rtol);
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
