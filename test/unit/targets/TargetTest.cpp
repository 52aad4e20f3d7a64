// Tests of target parsing and descriptions.
#include <gtest/gtest.h>

#include "llvm/Target/TargetMachine.h"
#include "targets/Target.h"

using namespace strata::targets;

namespace {

TEST(TargetTest, ParsesEveryValidName) {
  for (const std::string &name : validTargetNames()) {
    auto target = parseTarget(name);
    ASSERT_TRUE(static_cast<bool>(target)) << llvm::toString(target.takeError());
    EXPECT_EQ(target->name, name);
    auto tm = target->createTargetMachine();
    ASSERT_TRUE(static_cast<bool>(tm)) << llvm::toString(tm.takeError());
    EXPECT_EQ((*tm)->getTargetTriple().str(), target->triple);
  }
}

TEST(TargetTest, VectorWidths) {
  EXPECT_EQ(llvm::cantFail(parseTarget("x86-64")).vectorLanesF32, 4);
  EXPECT_EQ(llvm::cantFail(parseTarget("x86-64-avx2")).vectorLanesF32, 8);
  EXPECT_EQ(llvm::cantFail(parseTarget("x86-64-avx512")).vectorLanesF32, 16);
  Target arm = llvm::cantFail(parseTarget("aarch64"));
  EXPECT_EQ(arm.vectorLanesF32, 4);
  EXPECT_EQ(arm.arch, Arch::AArch64);
  EXPECT_EQ(arm.triple, "aarch64-unknown-linux-gnu");
  EXPECT_TRUE(arm.hasFeature("neon"));
  EXPECT_TRUE(llvm::cantFail(parseTarget("x86-64-avx512")).hasFeature("avx512f"));
  EXPECT_FALSE(llvm::cantFail(parseTarget("x86-64-avx2")).hasFeature("avx512f"));
}

TEST(TargetTest, HostIsDetected) {
  Target host = llvm::cantFail(parseTarget("host"));
  EXPECT_FALSE(host.cpu.empty());
  EXPECT_GE(host.cores, 1);
  EXPECT_GT(host.l1CacheBytes, 0);
  EXPECT_GE(host.l2CacheBytes, host.l1CacheBytes);
  EXPECT_TRUE(host.vectorLanesF32 == 4 || host.vectorLanesF32 == 8 || host.vectorLanesF32 == 16);
  EXPECT_EQ(host.vectorLanesF32 == 16, host.hasFeature("avx512f"));
  EXPECT_FALSE(static_cast<bool>(host.checkRunsOnHost()));
}

TEST(TargetTest, UnknownNameListsValidOnes) {
  auto target = parseTarget("foo");
  ASSERT_FALSE(static_cast<bool>(target));
  EXPECT_EQ(llvm::toString(target.takeError()),
            "unknown target 'foo' (valid: host, x86-64, x86-64-avx2, x86-64-avx512, aarch64, opencl, cuda-sm80, cuda-sm90)");
  auto empty = parseTarget("");
  ASSERT_FALSE(static_cast<bool>(empty));
  EXPECT_NE(llvm::toString(empty.takeError()).find("unknown target ''"), std::string::npos);
}

TEST(TargetTest, CrossTargetCannotRunOnHost) {
  Target arm = llvm::cantFail(parseTarget("aarch64"));
  llvm::Error err = arm.checkRunsOnHost();
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("target 'aarch64' (aarch64-unknown-linux-gnu) "
                                                "cannot run on this host"),
            std::string::npos);
}

TEST(TargetTest, MissingFeaturesAreNamed) {
  Target avx512 = llvm::cantFail(parseTarget("x86-64-avx512"));
  if (hostTarget().hasFeature("avx512f")) GTEST_SKIP() << "host has AVX-512";
  llvm::Error err = avx512.checkRunsOnHost();
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("lacks avx512bw"), std::string::npos);
}

} // namespace
