//===- RefCheck.cpp -------------------------------------------------------===//
#include "compiler/conformance/RefCheck.h"

#include "compiler/HostRun.h"
#include "compiler/frontends/Importer.h"
#include "compiler/frontends/JsonReader.h"
#include "dialects/graph/reference/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include <cmath>
#include <sstream>

namespace strata::conformance {

std::vector<HostTensor> randomInputs(const std::vector<TensorInfo> &infos, uint32_t seed) {
  std::vector<HostTensor> inputs;
  for (const TensorInfo &info : infos) {
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

llvm::Expected<std::vector<HostTensor>> runReference(const std::string &path,
                                                     const std::vector<HostTensor> &inputs,
                                                     const CompileOptions &options) {
  mlir::MLIRContext ctx;
  frontend::ImportOptions io;
  io.inputShapes = options.input_shapes;
  auto module = frontend::importModel(path, ctx, io);
  if (!module)
    return module.takeError();
  auto fn = (*module)->lookupSymbol<mlir::func::FuncOp>("main");
  return reference::runFunction(fn, inputs);
}

/// Element i as text: exact for integers.
static std::string valueText(const HostTensor &t, int64_t i) {
  std::ostringstream os;
  t.isFloat() ? os << t.f(i) : os << t.i(i);
  return os.str();
}

std::string compareOutputs(const std::vector<HostTensor> &actual,
                           const std::vector<HostTensor> &expected, double atol, double rtol) {
  if (actual.size() != expected.size())
    return std::to_string(actual.size()) + " outputs, expected " + std::to_string(expected.size());
  for (size_t o = 0; o < actual.size(); ++o) {
    std::string which = "output " + std::to_string(o) + ": ";
    if (actual[o].shape != expected[o].shape)
      return which + "shape " + shapeStr(actual[o].shape) + ", expected " + shapeStr(expected[o].shape);
    if (actual[o].dtype != expected[o].dtype)
      return which + dtypeName(actual[o].dtype) + ", expected " + dtypeName(expected[o].dtype);
    int64_t worst = -1;
    double worstErr = 0;
    int64_t bad = 0;
    for (int64_t i = 0; i < actual[o].numElements(); ++i) {
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
    if (bad) {
      std::ostringstream os;
      os << which << bad << " of " << actual[o].numElements()
         << " elements differ; worst at flat index " << worst << ": got "
         << valueText(actual[o], worst) << ", expected " << valueText(expected[o], worst);
      if (actual[o].isFloat())
        os << " (atol " << atol << ", rtol " << rtol << ")";
      return os.str();
    }
  }
  return "";
}

} // namespace strata::conformance
