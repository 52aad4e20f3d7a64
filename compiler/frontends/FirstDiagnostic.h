//===- FirstDiagnostic.h - keep the first MLIR diagnostic as one line -----===//
//
// Strata reports one clear line per error; MLIR reports diagnostics through a
// handler. While alive, this captures the first one, prefixed with where it
// happened: "node 'conv0': ..." for imported models, "line 3: ..." for .mlir.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace strata::frontend {

class FirstDiagnostic {
public:
  explicit FirstDiagnostic(mlir::MLIRContext &ctx)
      : handler(&ctx, [this](mlir::Diagnostic &d) {
          if (text.empty()) {
            llvm::raw_string_ostream os(text);
            if (auto name = llvm::dyn_cast<mlir::NameLoc>(d.getLocation()))
              os << "node '" << name.getName().getValue() << "': ";
            else if (auto file = llvm::dyn_cast<mlir::FileLineColLoc>(d.getLocation()))
              if (file.getLine() > 0)
                os << "line " << file.getLine() << ": ";
            os << d.str();
          }
          return mlir::success();
        }) {}

  /// The captured message, or `fallback` when nothing was reported.
  std::string message(const std::string &fallback) const { return text.empty() ? fallback : text; }
  bool empty() const { return text.empty(); }

private:
  std::string text;
  mlir::ScopedDiagnosticHandler handler;
};

} // namespace strata::frontend
