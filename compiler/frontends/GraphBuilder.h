//===- GraphBuilder.h - ModelDesc -> graph dialect ------------------------===//
#pragma once

#include "compiler/frontends/ModelDesc.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <map>

namespace strata::frontend {

struct ImportOptions {
  /// Fixes dynamic input dimensions: name -> full static shape. Naming an input's
  /// existing static shape again is accepted.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Binds inputs to values at compile time: they become constants (and are no
  /// longer inputs), so shapes and compile-time operands may depend on them.
  std::map<std::string, HostTensor> constantInputs;
  /// The most elements the compile-time tensors the importer makes (ConstantOfShape,
  /// Range, index tables, evaluated constant subgraphs; not initializers) may hold in all,
  /// so that no model makes the compiler allocate without bound. The fuzz targets lower it.
  int64_t maxConstantElements = kMaxConstantElements;
};

/// Builds `func.func @main` in the graph dialect. Before converting anything,
/// checks every node and reports all unsupported ops and attributes at once.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
buildGraph(const ModelDesc &model, mlir::MLIRContext &ctx, const ImportOptions &options);

/// Lists every unsupported op and element type of the model in one error, or
/// succeeds. buildGraph calls it first; the conformance runner calls it before
/// reading test data.
llvm::Error checkSupported(const ModelDesc &model);

/// The ONNX op types GraphBuilder converts, sorted.
std::vector<std::string> supportedOnnxOps();

} // namespace strata::frontend
