//===- ThreadingTests.cpp - compiling and running from many threads -------===//
//
// strata.h promises that an Executable may be run from several threads at
// once. Here 16 threads run one JIT-compiled model at the same time, each on
// its own input, while the runtime's thread pool runs the parallel loops; each
// result must be bit-equal to a single-threaded run of the same input. A tuner
// compiles candidates concurrently in one process, so compiling must not
// depend on what else the process compiles: the same model compiled on 4
// threads at once gives the same TE and LLVM IR as compiled alone. These
// tests carry the ctest label "threading": tools/run-tests.sh --sanitize thread
// runs them under ThreadSanitizer (which sees the compiler, the runtime and
// the API, not the JIT-compiled kernels, which are not instrumented).
//
//===----------------------------------------------------------------------===//
#include "compiler/Pipeline.h"
#include "compiler/frontends/JsonReader.h"
#include "strata/strata.h"

#include <gtest/gtest.h>

#include <algorithm>
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

/// The cls model compiled up to `stage` (TE: every Func's name and definition; or LLVM IR).
std::string emit(EmitStage stage) {
  PipelineOptions o;
  o.target = llvm::cantFail(targets::parseTarget("x86-64-avx2"));
  o.import.inputShapes["x"] = {1, 3, 48, 192};
  o.emit = stage;
  std::string text;
  llvm::raw_string_ostream os(text);
  o.emitStream = &os;
  auto compiled = compileModel(kModels + "/ppocr_cls_mobilenetv3.onnx", o);
  EXPECT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  return text;
}

/// The first line of `got` that differs from `want`.
std::string firstDifference(const std::string &got, const std::string &want) {
  size_t at = std::mismatch(got.begin(), got.end(), want.begin(), want.end()).first - got.begin();
  size_t begin = got.rfind('\n', at == 0 ? 0 : at - 1);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return got.substr(begin, got.find('\n', at) - begin);
}

// A tuner compiles candidates on several threads of one process; each must get the code it
// would get alone (DeterminismTest in ModelTests.cpp compiles one model twice in a row).
TEST(ThreadingTest, FourThreadsCompilingAtOnceGetTheCodeOfOneCompile) {
  for (EmitStage stage : {EmitStage::TE, EmitStage::LLVM}) {
    std::string want = emit(stage);
    ASSERT_FALSE(want.empty());
    std::vector<std::string> got(4);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < got.size(); ++t)
      threads.emplace_back([&, t] { got[t] = emit(stage); });
    for (auto &th : threads)
      th.join();
    for (size_t t = 0; t < got.size(); ++t)
      EXPECT_TRUE(got[t] == want) << "thread " << t << " compiled other code, first at:\n"
                                  << firstDifference(got[t], want);
  }
}

} // namespace
