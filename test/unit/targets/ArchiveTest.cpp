// Tests of static library writing and of linking several runtime-carrying archives into
// one program (the "several AOT models in one executable" case).
#include <gtest/gtest.h>

#include "compiler/aot/Archive.h"
#include "llvm/Object/Archive.h"
#include "llvm/Support/MemoryBuffer.h"
#include "test/unit/targets/TestUtil.h"

using namespace strata;
using strata::testing::runCommand;

namespace {

std::vector<char> bytesOf(const std::string &text) { return {text.begin(), text.end()}; }

TEST(ArchiveTest, IsDeterministicAndReadable) {
  auto runtime = aot::runtimeObjects(targets::Arch::X86_64);
  ASSERT_TRUE(static_cast<bool>(runtime)) << llvm::toString(runtime.takeError());
  ASSERT_EQ(runtime->size(), 8u); // alloc, cuda, error, gpu_program, opencl, profile, run_args, thread_pool
  std::vector<aot::ArchiveMember> members = *runtime;
  members.insert(members.begin(), {"notes.txt", bytesOf("not an object")});

  auto first = aot::writeStaticLibrary(members), second = aot::writeStaticLibrary(members);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);

  llvm::StringRef bytes(first->data(), first->size());
  auto archive = llvm::object::Archive::create(llvm::MemoryBufferRef(bytes, "test.a"));
  ASSERT_TRUE(static_cast<bool>(archive)) << llvm::toString(archive.takeError());
  std::vector<std::string> names;
  llvm::Error err = llvm::Error::success();
  for (const auto &child : (*archive)->children(err)) names.push_back(llvm::cantFail(child.getName()).str());
  ASSERT_FALSE(static_cast<bool>(err));
  EXPECT_EQ(names, (std::vector<std::string>{"notes.txt", "strata_rt_alloc.o", "strata_rt_cuda.o",
                                            "strata_rt_error.o", "strata_rt_gpu_program.o", "strata_rt_opencl.o",
                                            "strata_rt_profile.o", "strata_rt_run_args.o",
                                            "strata_rt_thread_pool.o"}));
  bool hasParallelFor = false;
  for (const auto &symbol : (*archive)->symbols())
    hasParallelFor |= symbol.getName() == "strata_parallel_for";
  EXPECT_TRUE(hasParallelFor);
}

TEST(ArchiveTest, RejectsBadMemberNames) {
  auto dup = aot::writeStaticLibrary({{"a.o", bytesOf("x")}, {"a.o", bytesOf("y")}});
  ASSERT_FALSE(static_cast<bool>(dup));
  EXPECT_EQ(llvm::toString(dup.takeError()), "duplicate archive member 'a.o'");
  auto slash = aot::writeStaticLibrary({{"dir/a.o", bytesOf("x")}});
  ASSERT_FALSE(static_cast<bool>(slash));
  EXPECT_EQ(llvm::toString(slash.takeError()), "invalid archive member name 'dir/a.o'");
}

// Two "models", each a function that uses the runtime, and a program calling both.
const char *kModelSource = R"(#include "strata_runtime.h"
static int body(int32_t task, void *closure) { ((int *)closure)[task] = task * FACTOR; return 0; }
int NAME(int *out, int n) {
  int *tmp = (int *)strata_aligned_alloc(sizeof(int) * n);
  if (!tmp) return 1;
  int status = strata_parallel_for(body, tmp, n);
  for (int i = 0; i < n; ++i) out[i] = tmp[i];
  strata_aligned_free(tmp);
  return status;
}
)";

const char *kMainSource = R"(#include <stdio.h>
int model_a(int *out, int n);
int model_b(int *out, int n);
int main(void) {
  int a[100], b[100];
  if (model_a(a, 100) || model_b(b, 100)) return 2;
  for (int i = 0; i < 100; ++i)
    if (a[i] != 2 * i || b[i] != 3 * i) return 3;
  printf("ok\n");
  return 0;
}
)";

// Builds a.a and b.a for `arch` with compiler `cc`, links them with main.c in both the
// ordinary way and with --whole-archive (which pulls in both runtime copies and would fail
// with "multiple definition" if the runtime's symbols were strong), and runs the programs.
void linkTwoModels(targets::Arch arch, const std::string &cc, const std::string &runPrefix) {
  strata::testing::ScratchDir dir("strata-archive-test");
  ASSERT_FALSE(dir.path().empty());
  strata::testing::writeFile(dir / "model.c", kModelSource);
  strata::testing::writeFile(dir / "main.c", kMainSource);
  auto runtime = aot::runtimeObjects(arch);
  ASSERT_TRUE(static_cast<bool>(runtime)) << llvm::toString(runtime.takeError());

  for (auto [name, factor] : {std::pair<std::string, int>{"a", 2}, {"b", 3}}) {
    std::string object = dir / (name + ".o");
    auto compile = runCommand(cc + " -O2 -fPIC -I" STRATA_RUNTIME_DIR " -DNAME=model_" + name +
                              " -DFACTOR=" + std::to_string(factor) + " -c " + (dir / "model.c") +
                              " -o " + object);
    ASSERT_EQ(compile.status, 0) << compile.output;
    auto buffer = llvm::MemoryBuffer::getFile(object);
    ASSERT_TRUE(static_cast<bool>(buffer));
    std::vector<aot::ArchiveMember> members = {
        {"model_" + name + ".o", std::vector<char>((*buffer)->getBufferStart(), (*buffer)->getBufferEnd())}};
    members.insert(members.end(), runtime->begin(), runtime->end());
    llvm::Error err = aot::writeStaticLibraryFile(dir / (name + ".a"), members);
    ASSERT_FALSE(static_cast<bool>(err)) << llvm::toString(std::move(err));
  }

  const std::string archives = (dir / "a.a") + " " + (dir / "b.a");
  for (const std::string &libs : {archives, "-Wl,--whole-archive " + archives + " -Wl,--no-whole-archive"}) {
    auto link = runCommand(cc + " " + (dir / "main.c") + " " + libs + " -lpthread -lm -o " + (dir / "prog"));
    ASSERT_EQ(link.status, 0) << "linking with " << libs << ":\n" << link.output;
    auto run = runCommand(runPrefix + (dir / "prog"));
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(run.output, "ok\n");
  }
}

TEST(ArchiveTest, TwoHostArchivesWithTheRuntimeLinkIntoOneProgram) {
  if (!strata::testing::haveProgram("cc")) GTEST_SKIP() << "no host C compiler (cc)";
  linkTwoModels(targets::Arch::X86_64, "cc", "");
}

TEST(ArchiveTest, TwoAArch64ArchivesLinkAndRunUnderQemu) {
  if (!strata::testing::haveProgram("aarch64-linux-gnu-gcc") ||
      !strata::testing::haveProgram("qemu-aarch64"))
    GTEST_SKIP() << "needs aarch64-linux-gnu-gcc and qemu-aarch64";
  // binfmt_misc is not mounted on these machines: always run qemu explicitly.
  linkTwoModels(targets::Arch::AArch64, "aarch64-linux-gnu-gcc",
                "qemu-aarch64 -L /usr/aarch64-linux-gnu ");
}

} // namespace
