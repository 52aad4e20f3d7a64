//===- Npy.h - NumPy .npy files in and out --------------------------------===//
#pragma once

#include "dialects/graph/reference/HostTensor.h"
#include "llvm/Support/Error.h"

namespace strata {

/// Reads a C-order .npy file of float32/float64/int32/int64 (little-endian).
/// Errors name the file and the problem (bad magic, truncated data, dtype).
llvm::Expected<HostTensor> readNpy(const std::string &path);
/// The same from the file's bytes; `path` names it in messages.
llvm::Expected<HostTensor> parseNpy(const std::string &bytes, const std::string &path);

/// Writes float32 or int64 data as .npy; writes to a temporary file and
/// renames it, so a failure leaves no partial file.
llvm::Error writeNpy(const std::string &path, const HostTensor &t);

} // namespace strata
