//===- SearchTest.cpp - tasks, trial allocation and the search ------------===//
#include "compiler/tuning/Search.h"
#include "compiler/tuning/Tuner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <set>
#include <tuple>

using namespace strata;
using namespace strata::tuning;

namespace {

/// A conv (blocked) followed by a matmul by a constant: three tasks with spaces of different sizes.
std::vector<Task> smallModelTasks() {
  std::string path = ::testing::TempDir() + "/" + std::to_string(::getpid()) + "_tasks.json";
  std::ofstream(path) << R"({"opset": 17,
    "inputs": [{"name": "x", "shape": [1, 16, 10, 12], "dtype": "float32"},
               {"name": "a", "shape": [9, 40], "dtype": "float32"}],
    "nodes": [{"op": "Conv", "inputs": ["x", "w"], "outputs": ["y"], "attrs": {"pads": [1, 1, 1, 1]}},
              {"op": "MatMul", "inputs": ["a", "b"], "outputs": ["m"], "attrs": {}}],
    "outputs": ["y", "m"],
    "initializers": {"w": {"shape": [16, 16, 3, 3], "random": {"seed": 1, "min": -1, "max": 1}},
                     "b": {"shape": [40, 64], "random": {"seed": 2, "min": -1, "max": 1}}}})";
  PipelineOptions po;
  po.target = *targets::parseTarget("x86-64-avx2");
  auto tasks = extractTasks(path, po);
  EXPECT_TRUE((bool)tasks) << (tasks ? "" : llvm::toString(tasks.takeError()));
  return tasks ? std::move(*tasks) : std::vector<Task>{};
}

TEST(Tasks, OneTaskPerWorkloadWithItsSpace) {
  std::vector<Task> tasks = smallModelTasks();
  ASSERT_GE(tasks.size(), 3u);
  std::set<std::string> keys;
  for (const Task &t : tasks) {
    EXPECT_TRUE(keys.insert(t.workload).second) << "duplicate task " << t.workload;
    EXPECT_GE(t.count, 1);
    EXPECT_GT(t.spaceSize, 0) << t.workload;
    EXPECT_NE(t.module.find("func.func @main"), std::string::npos);
    EXPECT_EQ(t.module.find("schedule"), std::string::npos) << "the task's kernel has no schedule";
    auto space = schedules::enumerateSpace(t.w, *targets::parseTarget("x86-64-avx2"), 1 << 20);
    EXPECT_EQ((int64_t)space.size(), t.spaceSize);
    EXPECT_NE(std::find(space.begin(), space.end(), t.defaultSchedule), space.end())
        << t.defaultSchedule.str() << " is outside its own space";
  }
  EXPECT_TRUE(std::is_sorted(tasks.begin(), tasks.end(),
                             [](const Task &a, const Task &b) { return a.workload < b.workload; }));
}

TEST(AllocateTrials, SharesByWeightWithinEachSpace) {
  std::vector<Task> tasks = smallModelTasks();
  int64_t spaces = 0;
  for (const Task &t : tasks)
    spaces += t.spaceSize;
  for (int total : {1, (int)tasks.size(), 50, 200, (int)spaces + 100}) {
    std::vector<int> a = allocateTrials(tasks, total);
    EXPECT_EQ(a, allocateTrials(tasks, total)) << "deterministic";
    int sum = std::accumulate(a.begin(), a.end(), 0);
    EXPECT_EQ(sum, (int)std::min<int64_t>(total, spaces)) << "total " << total;
    for (size_t i = 0; i < tasks.size(); ++i) {
      EXPECT_LE(a[i], tasks[i].spaceSize);
      if (total >= (int)tasks.size())
        EXPECT_GE(a[i], 1) << "every task measures its default";
    }
  }
}

TEST(Search, DeterministicNovelValidAndExhaustive) {
  std::vector<Task> tasks = smallModelTasks();
  targets::Target t = *targets::parseTarget("x86-64-avx2");
  for (const Task &task : tasks) {
    Search a(task, t, 7), b(task, t, 7);
    std::set<std::string> seen;
    bool first = true;
    while (true) {
      auto xs = a.next(5), ys = b.next(5);
      ASSERT_EQ(xs.size(), ys.size());
      if (xs.empty())
        break;
      for (size_t i = 0; i < xs.size(); ++i) {
        EXPECT_EQ(xs[i].str(), ys[i].str()) << "same seed, same candidates";
        EXPECT_TRUE(seen.insert(xs[i].str()).second) << "proposed twice: " << xs[i].str();
        EXPECT_FALSE((bool)schedules::verify(xs[i], task.w, t, "k"));
        if (first)
          EXPECT_EQ(xs[i], task.defaultSchedule) << "the default comes first";
        first = false;
        // Fake times: the search breeds from what it measured.
        Record r;
        r.workload = task.workload;
        r.schedule = xs[i];
        r.samplesMs = {1.0 + (double)(std::hash<std::string>()(xs[i].str()) % 100)};
        a.observe(r);
        b.observe(r);
      }
    }
    EXPECT_EQ((int64_t)seen.size(), task.spaceSize) << task.workload;
    EXPECT_TRUE(a.exhausted());
  }
}

} // namespace

namespace {

/// The conv2d_blocked task of a 3x3 conv with `width` output columns, compiled for AVX-512
/// (channel blocks of 16).
Task blockedConvTask(int width) {
  std::string path = ::testing::TempDir() + "/" + std::to_string(::getpid()) + "_conv" +
                     std::to_string(width) + ".json";
  std::ofstream(path) << R"({"opset": 17,
    "inputs": [{"name": "x", "shape": [1, 64, 16, )" << width << R"(], "dtype": "float32"}],
    "nodes": [{"op": "Conv", "inputs": ["x", "w"], "outputs": ["y"], "attrs": {"pads": [1, 1, 1, 1]}}],
    "outputs": ["y"],
    "initializers": {"w": {"shape": [64, 64, 3, 3], "random": {"seed": 1, "min": -1, "max": 1}}}})";
  PipelineOptions po;
  po.target = *targets::parseTarget("x86-64-avx512");
  auto tasks = extractTasks(path, po);
  EXPECT_TRUE((bool)tasks) << (tasks ? "" : llvm::toString(tasks.takeError()));
  if (tasks)
    for (Task &t : *tasks)
      if (t.defaultSchedule.templateName == "conv2d_blocked")
        return t;
  ADD_FAILURE() << "no conv2d_blocked task";
  return {};
}

} // namespace

// Where a core starts one 512-bit FMA per cycle (Zen 4), a default tile is one channel block x
// up to 14 columns with kx rolled; with two per cycle, or under 4 columns, the usual blocks.
TEST(Defaults, ConvTilesFollowTheFmaRate) {
  Task task = blockedConvTask(16);
  ASSERT_FALSE(task.workload.empty());
  targets::Target zen4 = *targets::parseTarget("x86-64-avx512");
  zen4.vectorFmasPerCycle = 1;
  schedules::Schedule one = schedules::defaultSchedule(task.w, zen4);
  EXPECT_EQ(one["oc_block"], 1) << one.str();
  EXPECT_EQ(one["ow_block"], 8) << one.str(); // 2 tiles of 8 columns (14 + 2 costs more)
  EXPECT_EQ(one["unroll_kw"], 0) << one.str();

  schedules::Schedule usual = schedules::defaultSchedule(task.w, *targets::parseTarget("x86-64-avx512"));
  EXPECT_GT(usual["oc_block"], 1) << usual.str();
  EXPECT_EQ(usual["unroll_kw"], 1) << usual.str();

  Task narrow = blockedConvTask(3);
  ASSERT_FALSE(narrow.workload.empty());
  EXPECT_GT(schedules::defaultSchedule(narrow.w, zen4)["oc_block"], 1)
      << "3 columns of one block are 3 accumulators, too few to hide the FMA latency";
}

namespace {

/// The tasks of a GlobalAveragePool over `h` x `w` and a Relu, compiled for OpenCL.
std::vector<Task> gpuReduceTasks(int h, int w) {
  std::string path = ::testing::TempDir() + "/" + std::to_string(::getpid()) + "_gap" + std::to_string(h) +
                     "x" + std::to_string(w) + ".json";
  std::ofstream(path) << R"({"opset": 17,
    "inputs": [{"name": "x", "shape": [1, 8, )" << h << ", " << w << R"(], "dtype": "float32"}],
    "nodes": [{"op": "Relu", "inputs": ["x"], "outputs": ["r"]},
              {"op": "Exp", "inputs": ["r"], "outputs": ["e"]},
              {"op": "GlobalAveragePool", "inputs": ["x"], "outputs": ["y"]}],
    "outputs": ["e", "y"]})";
  PipelineOptions po;
  po.target = *targets::parseTarget("opencl");
  auto tasks = extractTasks(path, po);
  EXPECT_TRUE((bool)tasks) << (tasks ? "" : llvm::toString(tasks.takeError()));
  return tasks ? std::move(*tasks) : std::vector<Task>{};
}

} // namespace

TEST(Defaults, SmallGpuReductionsFoldInTheirWorkItem) {
  // Up to kGpuThreadReductionMax (4096) elements a point: one launch; more: lanes across
  // work-items. Kernels without a reduction have no choice to tune.
  for (auto [h, w, inThread] : {std::tuple{64, 64, 1}, std::tuple{64, 65, 0}}) {
    std::vector<Task> tasks = gpuReduceTasks(h, w);
    int reductions = 0;
    for (const Task &t : tasks) {
      const schedules::Schedule &s = t.defaultSchedule;
      ASSERT_EQ(s.templateName, "gpu_simt") << s.str();
      if (t.w.anchor == "reduce_mean") {
        ++reductions;
        EXPECT_EQ(s["helpers_in_thread"], inThread) << h << "x" << w << ": " << s.str();
      } else {
        EXPECT_EQ(s["helpers_in_thread"], 0) << s.str();
        const schedules::TemplateSpec *spec = schedules::findTemplate("gpu_simt");
        for (const schedules::KnobSpec &k : spec->knobs)
          if (k.name == "helpers_in_thread")
            EXPECT_EQ(k.values(t.w, *targets::parseTarget("opencl")), std::vector<int64_t>{0});
      }
    }
    EXPECT_EQ(reductions, 1);
  }
}
