//===- Search.cpp ---------------------------------------------------------===//
#include "compiler/tuning/Search.h"

#include <algorithm>

namespace strata::tuning {

namespace {

constexpr double kEpsilon = 0.2;  // share of random samples in a batch
constexpr size_t kParents = 8;    // the best measured schedules that breed
constexpr int kAttempts = 64;     // proposals tried per candidate before giving up on novelty

} // namespace

Search::Search(const Task &task, const targets::Target &target, uint64_t seed)
    : task(task), target(target), spec(schedules::defaultTemplate(task.w)) {
  for (const schedules::KnobSpec &k : spec.knobs)
    values.push_back(k.values(task.w, target));
  // The task's own stream: its workload mixed into the seed (FNV-1a).
  uint64_t h = 1469598103934665603ull ^ seed;
  for (char c : task.workload)
    h = (h ^ (uint8_t)c) * 1099511628211ull;
  rng.seed(h);
}

bool Search::valid(const schedules::Schedule &s) const {
  if (llvm::Error err = schedules::verify(s, task.w, target, task.kernelName)) {
    llvm::consumeError(std::move(err));
    return false;
  }
  return true;
}

schedules::Schedule Search::random() {
  schedules::Schedule s{spec.name, {}};
  for (size_t i = 0; i < values.size(); ++i)
    s.knobs.push_back({spec.knobs[i].name, values[i][rng() % values[i].size()]});
  return s;
}

schedules::Schedule Search::mutate(const schedules::Schedule &s) {
  schedules::Schedule m = s;
  if (values.empty())
    return m;
  size_t k = rng() % values.size();
  const std::vector<int64_t> &vals = values[k];
  size_t at = std::find(vals.begin(), vals.end(), m.knobs[k].second) - vals.begin();
  if (rng() % 2 && at < vals.size()) // a neighbour: small steps find the local optimum
    at = (rng() % 2 && at + 1 < vals.size()) ? at + 1 : (at > 0 ? at - 1 : at + 1);
  else
    at = rng() % vals.size();
  m.knobs[k].second = vals[std::min(at, vals.size() - 1)];
  return m;
}

schedules::Schedule Search::crossover(const schedules::Schedule &a, const schedules::Schedule &b) {
  schedules::Schedule c = a;
  for (size_t i = 0; i < c.knobs.size() && i < b.knobs.size(); ++i)
    if (rng() % 2)
      c.knobs[i] = b.knobs[i];
  return c;
}

std::vector<schedules::Schedule> Search::next(int n) {
  std::vector<schedules::Schedule> out;
  auto propose = [&](const schedules::Schedule &s) {
    if (!valid(s) || !seen.insert(s.str()).second)
      return false;
    out.push_back(s);
    return true;
  };
  if (seen.empty())
    propose(task.defaultSchedule);
  // A small space is walked in full order once the random share would mostly repeat itself.
  while ((int)out.size() < n && !exhausted()) {
    bool found = false;
    for (int attempt = 0; attempt < kAttempts && !found; ++attempt) {
      double u = std::uniform_real_distribution<double>(0, 1)(rng);
      schedules::Schedule c;
      if (measured.empty() || u < kEpsilon) {
        c = random();
      } else {
        size_t parents = std::min(kParents, measured.size());
        const schedules::Schedule &a = measured[rng() % parents].second;
        c = u < kEpsilon + 0.3 && parents > 1 ? crossover(a, measured[rng() % parents].second)
                                              : mutate(a);
      }
      found = propose(c);
    }
    if (!found) {
      // Novelty is rare: take the first unseen schedule of the enumerated space.
      bool any = false;
      for (const schedules::Schedule &s : enumerateSpace(task.w, target, task.spaceSize))
        if (propose(s)) {
          any = true;
          break;
        }
      if (!any)
        break;
    }
  }
  return out;
}

void Search::observe(const Record &r) {
  // A log stores knobs by name; the search indexes them in declaration order.
  schedules::Schedule s{r.schedule.templateName, {}};
  for (const schedules::KnobSpec &k : spec.knobs)
    for (const auto &kv : r.schedule.knobs)
      if (kv.first == k.name)
        s.knobs.push_back(kv);
  if (s.templateName != spec.name || s.knobs.size() != r.schedule.knobs.size())
    return; // another template or space (an older Strata): not this search's
  seen.insert(s.str());
  if (!r.ok())
    return;
  double ms = r.medianMs();
  auto it = std::upper_bound(measured.begin(), measured.end(), ms,
                             [](double v, const auto &e) { return v < e.first; });
  measured.insert(it, {ms, s});
  if (!bestRecord.ok() || ms < bestRecord.medianMs()) {
    bestRecord = r;
    bestRecord.schedule = s;
  }
}

} // namespace strata::tuning
