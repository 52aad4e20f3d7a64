//===- Search.h - evolutionary search over one task's knob space ----------===//
//
// The space is the registry's: the task's default template, each knob's valid
// values, its constraints (schedules::verify). The first candidate is the
// default schedule; then proposals are mutations (one knob moved to a
// neighbouring or a random value) and crossovers (each knob from one of two
// parents) of the best schedules measured so far, and random samples. Once
// the task has enough measurements, a cost model (CostModel.h, on the
// features of the lowered loop nest) trained on them ranks a pool of
// proposals and the batch takes the best predicted, plus a share epsilon
// picked at random from the rest (exploration). A search depends only on its
// seed and on its own task's measurements, so tasks tuned on different
// machines (shards) search exactly as they would in one run.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/tuning/CostModel.h"
#include "compiler/tuning/Features.h"
#include "compiler/tuning/Tasks.h"
#include "compiler/tuning/TuningLog.h"

#include <map>
#include <random>
#include <set>

namespace strata::tuning {

class Search {
public:
  Search(const Task &task, const targets::Target &target, uint64_t seed);

  /// Up to `n` schedules never measured (nor proposed) before; fewer when the space runs out.
  std::vector<schedules::Schedule> next(int n);
  /// A measurement of this task (from this run or an earlier log).
  void observe(const Record &r);

  /// The fastest successful record so far, or null.
  const Record *best() const { return bestRecord.ok() ? &bestRecord : nullptr; }
  /// Schedules measured or proposed (each counts against the task's trials).
  size_t tried() const { return seen.size(); }
  bool exhausted() const { return (int64_t)seen.size() >= task.spaceSize; }
  /// The cost model's features of a schedule of this task (empty if it cannot be lowered here).
  std::vector<float> featuresOf(const schedules::Schedule &s);

private:
  schedules::Schedule random();
  schedules::Schedule mutate(const schedules::Schedule &s);
  schedules::Schedule crossover(const schedules::Schedule &a, const schedules::Schedule &b);
  bool valid(const schedules::Schedule &s) const;
  /// Proposes one unseen valid schedule (marked seen), or false when none is found.
  bool proposeOne(std::vector<schedules::Schedule> &out);
  /// Retrains the model on everything observed, when there is news and enough of it.
  void train();

  const Task &task;
  targets::Target target;
  const schedules::TemplateSpec &spec;
  std::vector<std::vector<int64_t>> values; // per knob, ascending
  std::mt19937_64 rng;
  std::set<std::string> seen;
  std::vector<std::pair<double, schedules::Schedule>> measured; // successful, by time
  Record bestRecord;
  // The cost model and its data: features of each observed schedule and its time (infinity
  // for a failed one).
  std::unique_ptr<FeatureExtractor> fx;
  bool fxFailed = false;
  CostModel model;
  std::vector<std::vector<float>> trainX;
  std::vector<double> trainMs;
  size_t trainedOn = 0;
  std::map<std::string, std::vector<float>> featureCache; // by schedule: lowering is the cost
  std::vector<schedules::Schedule> space;                 // enumerated once, when first needed
};

} // namespace strata::tuning
