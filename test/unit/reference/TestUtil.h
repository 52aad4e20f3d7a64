//===- TestUtil.h - parsing, running and comparing for reference tests ----===//
#pragma once

#include "dialects/graph/reference/Interpreter.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace strata::testing {

class ReferenceTest : public ::testing::Test {
protected:
  ReferenceTest() {
    ctx.getOrLoadDialect<graph::GraphDialect>();
    ctx.getOrLoadDialect<mlir::func::FuncDialect>();
  }

  /// Parses `text` (a module holding func @main); locations name "test.mlir".
  mlir::func::FuncOp parse(const std::string &text) {
    module = mlir::parseSourceString<mlir::ModuleOp>(text, mlir::ParserConfig(&ctx), "test.mlir");
    EXPECT_TRUE(module) << "cannot parse:\n" << text;
    return module ? module->lookupSymbol<mlir::func::FuncOp>("main") : nullptr;
  }

  /// Parses and runs func @main; a failure is a test failure.
  std::vector<HostTensor> run(const std::string &text, std::vector<HostTensor> inputs) {
    auto fn = parse(text);
    if (!fn)
      return {};
    auto out = reference::runFunction(fn, inputs);
    if (!out) {
      ADD_FAILURE() << llvm::toString(out.takeError());
      return {};
    }
    return std::move(*out);
  }

  /// Parses and runs func @main, expecting an error; returns its text.
  std::string runError(const std::string &text, std::vector<HostTensor> inputs) {
    auto fn = parse(text);
    if (!fn)
      return "<parse error>";
    auto out = reference::runFunction(fn, inputs);
    EXPECT_FALSE(static_cast<bool>(out));
    return out ? "" : llvm::toString(out.takeError());
  }

  /// The first op in func @main with the given name.
  mlir::Operation *firstOp(llvm::StringRef name) {
    mlir::Operation *found = nullptr;
    module->walk([&](mlir::Operation *op) {
      if (!found && op->getName().getStringRef() == name)
        found = op;
    });
    return found;
  }

  static HostTensor iota(std::vector<int64_t> shape, double start = 0, double step = 1) {
    HostTensor t(DType::F32, std::move(shape));
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.setF(i, start + step * i);
    return t;
  }

  /// A tensor of small values (integers given as doubles must be exact).
  static HostTensor values(std::vector<int64_t> shape, std::vector<double> v, DType dt = DType::F32) {
    HostTensor t(dt, std::move(shape));
    EXPECT_EQ((size_t)t.numElements(), v.size());
    for (size_t i = 0; i < v.size() && i < (size_t)t.numElements(); ++i)
      t.isFloat() ? t.setF(i, v[i]) : t.setI(i, (int64_t)v[i]);
    return t;
  }

  /// Uniform values in [lo, hi), rounded to float, from a fixed seed.
  HostTensor random(std::vector<int64_t> shape, double lo = -1, double hi = 1) {
    HostTensor t(DType::F32, std::move(shape));
    std::uniform_real_distribution<double> dist(lo, hi);
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.setF(i, dist(rng));
    return t;
  }

  mlir::MLIRContext ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::mt19937 rng{1234};
};

/// "1x3x8x8xf32"-style type text.
inline std::string ty(const std::vector<int64_t> &shape, const char *elem = "f32") {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + elem + ">";
}

inline std::string i64s(const std::vector<int64_t> &v) {
  std::string s = "array<i64";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : ": ") + std::to_string(v[i]);
  return s + ">";
}

/// Every element as a double (for float tensors and small integers).
inline std::vector<double> doubles(const HostTensor &t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numElements(); ++i)
    v.push_back(t.asDouble(i));
  return v;
}

inline void expectValues(const HostTensor &t, const std::vector<double> &want, double tol = 1e-6) {
  ASSERT_EQ(t.numElements(), (int64_t)want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i]))
      EXPECT_TRUE(std::isnan(t.asDouble(i))) << "at flat index " << i << ": " << t.asDouble(i);
    else if (std::isinf(want[i]))
      EXPECT_EQ(t.asDouble(i), want[i]) << "at flat index " << i;
    else
      EXPECT_NEAR(t.asDouble(i), want[i], tol) << "at flat index " << i;
  }
}

/// Compares with a result computed in double: within float rounding.
inline void expectClose(const HostTensor &t, const std::vector<int64_t> &shape,
                        const std::vector<double> &want, double rel = 1e-6) {
  ASSERT_EQ(t.shape, shape);
  ASSERT_EQ(t.numElements(), (int64_t)want.size());
  int failures = 0;
  for (size_t i = 0; i < want.size() && failures < 10; ++i)
    if (!(std::fabs(t.asDouble(i) - want[i]) <= rel * (1 + std::fabs(want[i])))) {
      ADD_FAILURE() << "at flat index " << i << ": got " << t.asDouble(i) << ", want " << want[i];
      ++failures;
    }
}

/// Row-major flat index of coordinates.
inline int64_t flat(const std::vector<int64_t> &shape, const std::vector<int64_t> &c) {
  int64_t i = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    i = i * shape[d] + c[d];
  return i;
}

/// Coordinates of a row-major flat index.
inline std::vector<int64_t> coords(const std::vector<int64_t> &shape, int64_t i) {
  std::vector<int64_t> c(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    c[d] = i % shape[d];
    i /= shape[d];
  }
  return c;
}

} // namespace strata::testing
