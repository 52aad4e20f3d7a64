// Writing static libraries (`.a`) for AOT output.
//
// An AOT model library is a GNU-format archive holding the model's object files and a copy
// of the Strata runtime (see runtime/strata_runtime.h for why every library carries one).
// Output is deterministic: member timestamps, owners and modes are zeroed and members keep
// the given order, so the same inputs give a byte-identical archive.
#ifndef STRATA_COMPILER_AOT_ARCHIVE_H
#define STRATA_COMPILER_AOT_ARCHIVE_H

#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "targets/Target.h"

namespace strata::aot {

// One archive member: a file name (no directories) and its bytes, usually an ELF object.
struct ArchiveMember {
  std::string name;
  std::vector<char> data;
};

// The runtime's object files for `arch`, from the copies embedded at build time, named
// "strata_rt_<file>.o". Fails if that flavour was not built (aarch64 needs
// aarch64-linux-gnu-gcc when Strata is built).
llvm::Expected<std::vector<ArchiveMember>> runtimeObjects(targets::Arch arch);

// The bytes of a GNU archive with a symbol table holding `members` in order. Member names
// must be non-empty, without '/', and unique.
llvm::Expected<std::vector<char>> writeStaticLibrary(const std::vector<ArchiveMember> &members);

// Writes writeStaticLibrary(members) to `path` (replacing it atomically).
llvm::Error writeStaticLibraryFile(llvm::StringRef path, const std::vector<ArchiveMember> &members);

} // namespace strata::aot

#endif
