// Tests of the C runtime: thread pool, errors, aligned allocation.
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "runtime/strata_runtime.h"

namespace {

// Restores the default thread count after each test so tests stay independent.
class RuntimeTest : public ::testing::Test {
protected:
  void TearDown() override { strata_set_num_threads(0); }
};

struct Counters {
  std::vector<std::atomic<int>> hits;
  explicit Counters(int n) : hits(n) {}
};

int countTask(int32_t task, void *closure) {
  static_cast<Counters *>(closure)->hits[task].fetch_add(1);
  return 0;
}

TEST_F(RuntimeTest, ParallelForRunsEveryTaskExactlyOnce) {
  for (int threads : {1, 2, 4, 7}) {
    strata_set_num_threads(threads);
    for (int n : {1, 2, 3, 100, 10000}) {
      Counters counters(n);
      ASSERT_EQ(strata_parallel_for(countTask, &counters, n), 0);
      for (int i = 0; i < n; ++i)
        ASSERT_EQ(counters.hits[i].load(), 1) << "task " << i << " threads " << threads;
    }
  }
}

TEST_F(RuntimeTest, ParallelForWithNoTasksIsANoOp) {
  EXPECT_EQ(strata_parallel_for(countTask, nullptr, 0), 0);
  EXPECT_EQ(strata_parallel_for(countTask, nullptr, -5), 0);
}

TEST_F(RuntimeTest, NullBodyIsAnError) {
  EXPECT_EQ(strata_parallel_for(nullptr, nullptr, 4), STRATA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(strata_last_error()).find("null body"), std::string::npos);
}

TEST_F(RuntimeTest, UsesSeveralThreads) {
  strata_set_num_threads(4);
  struct State {
    std::mutex mutex;
    std::set<std::thread::id> ids;
    std::atomic<int> arrived{0};
  } state;
  // Every task waits (bounded) until two tasks are in flight at once, which can only happen
  // when the pool really runs tasks on more than one thread.
  auto body = [](int32_t, void *closure) -> int {
    auto *s = static_cast<State *>(closure);
    s->arrived.fetch_add(1);
    for (int spin = 0; spin < 2000 && s->arrived.load() < 2; ++spin)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    std::lock_guard<std::mutex> lock(s->mutex);
    s->ids.insert(std::this_thread::get_id());
    return 0;
  };
  ASSERT_EQ(strata_parallel_for(body, &state, 8), 0);
  EXPECT_GE(state.ids.size(), 2u);
}

TEST_F(RuntimeTest, ReturnsStatusOfLowestFailingTask) {
  strata_set_num_threads(4);
  auto body = [](int32_t task, void *) -> int {
    if (task == 37) return strata_set_error(STRATA_ERROR_SHAPE, "task %d saw a bad shape", task);
    if (task == 90) return STRATA_ERROR_INTERNAL;
    return 0;
  };
  int status = strata_parallel_for(body, nullptr, 100);
  // Task 90 may not run at all (tasks after a failure are skipped); if it ran, 37 still wins.
  EXPECT_EQ(status, STRATA_ERROR_SHAPE);
  // The message was recorded on whichever thread ran task 37 and is handed to the caller.
  EXPECT_STREQ(strata_last_error(), "task 37 saw a bad shape");
}

TEST_F(RuntimeTest, FailureWithoutMessageGetsADefaultOne) {
  strata_set_num_threads(3);
  auto body = [](int32_t task, void *) -> int { return task == 5 ? STRATA_ERROR_KERNEL : 0; };
  EXPECT_EQ(strata_parallel_for(body, nullptr, 10), STRATA_ERROR_KERNEL);
  EXPECT_STREQ(strata_last_error(), "parallel task 5 failed: kernel failed");
}

TEST_F(RuntimeTest, SerialFailureStopsAtFirstFailingTask) {
  strata_set_num_threads(1);
  std::atomic<int> ran{0};
  auto body = [](int32_t task, void *closure) -> int {
    static_cast<std::atomic<int> *>(closure)->fetch_add(1);
    return task == 3 ? 42 : 0;
  };
  EXPECT_EQ(strata_parallel_for(body, &ran, 10), 42);
  EXPECT_EQ(ran.load(), 4);
}

struct NestedState {
  std::atomic<int> inner{0};
};

int innerTask(int32_t, void *closure) {
  static_cast<NestedState *>(closure)->inner.fetch_add(1);
  return 0;
}

int outerTask(int32_t, void *closure) {
  return strata_parallel_for(innerTask, closure, 10);
}

TEST_F(RuntimeTest, NestedParallelForRunsSerially) {
  strata_set_num_threads(4);
  NestedState state;
  ASSERT_EQ(strata_parallel_for(outerTask, &state, 16), 0);
  EXPECT_EQ(state.inner.load(), 160);
}

TEST_F(RuntimeTest, ConcurrentCallersFromSeveralHostThreads) {
  strata_set_num_threads(3);
  constexpr int kCallers = 6, kJobs = 50, kTasks = 64;
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&] {
      for (int job = 0; job < kJobs; ++job) {
        Counters counters(kTasks);
        if (strata_parallel_for(countTask, &counters, kTasks) != 0) failures++;
        for (int i = 0; i < kTasks; ++i)
          if (counters.hits[i].load() != 1) failures++;
      }
    });
  }
  for (std::thread &t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(RuntimeTest, ParallelForWorksInAForkedChild) {
  // The parent's pool exists before the fork; its workers do not survive into the child.
  strata_set_num_threads(4);
  Counters warmup(64);
  ASSERT_EQ(strata_parallel_for(countTask, &warmup, 64), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(20); // a hang in the child must not hang the test
    Counters counters(1000);
    int status = strata_parallel_for(countTask, &counters, 1000);
    for (int i = 0; i < 1000; ++i)
      if (counters.hits[i].load() != 1) status = 99;
    _exit(status);
  }
  int waitStatus = 0;
  ASSERT_EQ(waitpid(child, &waitStatus, 0), child);
  ASSERT_TRUE(WIFEXITED(waitStatus)) << "child died (hung and killed by alarm?)";
  EXPECT_EQ(WEXITSTATUS(waitStatus), 0);
}

TEST_F(RuntimeTest, SetNumThreads) {
  int previous = strata_set_num_threads(5);
  EXPECT_GE(previous, 1);
  EXPECT_EQ(strata_get_num_threads(), 5);
  EXPECT_EQ(strata_set_num_threads(2), 5);
  EXPECT_EQ(strata_get_num_threads(), 2);
  // Resizing between jobs keeps working.
  Counters counters(1000);
  ASSERT_EQ(strata_parallel_for(countTask, &counters, 1000), 0);
  strata_set_num_threads(6);
  Counters more(1000);
  ASSERT_EQ(strata_parallel_for(countTask, &more, 1000), 0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(more.hits[i].load(), 1);
}

TEST_F(RuntimeTest, DefaultThreadCountComesFromEnvironment) {
  strata_set_num_threads(0);
  setenv("STRATA_NUM_THREADS", "3", 1);
  EXPECT_EQ(strata_get_num_threads(), 3);
  setenv("STRATA_NUM_THREADS", "garbage", 1);
  EXPECT_GE(strata_get_num_threads(), 1);
  unsetenv("STRATA_NUM_THREADS");
  EXPECT_EQ(strata_get_num_threads(), static_cast<int>(std::thread::hardware_concurrency()));
}

TEST_F(RuntimeTest, AlignedAlloc) {
  for (size_t size : {size_t(0), size_t(1), size_t(63), size_t(64), size_t(1000), size_t(1) << 20}) {
    void *p = strata_aligned_alloc(size);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % STRATA_ALIGNMENT, 0u);
    strata_aligned_free(p);
  }
  strata_aligned_free(nullptr);
}

TEST_F(RuntimeTest, AllocationFailureSetsError) {
  EXPECT_EQ(strata_aligned_alloc(SIZE_MAX - 10), nullptr);
  EXPECT_NE(std::string(strata_last_error()).find("too large"), std::string::npos);
}

TEST_F(RuntimeTest, ErrorsAreThreadLocal) {
  strata_set_error(STRATA_ERROR_SHAPE, "main thread %d", 1);
  std::string other;
  std::thread([&] {
    other = strata_last_error();
    strata_set_error(STRATA_ERROR_GPU_DRIVER, "worker");
  }).join();
  EXPECT_EQ(other, "");
  EXPECT_STREQ(strata_last_error(), "main thread 1");
  strata_clear_error();
  EXPECT_STREQ(strata_last_error(), "");
}

TEST_F(RuntimeTest, StatusStrings) {
  EXPECT_STREQ(strata_status_string(STRATA_OK), "ok");
  EXPECT_STREQ(strata_status_string(STRATA_ERROR_OUT_OF_MEMORY), "out of memory");
  EXPECT_STREQ(strata_status_string(12345), "unknown status");
}

} // namespace
