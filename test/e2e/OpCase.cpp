//===- OpCase.cpp - running per-op end-to-end cases -----------------------===//
#include "test/e2e/OpCase.h"

#include "test/e2e/Harness.h"

#include <cctype>
#include <gtest/gtest.h>

namespace strata::testing {

void runOpCase(const OpCase &c) {
  // The test's own name is unique (several cases share an op name) and ctest runs cases in
  // parallel processes.
  std::string file = identifierOf(::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::string path = writeTempFile(file + ".json", c.model.dump());
  expectMatchesReference(path, c.atol, c.rtol);
}

void expectOpCaseOutputs(const OpCase &c, const std::vector<HostTensor> &inputs,
                         const std::vector<HostTensor> &expected) {
  std::string file = identifierOf(::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::string path = writeTempFile(file + ".json", c.model.dump());
  if (exportForDevice(path, withTestTarget({}), inputs, expected, c.atol, c.rtol))
    return;
  if (checkPtxInstead(path, withTestTarget({})))
    return;
  if (runEmulatedInstead(path, withTestTarget({}), inputs, expected, c.atol, c.rtol))
    return;
  auto exe = compile(path, withTestTarget({}));
  ASSERT_TRUE(exe.ok()) << exe.error();
  {
    SCOPED_TRACE("reference interpreter");
    expectClose(runReference(path, inputs), expected, c.atol, c.rtol);
  }
  {
    SCOPED_TRACE("compiled");
    expectClose(runCompiled(*exe, inputs), expected, c.atol, c.rtol);
  }
}

std::string opCaseTestName(const OpCase &c, size_t index) {
  return identifierOf(c.name + "_" + std::to_string(index));
}

} // namespace strata::testing
