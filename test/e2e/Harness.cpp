//===- Harness.cpp --------------------------------------------------------===//
#include "test/e2e/Harness.h"

#include "compiler/HostRun.h"

#include "compiler/frontends/Importer.h"
#include "compiler/frontends/JsonReader.h"
#include "compiler/reference/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace strata::testing {

/// Element i as text: exact for integers.
static std::string valueText(const HostTensor &t, int64_t i) {
  std::ostringstream os;
  t.isFloat() ? os << t.f(i) : os << t.i(i);
  return os.str();
}

std::vector<HostTensor> randomInputs(const Executable &exe, uint32_t seed) {
  std::vector<HostTensor> inputs;
  for (const TensorInfo &info : exe.inputs()) {
    HostTensor t(toDType(info.dtype), info.shape);
    auto values = frontend::mulberry32Uniform(seed++, t.numElements(), -1.f, 1.f);
    for (int64_t i = 0; i < t.numElements(); ++i) {
      // Integers in [-4, 3] (unsigned: [0, 7]); booleans about half true.
      double v = values[i];
      bool isUnsigned = t.dtype == DType::U8 || t.dtype == DType::U16 || t.dtype == DType::U32;
      if (t.isFloat())
        t.setF(i, v);
      else
        t.setI(i, t.dtype == DType::Bool ? v > 0 : (int64_t)std::floor(v * 4) + (isUnsigned ? 4 : 0));
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
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
  mlir::MLIRContext ctx;
  frontend::ImportOptions io;
  io.inputShapes = options.input_shapes;
  auto module = frontend::importModel(path, ctx, io);
  if (!module) {
    ADD_FAILURE() << llvm::toString(module.takeError());
    return {};
  }
  auto fn = (*module)->lookupSymbol<mlir::func::FuncOp>("main");
  auto results = reference::runFunction(fn, inputs);
  if (!results) {
    ADD_FAILURE() << llvm::toString(results.takeError());
    return {};
  }
  return *results;
}

void expectClose(const std::vector<HostTensor> &actual, const std::vector<HostTensor> &expected,
                 double atol, double rtol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t o = 0; o < actual.size(); ++o) {
    ASSERT_EQ(actual[o].shape, expected[o].shape) << "output " << o;
    ASSERT_EQ(std::string(dtypeName(actual[o].dtype)), dtypeName(expected[o].dtype)) << "output " << o;
    int64_t worst = -1;
    double worstErr = 0;
    int64_t bad = 0;
    for (int64_t i = 0; i < actual[o].numElements(); ++i) {
      // Integers and bools compare exactly.
      if (!actual[o].isFloat()) {
        if (actual[o].i(i) != expected[o].i(i) && (++bad, worst < 0))
          worst = i;
        continue;
      }
      double a = actual[o].f(i), e = expected[o].f(i);
      double err = std::fabs(a - e);
      bool ok = err <= atol + rtol * std::fabs(e) || (std::isnan(a) && std::isnan(e)) ||
                (std::isinf(a) && a == e);
      if (!ok) {
        ++bad;
        if (err > worstErr || std::isnan(err) || worst < 0) {
          worstErr = err;
          worst = i;
        }
      }
    }
    EXPECT_EQ(bad, 0) << "output " << o << ": " << bad << " of " << actual[o].numElements()
                      << " elements differ; worst at flat index " << worst << ": got "
                      << (worst >= 0 ? valueText(actual[o], worst) : "") << ", expected "
                      << (worst >= 0 ? valueText(expected[o], worst) : "") << " (atol " << atol
                      << ", rtol " << rtol << ")";
  }
}

void expectMatchesReference(const std::string &path, double atol, double rtol,
                            const CompileOptions &options, uint32_t seed) {
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
