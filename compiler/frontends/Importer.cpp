//===- Importer.cpp -------------------------------------------------------===//
#include "compiler/frontends/Importer.h"

#include "compiler/frontends/FirstDiagnostic.h"

#include "compiler/frontends/JsonReader.h"
#include "compiler/frontends/OnnxReader.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringRef.h"

using namespace mlir;

namespace strata::frontend {

void registerDialects(MLIRContext &ctx) {
  ctx.getOrLoadDialect<graph::GraphDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
}

static llvm::Expected<OwningOpRef<ModuleOp>> importMlir(const std::string &path, MLIRContext &ctx) {
  FirstDiagnostic diag(ctx);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(path, &ctx);
  if (!module)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " + diag.message("cannot parse"));
  if (!module->lookupSymbol<func::FuncOp>("main"))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": no func.func @main in the module");
  return module;
}

llvm::Expected<OwningOpRef<ModuleOp>> importModel(const std::string &path, MLIRContext &ctx,
                                                  const ImportOptions &options) {
  registerDialects(ctx);
  llvm::StringRef p(path);
  if (p.ends_with(".mlir"))
    return importMlir(path, ctx);
  llvm::Expected<ModelDesc> desc = p.ends_with(".json") ? readJson(path) : readOnnx(path);
  if (!desc)
    return desc.takeError();
  return buildGraph(*desc, ctx, options);
}

} // namespace strata::frontend
