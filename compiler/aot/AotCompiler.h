//===- AotCompiler.h - model -> OUT.a + OUT.h -----------------------------===//
#pragma once

#include "compiler/Pipeline.h"

namespace strata::aot {

/// Compiles a model ahead of time: writes `<out>.a` (kernels, weights, the
/// runtime; links with -lpthread -lm) and `<out>.h`. Both files are written
/// to temporaries and renamed at the end, so a failure leaves neither.
llvm::Error compileToStaticLibrary(const std::string &modelPath, const std::string &out,
                                   const PipelineOptions &options);

/// The C header declaring NAME_run and the query functions.
std::string headerText(const std::string &name, const ModelSignature &sig, bool profile = false,
                       targets::Device device = targets::Device::CPU);

} // namespace strata::aot
