//===- npy.cpp - fuzz target: .npy bytes -> HostTensor ----------------------===//
#include "compiler/Npy.h"
#include "test/fuzz/Import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  auto tensor = strata::parseNpy(bytes, strata::fuzz::kPath);
  if (!tensor)
    strata::fuzz::expectNamedError(tensor.takeError());
  else if (tensor->numBytes() > bytes.size()) { // the data is in the file, nothing is made up
    std::fprintf(stderr, "a %zu-byte file gave a %zu-byte tensor\n", bytes.size(), tensor->numBytes());
    std::abort();
  }
  return 0;
}
