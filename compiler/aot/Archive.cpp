#include "compiler/aot/Archive.h"

#include <set>

#include "llvm/Object/Archive.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileOutputBuffer.h"
#include "llvm/Support/MemoryBuffer.h"
#include "runtime/embedded_archives.h"

namespace strata::aot {

llvm::Expected<std::vector<ArchiveMember>> runtimeObjects(targets::Arch arch) {
  llvm::StringRef bytes;
  const char *flavour = "";
  switch (arch) {
  case targets::Arch::X86_64:
    bytes = llvm::StringRef(reinterpret_cast<const char *>(strata_runtime_archive_host_data),
                            strata_runtime_archive_host_size);
    flavour = "x86-64";
    break;
  case targets::Arch::AArch64:
    bytes = llvm::StringRef(reinterpret_cast<const char *>(strata_runtime_archive_aarch64_data),
                            strata_runtime_archive_aarch64_size);
    flavour = "aarch64";
    break;
  }
  if (bytes.empty())
    return llvm::createStringError(std::string("the ") + flavour +
                                   " runtime was not built into this compiler (for aarch64, "
                                   "install aarch64-linux-gnu-gcc and rebuild Strata)");

  auto archive = llvm::object::Archive::create(llvm::MemoryBufferRef(bytes, "strata_runtime.a"));
  if (!archive) return archive.takeError();
  std::vector<ArchiveMember> members;
  llvm::Error err = llvm::Error::success();
  for (const llvm::object::Archive::Child &child : (*archive)->children(err)) {
    auto name = child.getName();
    if (!name) return name.takeError();
    auto data = child.getBuffer();
    if (!data) return data.takeError();
    // CMake names host members "alloc.c.o", the cross build "alloc.o"; normalize both and
    // prefix them so they cannot collide with a model's own object names.
    llvm::StringRef stem = *name;
    stem.consume_back(".o");
    stem.consume_back(".c");
    members.push_back({"strata_rt_" + stem.str() + ".o",
                       std::vector<char>(data->begin(), data->end())});
  }
  if (err) return std::move(err);
  return members;
}

llvm::Expected<std::vector<char>> writeStaticLibrary(const std::vector<ArchiveMember> &members) {
  std::set<std::string> seen;
  std::vector<llvm::NewArchiveMember> newMembers;
  for (const ArchiveMember &member : members) {
    if (member.name.empty() || member.name.find('/') != std::string::npos)
      return llvm::createStringError("invalid archive member name '" + member.name + "'");
    if (!seen.insert(member.name).second)
      return llvm::createStringError("duplicate archive member '" + member.name + "'");
    llvm::NewArchiveMember newMember(llvm::MemoryBufferRef(
        llvm::StringRef(member.data.data(), member.data.size()), member.name));
    newMembers.push_back(std::move(newMember));
  }
  auto buffer = llvm::writeArchiveToBuffer(newMembers, llvm::SymtabWritingMode::NormalSymtab,
                                           llvm::object::Archive::K_GNU,
                                           /*Deterministic=*/true, /*Thin=*/false);
  if (!buffer) return buffer.takeError();
  return std::vector<char>((*buffer)->getBufferStart(), (*buffer)->getBufferEnd());
}

llvm::Error writeStaticLibraryFile(llvm::StringRef path, const std::vector<ArchiveMember> &members) {
  auto bytes = writeStaticLibrary(members);
  if (!bytes) return bytes.takeError();
  // FileOutputBuffer writes to a temporary and renames on commit, so a failed run never
  // leaves a truncated library behind.
  auto out = llvm::FileOutputBuffer::create(path, bytes->size());
  if (!out) return llvm::createFileError(path, out.takeError());
  std::copy(bytes->begin(), bytes->end(), (*out)->getBufferStart());
  if (llvm::Error err = (*out)->commit()) return llvm::createFileError(path, std::move(err));
  return llvm::Error::success();
}

} // namespace strata::aot
