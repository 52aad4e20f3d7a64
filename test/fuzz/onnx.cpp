//===- onnx.cpp - fuzz target: ONNX bytes -> ModelDesc -> graph dialect ----===//
#include "compiler/frontends/OnnxReader.h"
#include "test/fuzz/Import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  strata::fuzz::importModel(strata::frontend::parseOnnx(bytes, strata::fuzz::kPath));
  return 0;
}
