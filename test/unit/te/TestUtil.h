// Helpers for TE tests: lower a pipeline, fill its inputs with deterministic data, run it in the
// evaluator and return the output values.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "dialects/te/Evaluate.h"
#include "dialects/te/Func.h"
#include "dialects/te/IRPrinter.h"
#include "lowering/te_to_loops/Lower.h"

namespace strata {
namespace te {
namespace testing {

/// A test fixture: each test makes its Funcs in a Context of its own, as a kernel lowering does.
class InContext : public ::testing::Test {
  Context names_;
};

/// A pipeline under test: its inputs and its single output.
struct Pipe {
  std::vector<Input> inputs;
  Func out;
  std::map<std::string, Func> funcs; // intermediates, by the name given in the builder
};

/// Deterministic, not-too-regular input data (exact in float32).
inline double input_value(size_t input, size_t i) {
  return double(int((i * 7 + input * 13) % 23) - 11) / 8.0;
}

struct RunResult {
  std::string error; // lowering or evaluation error
  std::vector<double> values;
  std::string ir;
};

inline RunResult run(const Pipe &p) {
  RunResult r;
  Result<LoweredFunc> f = lower({p.out});
  if (!f.ok()) {
    r.error = f.error();
    return r;
  }
  r.ir = to_string(f->body);
  std::map<std::string, HostBuffer *> bufs;
  std::vector<HostBuffer> storage(p.inputs.size() + 1);
  for (size_t k = 0; k < p.inputs.size(); k++) {
    size_t n = 1;
    for (int e : p.inputs[k].shape()) n *= size_t(e);
    storage[k] = HostBuffer(p.inputs[k].type(), n);
    for (size_t i = 0; i < n; i++) storage[k].data[i] = input_value(k, i);
    bufs[p.inputs[k].name()] = &storage[k];
  }
  size_t n = 1;
  for (int e : p.out.contents()->shape) n *= size_t(e);
  storage.back() = HostBuffer(p.out.type(), n, -12345.0);
  bufs[p.out.name()] = &storage.back();
  Status st = evaluate(f->body, bufs);
  if (!st.ok()) {
    r.error = st.message() + "\n" + r.ir;
    return r;
  }
  r.values = storage.back().data;
  return r;
}

/// Lowers build() unscheduled and scheduled by `schedule`, and expects bit-identical outputs.
inline void expect_same_as_unscheduled(const std::function<Pipe()> &build,
                                       const std::function<void(Pipe &)> &schedule) {
  Pipe plain = build();
  RunResult want = run(plain);
  ASSERT_EQ(want.error, "");
  Pipe scheduled = build();
  schedule(scheduled);
  RunResult got = run(scheduled);
  ASSERT_EQ(got.error, "");
  ASSERT_EQ(got.values.size(), want.values.size());
  for (size_t i = 0; i < want.values.size(); i++) {
    ASSERT_EQ(got.values[i], want.values[i]) << "at flat index " << i << "\nIR:\n" << got.ir;
  }
}

} // namespace testing
} // namespace te
} // namespace strata
