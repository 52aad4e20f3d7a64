//===- OnnxReader.h - ONNX protobuf -> ModelDesc --------------------------===//
#pragma once

#include "compiler/frontends/ModelDesc.h"
#include "llvm/Support/Error.h"

namespace strata::frontend {

/// Reads an .onnx file. Fails with "<path>: ..." on unreadable, truncated or
/// non-ONNX files and on tensor types Strata does not handle.
llvm::Expected<ModelDesc> readOnnx(const std::string &path);
/// The same from the file's bytes; `path` names it in messages.
llvm::Expected<ModelDesc> parseOnnx(const std::string &bytes, const std::string &path);

/// The op types of a model's nodes, without converting anything (empty if unreadable).
std::vector<std::string> readOnnxOpTypes(const std::string &path);

/// Reads a serialized TensorProto (.pb), as in ONNX's backend test data.
llvm::Expected<HostTensor> readTensorFile(const std::string &path);

} // namespace strata::frontend
