//===- Search.cpp ---------------------------------------------------------===//
#include "compiler/tuning/Search.h"

#include <algorithm>
#include <cmath>

namespace strata::tuning {

namespace {

constexpr double kEpsilon = 0.2;  // share of random samples in a batch
constexpr size_t kParents = 8;    // the best measured schedules that breed
constexpr int kAttempts = 64;     // proposals tried per candidate before giving up on novelty
constexpr size_t kMinTrain = 8;   // measurements before the cost model ranks proposals
constexpr int kPoolFactor = 4;    // proposals ranked per candidate taken

} // namespace

Search::Search(const Task &task, const targets::Target &target, uint64_t seed)
    : task(task), target(target), spec(schedules::defaultTemplate(task.w, target)) {
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

bool Search::proposeOne(std::vector<schedules::Schedule> &out) {
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
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
    if (valid(c) && seen.insert(c.str()).second) {
      out.push_back(std::move(c));
      return true;
    }
  }
  // Novelty is rare: the first unseen schedule of the enumerated space.
  if (space.empty())
    space = schedules::enumerateSpace(task.w, target, task.spaceSize);
  for (const schedules::Schedule &s : space)
    if (seen.insert(s.str()).second) {
      out.push_back(s);
      return true;
    }
  return false;
}

std::vector<float> Search::featuresOf(const schedules::Schedule &s) {
  auto cached = featureCache.find(s.str());
  if (cached != featureCache.end())
    return cached->second;
  if (!fx && !fxFailed) {
    auto created = FeatureExtractor::parse(task.module, task.w, target);
    if (created)
      fx = std::move(*created);
    else {
      llvm::consumeError(created.takeError());
      fxFailed = true;
    }
  }
  if (!fx)
    return {};
  auto f = fx->features(s);
  if (!f) {
    llvm::consumeError(f.takeError());
    return {};
  }
  return featureCache[s.str()] = std::move(*f);
}

void Search::train() {
  if (trainX.size() == trainedOn || measured.size() < kMinTrain)
    return;
  // Score: speed relative to the best so far, in (0, 1]; a failed candidate scores 0.
  double best = measured.front().first;
  std::vector<float> scores;
  for (double ms : trainMs)
    scores.push_back(std::isfinite(ms) ? (float)(best / ms) : 0.0f);
  if (llvm::Error err = model.fit(trainX, scores))
    llvm::consumeError(std::move(err)); // the search goes on unranked
  trainedOn = trainX.size();
}

std::vector<schedules::Schedule> Search::next(int n) {
  std::vector<schedules::Schedule> out;
  if (seen.empty() && valid(task.defaultSchedule) && seen.insert(task.defaultSchedule.str()).second)
    out.push_back(task.defaultSchedule);
  train();
  if (!model.trained()) {
    while ((int)out.size() < n && !exhausted() && proposeOne(out)) {
    }
    return out;
  }
  // A pool of proposals ranked by the model: the best predicted, and a share at random.
  std::vector<schedules::Schedule> pool;
  while ((int)pool.size() < kPoolFactor * n && !exhausted() && proposeOne(pool)) {
  }
  std::vector<std::vector<float>> features;
  for (const schedules::Schedule &s : pool)
    features.push_back(featuresOf(s));
  std::vector<float> predicted;
  bool usable = !features.empty() && llvm::all_of(features, [](const auto &f) { return !f.empty(); });
  if (usable) {
    auto p = model.predict(features);
    if (p && p->size() == pool.size())
      predicted = std::move(*p);
    else if (!p)
      llvm::consumeError(p.takeError());
  }
  std::vector<size_t> order(pool.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  if (!predicted.empty())
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return predicted[a] > predicted[b]; });
  size_t want = std::min(pool.size(), (size_t)std::max(0, n - (int)out.size()));
  size_t greedy = want - (size_t)(kEpsilon * want);
  std::vector<bool> taken(pool.size(), false);
  for (size_t k = 0; k < greedy; ++k) {
    out.push_back(pool[order[k]]);
    taken[order[k]] = true;
  }
  std::vector<size_t> rest;
  for (size_t i = 0; i < pool.size(); ++i)
    if (!taken[i])
      rest.push_back(i);
  std::shuffle(rest.begin(), rest.end(), rng);
  for (size_t k = 0; out.size() < (size_t)n && k < rest.size(); ++k)
    out.push_back(pool[rest[k]]);
  // Proposals not taken are forgotten, so they can come back in a later pool.
  for (size_t i = 0; i < pool.size(); ++i)
    if (std::find(out.begin(), out.end(), pool[i]) == out.end())
      seen.erase(pool[i].str());
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
  std::vector<float> f = r.featuresVersion == kFeaturesVersion && r.features.size() == kNumFeatures
                             ? r.features
                             : featuresOf(s);
  if (!f.empty()) {
    trainX.push_back(std::move(f));
    trainMs.push_back(r.medianMs()); // infinity when it failed
  }
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
