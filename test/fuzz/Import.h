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

/// The fuzzers run with -rss_limit_mb=2048, so the elements the readers and the importer may
/// make from nothing (JSON "fill", ConstantOfShape, evaluated constants, ...) are limited to
/// 2^22 in all instead of 2^28: what is fuzzed is that every such allocation is checked.
inline constexpr int64_t kMaxMadeElements = int64_t(1) << 22;

/// Consumes `err`, aborting when its message does not name the input.
inline void expectNamedError(llvm::Error err) {
  std::string msg = llvm::toString(std::move(err));
  if (std::getenv("STRATA_FUZZ_PRINT")) // to see what a regression input is refused for
    std::fprintf(stderr, "%s\n", msg.c_str());
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
  frontend::ImportOptions options;
  options.maxConstantElements = kMaxMadeElements;
  auto module = frontend::buildGraph(*desc, ctx, options);
  if (!module)
    expectNamedError(module.takeError());
}

} // namespace strata::fuzz
