//===- json.cpp - fuzz target: JSON graph text -> ModelDesc -> graph dialect ===//
#include "compiler/frontends/JsonReader.h"
#include "test/fuzz/Import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  using namespace strata::fuzz;
  importModel(strata::frontend::parseJson(text, kPath, kMaxMadeElements));
  return 0;
}
