//===- Importer.h - any model file -> graph dialect -----------------------===//
#pragma once

#include "compiler/frontends/GraphBuilder.h"

namespace strata::frontend {

/// Loads a model by file extension: .onnx (protobuf), .json (Strata's graph
/// format) or .mlir (graph dialect text). The result holds `func.func @main`.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importModel(const std::string &path, mlir::MLIRContext &ctx, const ImportOptions &options = {});

/// Registers the dialects a Strata context needs.
void registerDialects(mlir::MLIRContext &ctx);

} // namespace strata::frontend
