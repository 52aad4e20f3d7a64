//===- ThreadingTests.cpp - one Executable run from many threads at once --===//
//
// strata.h promises that an Executable may be run from several threads at
// once. Here 16 threads run one JIT-compiled model at the same time, each on
// its own input, while the runtime's thread pool runs the parallel loops; each
// result must be bit-equal to a single-threaded run of the same input. These
// tests carry the ctest label "threading": tools/run-tests.sh --sanitize thread
// runs them under ThreadSanitizer (which sees the runtime and the API, not the
// JIT-compiled kernels, which are not instrumented).
//
//===----------------------------------------------------------------------===//
#include "compiler/frontends/JsonReader.h"
#include "strata/strata.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

using namespace strata;

namespace {

const std::string kModels = STRATA_MODELS_DIR;
constexpr int kThreads = 16;
constexpr int kRunsPerThread = 3;

using Buffers = std::vector<std::vector<char>>;

/// Float inputs in [-1, 1) from `seed` (the models here take float32 only).
Buffers makeInputs(const Executable &exe, uint32_t seed) {
  Buffers inputs;
  for (const TensorInfo &info : exe.inputs()) {
    EXPECT_EQ(info.dtype, ElementType::Float32) << info.name;
    auto values = frontend::mulberry32Uniform(seed++, info.num_elements());
    inputs.emplace_back(info.num_bytes());
    std::memcpy(inputs.back().data(), values.data(), info.num_bytes());
  }
  return inputs;
}

Buffers run(const Executable &exe, const Buffers &inputs) {
  std::vector<const void *> in;
  for (const auto &b : inputs)
    in.push_back(b.data());
  Buffers outputs;
  std::vector<void *> out;
  for (const TensorInfo &info : exe.outputs())
    outputs.emplace_back(info.num_bytes());
  for (auto &b : outputs)
    out.push_back(b.data());
  Status s = exe.run(in.data(), out.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return outputs;
}

void expectSixteenThreadsMatchSerialRuns(const std::string &model, const CompileOptions &options) {
  auto exe = compile(kModels + "/" + model, options);
  ASSERT_TRUE(exe.ok()) << exe.error();
  std::vector<Buffers> inputs, expected;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(makeInputs(*exe, 100 + 10 * t));
    expected.push_back(run(*exe, inputs.back()));
  }
  // Different inputs give different outputs, so a run that read another thread's buffers
  // could not pass by chance.
  ASSERT_NE(expected[0], expected[1]);

  std::vector<std::vector<Buffers>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRunsPerThread; ++r)
        results[t].push_back(run(*exe, inputs[t]));
    });
  for (auto &th : threads)
    th.join();
  for (int t = 0; t < kThreads; ++t)
    for (int r = 0; r < kRunsPerThread; ++r)
      EXPECT_TRUE(results[t][r] == expected[t]) << "thread " << t << ", run " << r
                                                << ": the result differs from the serial run";
}

TEST(ThreadingTest, SixteenThreadsRunTheWakewordModelOnTheirOwnInputs) {
  CompileOptions o;
  o.num_threads = 4; // parallel loops on the pool while 16 callers share it
  expectSixteenThreadsMatchSerialRuns("wakeword_hello_deepa.onnx", o);
}

TEST(ThreadingTest, SixteenThreadsRunTheClsModelOnTheirOwnInputs) {
  CompileOptions o;
  o.num_threads = 4;
  o.input_shapes["x"] = {1, 3, 48, 192};
  expectSixteenThreadsMatchSerialRuns("ppocr_cls_mobilenetv3.onnx", o);
}

} // namespace
