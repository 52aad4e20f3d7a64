//===- Measure.cpp --------------------------------------------------------===//
#include "compiler/tuning/Measure.h"

#include "compiler/conformance/ChildProcess.h"
#include "strata/strata.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace strata::tuning {

namespace {

using Clock = std::chrono::steady_clock;

/// Holds an exclusive flock on a file for its lifetime (nothing for an empty path).
class TimingLock {
public:
  explicit TimingLock(const std::string &path) {
    if (path.empty())
      return;
    fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0644);
    if (fd >= 0)
      ::flock(fd, LOCK_EX);
  }
  ~TimingLock() {
    if (fd >= 0) {
      ::flock(fd, LOCK_UN);
      ::close(fd);
    }
  }

private:
  int fd = -1;
};

/// Evicts this core's private caches (L1, L2) by reading over a buffer twice their size; what
/// the kernel left there goes, what it finds in the shared cache stays, as in a model run.
class CacheScrubber {
public:
  CacheScrubber() {
    long l2 = ::sysconf(_SC_LEVEL2_CACHE_SIZE);
    size_t bytes = 2 * (size_t)(l2 > 0 ? std::min(l2, 4l << 20) : 1l << 20);
    lines.assign(bytes / sizeof(uint64_t), 1);
  }
  void operator()() {
    uint64_t sum = 0;
    for (size_t i = 0; i < lines.size(); i += 64 / sizeof(uint64_t))
      sum += lines[i];
    sink = sum;
  }

private:
  std::vector<uint64_t> lines;
  volatile uint64_t sink = 0;
};

/// The task module with `s` on its kernel, in a temporary file.
llvm::Expected<std::string> writeCandidate(const Task &task, const schedules::Schedule &s) {
  auto text = withSchedule(task.module, s);
  if (!text)
    return text.takeError();
  llvm::SmallString<128> path;
  int fd;
  if (auto ec = llvm::sys::fs::createTemporaryFile("strata-tune", "mlir", fd, path))
    return llvm::createStringError(ec, "cannot create a temporary file: " + ec.message());
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << *text;
  return std::string(path);
}

/// Seeded inputs: floats uniform in [-1, 1), everything else zero (valid indices).
std::vector<std::vector<uint8_t>> makeInputs(const Executable &exe) {
  std::mt19937 rng(20261126);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<std::vector<uint8_t>> inputs;
  for (const TensorInfo &t : exe.inputs()) {
    std::vector<uint8_t> bytes(t.num_bytes(), 0);
    if (t.dtype == ElementType::Float32)
      for (int64_t i = 0; i < t.num_elements(); ++i) {
        float v = uniform(rng);
        std::memcpy(bytes.data() + 4 * i, &v, 4);
      }
    inputs.push_back(std::move(bytes));
  }
  return inputs;
}

struct Buffers {
  std::vector<std::vector<uint8_t>> outputs;
  std::vector<const void *> in;
  std::vector<void *> out;
  Buffers(const Executable &exe, const std::vector<std::vector<uint8_t>> &inputs) {
    for (const auto &b : inputs)
      in.push_back(b.data());
    for (const TensorInfo &t : exe.outputs())
      outputs.emplace_back(t.num_bytes(), 0);
    for (auto &b : outputs)
      out.push_back(b.data());
  }
};

/// "" when `actual` matches `expected` (same element types), else where it does not.
std::string compareOutputs(const Executable &exe, const Buffers &actual, const Buffers &expected) {
  for (size_t o = 0; o < exe.outputs().size(); ++o) {
    const TensorInfo &t = exe.outputs()[o];
    const uint8_t *a = actual.outputs[o].data(), *e = expected.outputs[o].data();
    if (t.dtype != ElementType::Float32) {
      if (std::memcmp(a, e, t.num_bytes()) != 0)
        return "output " + std::to_string(o) + " differs from the default schedule's";
      continue;
    }
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      float x, y;
      std::memcpy(&x, a + 4 * i, 4);
      std::memcpy(&y, e + 4 * i, 4);
      bool same = std::isnan(x) ? std::isnan(y) : std::fabs(x - y) <= 1e-4 + 1e-3 * std::fabs(y);
      if (!same)
        return "output " + std::to_string(o) + " element " + std::to_string(i) + " is " +
               std::to_string(x) + ", the default schedule gives " + std::to_string(y);
    }
  }
  return "";
}

Record baseRecord(const Task &task, const schedules::Schedule &s, const MeasureOptions &o) {
  Record r;
  r.strataVersion = STRATA_VERSION;
  r.workload = task.workload;
  if (auto t = targets::parseTarget(o.target))
    r.target = TargetKey::of(*t);
  else
    llvm::consumeError(t.takeError());
  r.threads = o.threads;
  r.hotCache = !o.scrubCaches;
  r.schedule = s;
  r.host = hostName();
  r.date = utcNow();
  return r;
}

/// A deterministic stand-in for a time: the roofline estimate scaled by a hash of the schedule.
double simulatedMs(const Task &task, const schedules::Schedule &s) {
  uint64_t h = 1469598103934665603ull;
  for (char c : task.workload + "|" + s.str())
    h = (h ^ (uint8_t)c) * 1099511628211ull;
  return std::max(task.estimatedMs, 1e-3) * (0.5 + (double)(h % 1000) / 1000.0);
}

} // namespace

Record measureHere(const Task &task, const schedules::Schedule &s, const MeasureOptions &o,
                   bool check) {
  Record r = baseRecord(task, s, o);
  auto fail = [&](MeasureError e, std::string why) {
    r.error = e;
    r.errorMessage = std::move(why);
    r.samplesMs.clear();
    return r;
  };
  auto target = targets::parseTarget(o.target);
  if (!target)
    return fail(MeasureError::Invalid, llvm::toString(target.takeError()));
  if (llvm::Error err = schedules::verify(s, task.w, *target, task.kernelName))
    return fail(MeasureError::Invalid, llvm::toString(std::move(err)));
  // Test hook: STRATA_TUNE_INJECT=crash|hang|wrong makes every candidate but the default
  // misbehave that way, so that tests can check a sweep survives it.
  if (const char *inject = std::getenv("STRATA_TUNE_INJECT"); inject && !(s == task.defaultSchedule)) {
    if (std::string(inject) == "crash")
      std::abort();
    if (std::string(inject) == "hang")
      for (;;)
        ::pause();
    if (std::string(inject) == "wrong")
      return fail(MeasureError::WrongResult, "injected by STRATA_TUNE_INJECT");
  }
  if (o.simulate) {
    r.samplesMs.assign(std::max(o.samples, 1), simulatedMs(task, s));
    return r;
  }
  auto path = writeCandidate(task, s);
  if (!path)
    return fail(MeasureError::CompileError, llvm::toString(path.takeError()));
  CompileOptions co;
  co.target = o.target;
  co.num_threads = o.threads;
  auto exe = compile(*path, co);
  llvm::sys::fs::remove(*path);
  if (!exe.ok())
    return fail(MeasureError::CompileError, exe.error());
  auto inputs = makeInputs(*exe);
  Buffers buffers(*exe, inputs);
  auto runOnce = [&]() { return exe->run(buffers.in, buffers.out); };
  {
    TimingLock lock(o.lockPath);
    if (Status st = runOnce(); !st.ok()) // also warms the code, page tables and thread pool
      return fail(MeasureError::RunError, st.message());
    CacheScrubber scrub;
    // One run, as every timed run: scrubbed (or not) first, timed alone.
    auto timedRun = [&] {
      if (o.scrubCaches)
        scrub();
      auto t0 = Clock::now();
      runOnce();
      return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    };
    int runsPerSample = std::max(1, (int)std::ceil(o.minSampleMs / std::max(timedRun(), 1e-4)));
    for (int k = 0; k < std::max(o.samples, 1); ++k) {
      double ms = 0;
      if (o.scrubCaches) {
        for (int i = 0; i < runsPerSample; ++i)
          ms += timedRun();
      } else { // back to back: one clock reading for the whole sample
        auto t0 = Clock::now();
        for (int i = 0; i < runsPerSample; ++i)
          runOnce();
        ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      }
      r.samplesMs.push_back(std::max(ms / runsPerSample, 1e-6));
    }
  }
  if (check) {
    auto refPath = writeCandidate(task, task.defaultSchedule);
    if (!refPath)
      return fail(MeasureError::CompileError, llvm::toString(refPath.takeError()));
    auto ref = compile(*refPath, co);
    llvm::sys::fs::remove(*refPath);
    if (!ref.ok())
      return fail(MeasureError::CompileError, "the default schedule: " + ref.error());
    Buffers expected(*ref, inputs);
    if (Status st = ref->run(expected.in, expected.out); !st.ok())
      return fail(MeasureError::RunError, "the default schedule: " + st.message());
    if (std::string diff = compareOutputs(*exe, buffers, expected); !diff.empty())
      return fail(MeasureError::WrongResult, diff);
  }
  return r;
}

std::vector<Record> measureInChildren(const std::vector<Candidate> &candidates,
                                      const MeasureOptions &o, int jobs, bool check) {
  std::vector<Record> records(candidates.size());
  conformance::runInChildren(
      candidates.size(), std::max(jobs, 1), o.timeoutSeconds,
      [&](size_t i) {
        return toJsonLine(measureHere(*candidates[i].task, candidates[i].schedule, o, check));
      },
      [&](size_t i, conformance::ChildResult result) {
        if (result.completed) {
          if (auto r = parseRecord(result.output)) {
            records[i] = std::move(*r);
            return;
          } else {
            result.failure = "unreadable result: " + llvm::toString(r.takeError());
          }
        }
        Record r = baseRecord(*candidates[i].task, candidates[i].schedule, o);
        r.error = result.failure.rfind("timed out", 0) == 0 ? MeasureError::Timeout
                                                             : MeasureError::Crash;
        r.errorMessage = result.failure;
        records[i] = std::move(r);
      });
  return records;
}

} // namespace strata::tuning
