//===- Import.h - what the import fuzz targets share -----------------------===//
//
// A fuzz input either fails with a message that starts with the model's path
// (Strata's "path: problem" form) or imports into a graph that verifies.
// Anything else (a crash, a hang, a huge allocation, a message without the
// path) is a finding.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/frontends/GraphBuilder.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace strata::fuzz {

/// The path every fuzz input is read as; error messages must start with it.
inline const char *const kPath = "fuzz-input";

/// Consumes `err`, aborting when its message does not name the input.
inline void expectNamedError(llvm::Error err) {
  std::string msg = llvm::toString(std::move(err));
  std::string prefix = std::string(kPath) + ": ";
  if (msg.compare(0, prefix.size(), prefix) != 0 || msg.size() == prefix.size()) {
    std::fprintf(stderr, "error message does not name the input: '%s'\n", msg.c_str());
    std::abort();
  }
}

/// Imports a read model into the graph dialect in a fresh context.
inline void importModel(llvm::Expected<frontend::ModelDesc> desc) {
  if (!desc)
    return expectNamedError(desc.takeError());
  mlir::MLIRContext ctx(mlir::MLIRContext::Threading::DISABLED);
  auto module = frontend::buildGraph(*desc, ctx, {});
  if (!module)
    expectNamedError(module.takeError());
}

} // namespace strata::fuzz
