// Helpers shared by the targets tests: scratch directories, files and shell commands.
#ifndef STRATA_TEST_UNIT_TARGETS_TESTUTIL_H
#define STRATA_TEST_UNIT_TARGETS_TESTUTIL_H

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

namespace strata::testing {

// A fresh directory removed (with its contents) when the object dies.
class ScratchDir {
public:
  explicit ScratchDir(const std::string &prefix) {
    llvm::SmallString<128> path;
    if (!llvm::sys::fs::createUniqueDirectory(prefix, path)) path_ = std::string(path);
  }
  ~ScratchDir() {
    if (!path_.empty()) llvm::sys::fs::remove_directories(path_);
  }
  const std::string &path() const { return path_; }
  std::string operator/(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

inline void writeFile(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline void writeFile(const std::string &path, const std::vector<char> &bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

struct CommandResult {
  int status = -1;
  std::string output; // stdout and stderr together
};

// Runs `command` with /bin/sh, capturing its output.
inline CommandResult runCommand(const std::string &command) {
  CommandResult result;
  FILE *pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int raw = pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

// True if `program` is on PATH.
inline bool haveProgram(const std::string &program) {
  return static_cast<bool>(llvm::sys::findProgramByName(program));
}

} // namespace strata::testing

#endif
