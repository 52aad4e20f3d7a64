//===- Tuner.cpp ----------------------------------------------------------===//
#include "compiler/tuning/Tuner.h"

#include "compiler/tuning/CostModel.h"
#include "compiler/tuning/Features.h"
#include "compiler/tuning/Search.h"
#include "compiler/tuning/TuneReport.h"
#include "runtime/strata_runtime.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <thread>

namespace strata::tuning {

namespace {

llvm::Error fail(const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

double weightOf(const Task &t) { return t.count * std::max(t.estimatedMs, 1e-6); }

/// One task being tuned in this run.
struct Tuning {
  const Task *task;
  int allocated;
  Search search;
  double gain = 1; // recent relative improvement, smoothed
  double defaultMs = NAN;
};

/// "4m10s", "52s", "1h03m".
std::string fmtDuration(double seconds) {
  long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

/// Messages and a status line on one stream: on a terminal the status line is redrawn in
/// place (and cleared before a message); elsewhere each status is a plain line.
class Progress {
public:
  Progress(llvm::raw_ostream &os, bool redraw) : os(os), redraw(redraw) {}
  ~Progress() {
    if (open)
      os << "\n";
  }
  llvm::raw_ostream &message() {
    if (open)
      os << "\r\x1b[K";
    open = false;
    return os;
  }
  void status(const std::string &line) {
    if (!redraw) {
      os << line << "\n";
      return;
    }
    os << "\r\x1b[K" << line;
    os.flush();
    open = true;
  }

private:
  llvm::raw_ostream &os;
  bool redraw;
  bool open = false;
};

std::string fmtMs(double ms) {
  if (!std::isfinite(ms))
    return "-";
  if (ms < 0.1)
    return llvm::formatv("{0:F2} us", ms * 1000).str();
  return llvm::formatv("{0:F3} ms", ms).str();
}

} // namespace

std::vector<int> allocateTrials(const std::vector<Task> &tasks, int total) {
  size_t n = tasks.size();
  std::vector<int> alloc(n, 0);
  std::vector<int64_t> cap(n);
  for (size_t i = 0; i < n; ++i)
    cap[i] = std::max<int64_t>(tasks[i].spaceSize, 0);
  // The default schedule of every task first.
  int left = total;
  for (size_t i = 0; i < n && left > 0; ++i)
    if (cap[i] > 0)
      alloc[i] = 1, --left;
  // Water-filling: shares by weight; a task that reaches its space size keeps only that.
  std::vector<bool> active(n);
  for (size_t i = 0; i < n; ++i)
    active[i] = alloc[i] < cap[i];
  while (left > 0) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i)
      if (active[i])
        sum += weightOf(tasks[i]);
    if (sum <= 0)
      break;
    bool saturated = false;
    for (size_t i = 0; i < n; ++i)
      if (active[i] && alloc[i] + left * weightOf(tasks[i]) / sum >= cap[i]) {
        left -= (int)(cap[i] - alloc[i]);
        alloc[i] = (int)cap[i];
        active[i] = false;
        saturated = true;
      }
    if (saturated)
      continue;
    // No task saturates: whole shares, then the remainder by largest fraction (ties: order).
    std::vector<std::pair<double, size_t>> fractions;
    int given = 0;
    for (size_t i = 0; i < n; ++i)
      if (active[i]) {
        double share = left * weightOf(tasks[i]) / sum;
        alloc[i] += (int)share;
        given += (int)share;
        fractions.push_back({share - std::floor(share), i});
      }
    left -= given;
    std::stable_sort(fractions.begin(), fractions.end(),
                     [](const auto &a, const auto &b) { return a.first > b.first; });
    for (size_t k = 0; k < fractions.size() && left > 0; ++k, --left)
      ++alloc[fractions[k].second];
    break;
  }
  return alloc;
}

llvm::Error tune(const TuneOptions &o, llvm::raw_ostream &stream) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  if (o.shardCount < 1 || o.shardIndex < 0 || o.shardIndex >= o.shardCount)
    return fail("shard " + std::to_string(o.shardIndex) + "/" + std::to_string(o.shardCount) +
                " is not one of 0/N ... (N-1)/N");
  if (!o.reportPath.empty()) {
    std::string dir = llvm::sys::path::parent_path(o.reportPath).str();
    if (!llvm::sys::fs::is_directory(dir.empty() ? "." : dir))
      return fail("cannot write the report '" + o.reportPath + "': no directory '" + dir + "'");
  }
  Progress out(stream, o.redrawProgress);
  auto tasks = extractTasks(o.modelPath, o.pipeline);
  if (!tasks)
    return tasks.takeError();
  int kernels = 0;
  for (const Task &t : *tasks)
    kernels += t.count;
  int total = o.trials > 0 ? o.trials : 32 * (int)tasks->size();
  std::vector<int> alloc = allocateTrials(*tasks, total);
  TargetKey key = TargetKey::of(o.pipeline.target);
  llvm::raw_ostream &head = out.message();
  head << "strata tune: " << o.modelPath << ": " << tasks->size() << " tasks (" << kernels
       << " kernels), target " << key.triple << " " << key.cpu;
  if (!o.pipeline.target.isGPU())
    head << " " << key.vectorBits << "-bit vectors";
  head << ", " << o.measure.threads << " thread"
       << (o.measure.threads == 1 ? "" : "s") << ", " << total << " trials";
  if (o.shardCount > 1)
    head << ", shard " << o.shardIndex << "/" << o.shardCount;
  if (o.measure.simulate)
    head << " (simulated timing)";
  head << "\n";

  // A GPU target is timed on its device. Where none runs (no driver, no device, no OpenCL
  // platform), one run of the first default schedule says so, before a log is touched, instead
  // of every candidate failing alike.
  if (o.pipeline.target.isGPU() && !o.measure.simulate && !tasks->empty()) {
    const Task &first = tasks->front();
    Record probe = measureInChildren({{&first, first.defaultSchedule}}, o.measure, 1, /*check=*/false).at(0);
    if (probe.error == MeasureError::RunError)
      return fail("cannot time schedules for target '" + o.measure.target + "' on this machine: kernel '" +
                  first.kernelName + "' with its default schedule: " + probe.errorMessage +
                  " (tune where the model will run; --simulate only exercises the tuner)");
  }

  // Resume: what the log already has for this target and thread count is not measured again.
  std::vector<Record> earlier;
  if (llvm::sys::fs::exists(o.logPath)) {
    auto log = loadLog(o.logPath);
    if (!log)
      return log.takeError();
    for (const std::string &w : log->warnings)
      out.message() << "strata tune: warning: " << w << "\n";
    // Confirmed records re-time schedules the log has already; they are no trials.
    for (Record &r : log->records)
      if (r.target == key && r.threads == o.measure.threads &&
          r.hotCache == !o.measure.scrubCaches && !r.confirmed)
        earlier.push_back(std::move(r));
    out.message() << "strata tune: resuming " << o.logPath << " (" << earlier.size()
                  << " records for this target, thread count and timing)\n";
  }
  auto writer = LogWriter::open(o.logPath);
  if (!writer)
    return writer.takeError();

  std::vector<std::unique_ptr<Tuning>> work;
  for (size_t i = 0; i < tasks->size(); ++i)
    if ((int)i % o.shardCount == o.shardIndex && alloc[i] > 0)
      work.push_back(std::unique_ptr<Tuning>(
          new Tuning{&(*tasks)[i], alloc[i], Search((*tasks)[i], o.pipeline.target, o.seed)}));
  for (auto &tp : work) {
    Tuning &t = *tp;
    for (const Record &r : earlier)
      if (r.workload == t.task->workload) {
        t.search.observe(r);
        if (r.ok() && r.schedule.templateName == t.task->defaultSchedule.templateName &&
            r.schedule.str() == t.task->defaultSchedule.str())
          t.defaultMs = r.medianMs();
      }
  }

  int jobs = o.jobs > 0 ? o.jobs : std::max(1, (int)std::thread::hardware_concurrency() - 1);
  MeasureOptions measure = o.measure;
  if (measure.lockPath.empty()) {
    // One lock per machine: concurrent sweeps (local shards) time one candidate at a time.
    llvm::SmallString<128> lock;
    llvm::sys::path::system_temp_directory(/*erasedOnReboot=*/true, lock);
    llvm::sys::path::append(lock, "strata-tune-timing.lock");
    measure.lockPath = std::string(lock);
  }
  auto estimate = [](const Tuning &t) {
    const Record *b = t.search.best();
    return t.task->count * (b ? b->medianMs() : t.task->estimatedMs);
  };
  int measuredNow = 0;
  // Measures candidates, re-runs each new best of its task against the default schedule's
  // output, and logs every record.
  auto measureAndLog = [&](const std::vector<Candidate> &batch,
                           const std::vector<Tuning *> &owners) -> llvm::Error {
    std::vector<Record> records = measureInChildren(batch, measure, jobs, /*check=*/false);
    for (size_t i = 0; i < records.size(); ++i) {
      Record &r = records[i];
      Tuning &t = *owners[i];
      const Record *best = t.search.best();
      if (r.ok() && !measure.simulate && (!best || r.medianMs() < best->medianMs()))
        r = measureInChildren({batch[i]}, measure, 1, /*check=*/true)[0];
      r.seed = o.seed;
      r.features = t.search.featuresOf(batch[i].schedule);
      r.featuresVersion = r.features.empty() ? 0 : kFeaturesVersion;
      if (llvm::Error err = writer->append(r))
        return err;
      t.search.observe(r);
      if (r.ok() && batch[i].schedule == t.task->defaultSchedule)
        t.defaultMs = r.medianMs();
      if (!r.ok())
        out.message() << "strata tune: " << t.task->kernelName << ": " << r.schedule.str()
                      << ": " << errorName(r.error) << ": " << r.errorMessage << "\n";
      ++measuredNow;
    }
    return llvm::Error::success();
  };
  // The sweep's course: the model's estimated kernel time (each task's best, or its default
  // or roofline estimate before it has one) after every batch, and each task's best.
  SweepTrace trace;
  trace.model = o.modelPath;
  trace.target = key.triple + " " + key.cpu + " (" + std::to_string(key.vectorBits) + "-bit vectors)";
  trace.threads = o.measure.threads;
  trace.simulated = o.measure.simulate;
  int budget = 0;
  for (const auto &tp : work)
    budget += tp->allocated;
  auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  auto timeOf = [](const Tuning &t, bool tuned) {
    const Record *b = t.search.best();
    double ms = tuned && b ? b->medianMs() : std::isfinite(t.defaultMs) ? t.defaultMs
                                                                          : t.task->estimatedMs;
    return t.task->count * ms;
  };
  auto modelMs = [&](bool tuned) {
    double ms = 0;
    for (const auto &tp : work)
      ms += timeOf(*tp, tuned);
    return ms;
  };
  auto trialsDone = [&] {
    size_t n = 0;
    for (const auto &tp : work)
      n += tp->search.tried();
    return (double)n;
  };
  std::map<const Tuning *, std::vector<TracePoint>> taskCurves;
  auto record = [&](const std::vector<Tuning *> &touched) {
    double now = seconds();
    trace.modelCurve.push_back({trialsDone(), now, modelMs(true)});
    for (const Tuning *t : touched)
      if (const Record *b = t->search.best())
        taskCurves[t].push_back({(double)t->search.tried(), now, b->medianMs()});
  };
  auto status = [&](const Tuning &t) {
    size_t index = 0;
    while (work[index].get() != &t)
      ++index;
    double now = seconds(), done = trialsDone(), tuned = modelMs(true), base = modelMs(false);
    std::string line = llvm::formatv("strata tune: [{0,5:F0} s] task {1}/{2} {3} (x{4}) | "
                                     "trials {5}/{6} | model {7}, {8:F2}x over defaults",
                                     now, index + 1, work.size(), t.task->kernelName,
                                     t.task->count, (int)done, budget, fmtMs(tuned), base / tuned)
                           .str();
    if (measuredNow > 0) {
      double eta = now / measuredNow * (budget - done);
      if (o.timeBudgetSeconds > 0)
        eta = std::min(eta, o.timeBudgetSeconds - now);
      line += " | ETA " + fmtDuration(eta);
    }
    out.status(line);
  };

  // First every task's default schedule: the baseline, and each task's measured weight.
  {
    std::vector<Candidate> batch;
    std::vector<Tuning *> owners;
    for (auto &tp : work)
      if (Tuning &t = *tp; t.search.tried() == 0)
        for (const schedules::Schedule &s : t.search.next(1)) {
          batch.push_back({t.task, s});
          owners.push_back(&t);
        }
    if (!batch.empty()) {
      out.message() << "strata tune: measuring the default schedules of " << batch.size()
                    << " tasks\n";
      if (llvm::Error err = measureAndLog(batch, owners))
        return err;
    }
    std::vector<Tuning *> all;
    for (auto &tp : work)
      all.push_back(tp.get());
    trace.defaultModelMs = modelMs(false);
    record(all);
  }
  while (true) {
    if (o.timeBudgetSeconds > 0 && seconds() >= o.timeBudgetSeconds) {
      out.message() << "strata tune: time budget reached\n";
      break;
    }
    // The task with the most estimated time left to gain.
    Tuning *next = nullptr;
    double bestPriority = -1;
    for (auto &tp : work) {
      Tuning &t = *tp;
      if ((int)t.search.tried() >= t.allocated || t.search.exhausted())
        continue;
      // Every task gets one batch beyond its default before any gets a second (so a time
      // budget reaches them all), then the most estimated time to gain goes first.
      double p = t.search.tried() <= 1 ? 1e30 * (1 + estimate(t)) : estimate(t) * t.gain;
      if (p > bestPriority)
        bestPriority = p, next = &t;
    }
    if (!next)
      break;
    int n = std::min(o.batch, next->allocated - (int)next->search.tried());
    std::vector<schedules::Schedule> candidates = next->search.next(n);
    if (candidates.empty()) {
      budget -= next->allocated - (int)next->search.tried();
      next->allocated = (int)next->search.tried(); // nothing new left to try
      continue;
    }
    double before = next->search.best() ? next->search.best()->medianMs() : INFINITY;
    std::vector<Candidate> batch;
    for (const schedules::Schedule &s : candidates)
      batch.push_back({next->task, s});
    if (llvm::Error err = measureAndLog(batch, std::vector<Tuning *>(batch.size(), next)))
      return err;
    double after = next->search.best() ? next->search.best()->medianMs() : INFINITY;
    double improvement = std::isfinite(before) && std::isfinite(after) ? (before - after) / before : 1;
    next->gain = 0.5 * next->gain + 0.5 * std::max(0.02, improvement);
    record({next});
    status(*next);
  }

  // Each task's best against its default once more, back to back, so that the choice and the
  // summary rest on times taken under the same conditions: the best of many noisy candidates
  // was likely lucky, and a long sweep's machine drifts. Both records are logged as confirmed,
  // and the log's choice (confirmed records first) is the faster of them. The tasks with the
  // most model time go first; with a time budget this takes 5% more of it at most (the first
  // task always).
  std::map<const Tuning *, std::pair<Record, Record>> confirmed; // (default, best)
  if (!measure.simulate) {
    std::vector<Tuning *> pending;
    for (const auto &tp : work) {
      const Record *b = tp->search.best();
      if (b && !(b->schedule == tp->task->defaultSchedule) && std::isfinite(tp->defaultMs))
        pending.push_back(tp.get());
    }
    std::stable_sort(pending.begin(), pending.end(),
                     [&](const Tuning *a, const Tuning *b) { return estimate(*a) > estimate(*b); });
    if (!pending.empty())
      out.message() << "strata tune: timing " << pending.size()
                    << " tasks' default and best again, back to back\n";
    size_t done = 0;
    double from = seconds();
    for (Tuning *t : pending) {
      if (o.timeBudgetSeconds > 0 && done > 0 && seconds() - from >= 0.05 * o.timeBudgetSeconds) {
        out.message() << "strata tune: time budget reached; " << pending.size() - done
                      << " tasks keep their sweep times\n";
        break;
      }
      std::vector<Record> pair = measureInChildren(
          {{t->task, t->task->defaultSchedule}, {t->task, t->search.best()->schedule}}, measure, 1,
          /*check=*/false);
      for (Record &r : pair) {
        r.confirmed = true;
        r.seed = o.seed;
        r.features = t->search.featuresOf(r.schedule);
        r.featuresVersion = r.features.empty() ? 0 : kFeaturesVersion;
        if (llvm::Error err = writer->append(r))
          return err;
      }
      if (pair[0].ok() && pair[1].ok())
        confirmed[t] = {pair[0], pair[1]};
      ++done;
    }
  }

  // Summary: per task, and the model's kernel time estimated from the best of each.
  double bestTotal = 0, defaultTotal = 0;
  bool complete = true;
  llvm::raw_ostream &os = out.message();
  os << "strata tune: " << measuredNow << " candidates measured; best per task";
  if (!confirmed.empty())
    os << " (" << confirmed.size() << " timed again side by side with their defaults)";
  os << ":\n";
  for (const auto &tp : work) {
    const Tuning &t = *tp;
    const Record *b = t.search.best();
    double defaultMs = t.defaultMs;
    if (auto c = confirmed.find(&t); c != confirmed.end()) {
      // The log's choice: the faster of the two timed side by side.
      defaultMs = c->second.first.medianMs();
      b = c->second.second.medianMs() < defaultMs ? &c->second.second : &c->second.first;
    }
    double best = b ? b->medianMs() : NAN;
    os << llvm::formatv("  {0,-24} x{1,-3} default {2,12}  best {3,12}", t.task->kernelName,
                        t.task->count, fmtMs(defaultMs), fmtMs(best));
    if (b && std::isfinite(defaultMs))
      os << llvm::formatv("  {0:F2}x", defaultMs / best) << "  " << b->schedule.str();
    os << "\n";
    if (b && std::isfinite(defaultMs)) {
      bestTotal += t.task->count * best;
      defaultTotal += t.task->count * defaultMs;
    } else {
      complete = false;
    }
    trace.tasks.push_back({t.task->kernelName, t.task->workload, b ? b->schedule.str() : "",
                           t.task->count, (double)t.task->w.flops, defaultMs, best,
                           taskCurves[&t]});
  }
  if (defaultTotal > 0)
    os << llvm::formatv("strata tune: kernels of {0}the model: {1:F3} ms with defaults, "
                        "{2:F3} ms tuned ({3:F2}x)\n",
                        complete ? "" : "the measured tasks of ", defaultTotal, bestTotal,
                        defaultTotal / bestTotal);
  if (const TracePoint *p = ninetyPercentPoint(trace))
    os << llvm::formatv("strata tune: 90% of the gain after {0} of {1} trials, {2:F0} of {3:F0} s\n",
                        (int)p->trials, (int)trace.modelCurve.back().trials, p->seconds,
                        trace.modelCurve.back().seconds);
  os << "strata tune: log " << o.logPath << "\n";
  if (!o.reportPath.empty()) {
    if (!o.measure.simulate)
      trace.peakGflopsPerCore = strata_measure_peak_gflops();
    if (llvm::Error err = writeReport(trace, o.reportPath))
      return err;
    os << "strata tune: report " << o.reportPath << "\n";
  }
  return llvm::Error::success();
}

llvm::Error mergeLogs(const std::vector<std::string> &inputs, const std::string &out,
                      std::vector<std::string> &warnings) {
  std::vector<std::pair<std::string, std::string>> lines; // (sort key, line)
  for (const std::string &path : inputs) {
    auto log = loadLog(path);
    if (!log)
      return log.takeError();
    warnings.insert(warnings.end(), log->warnings.begin(), log->warnings.end());
    for (const Record &r : log->records) {
      std::string line = toJsonLine(r);
      lines.push_back({r.workload + "\t" + r.target.str() + "\t" + std::to_string(r.threads) +
                           "\t" + r.schedule.str(),
                       line});
    }
  }
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  // Written whole to a temporary file, then renamed: no partial output on failure.
  std::string tmp = out + ".tmp";
  {
    std::ofstream os(tmp, std::ios::trunc);
    if (!os)
      return fail("cannot write '" + tmp + "'");
    for (const auto &l : lines)
      os << l.second << "\n";
    if (!os.flush())
      return fail("cannot write '" + tmp + "'");
  }
  if (auto ec = llvm::sys::fs::rename(tmp, out))
    return fail("cannot write '" + out + "': " + ec.message());
  return llvm::Error::success();
}

llvm::Error trainModel(const std::vector<std::string> &logs, const std::string &out,
                       llvm::raw_ostream &report) {
  // Groups of records of one task (workload, target, threads), in a fixed order.
  std::map<std::string, std::vector<Record>> groups;
  size_t skipped = 0;
  for (const std::string &path : logs) {
    auto log = loadLog(path);
    if (!log)
      return log.takeError();
    for (const std::string &w : log->warnings)
      report << "strata tune train-model: warning: " << w << "\n";
    for (Record &r : log->records) {
      if (r.featuresVersion != kFeaturesVersion || (int)r.features.size() != kNumFeatures) {
        ++skipped;
        continue;
      }
      groups[r.workload + "\t" + r.target.str() + "\t" + std::to_string(r.threads)].push_back(
          std::move(r));
    }
  }
  std::vector<std::vector<float>> trainX, testX, allX;
  std::vector<float> trainY, testY, allY;
  std::vector<size_t> testGroup;
  size_t index = 0, tasks = 0;
  for (auto &[key, records] : groups) {
    double best = INFINITY;
    for (const Record &r : records)
      best = std::min(best, r.medianMs());
    if (!std::isfinite(best))
      continue;
    bool heldOut = index++ % 5 == 4;
    ++tasks;
    for (const Record &r : records) {
      float y = r.ok() ? (float)(best / r.medianMs()) : 0.0f;
      (heldOut ? testX : trainX).push_back(r.features);
      (heldOut ? testY : trainY).push_back(y);
      if (heldOut)
        testGroup.push_back(index);
      allX.push_back(r.features);
      allY.push_back(y);
    }
  }
  if (allX.size() < 16)
    return fail("too few records with features to train on (" + std::to_string(allX.size()) +
                "; " + std::to_string(skipped) + " without features)");
  report << "strata tune train-model: " << allX.size() << " records of " << tasks << " tasks ("
         << skipped << " without features skipped)\n";
  if (!trainX.empty() && !testX.empty()) {
    CostModel m;
    if (llvm::Error err = m.fit(trainX, trainY))
      return err;
    auto p = m.predict(testX);
    if (!p)
      return p.takeError();
    size_t agree = 0, pairs = 0;
    for (size_t i = 0; i < testX.size(); ++i)
      for (size_t j = i + 1; j < testX.size(); ++j)
        if (testGroup[i] == testGroup[j] && testY[i] != testY[j]) {
          ++pairs;
          agree += ((*p)[i] > (*p)[j]) == (testY[i] > testY[j]);
        }
    if (pairs)
      report << llvm::formatv("strata tune train-model: ranking accuracy on the held-out tasks "
                              "(one in five): {0:F1}% of {1} pairs\n",
                              100.0 * agree / pairs, pairs);
  }
  CostModel model;
  if (llvm::Error err = model.fit(allX, allY))
    return err;
  if (llvm::Error err = model.save(out))
    return err;
  report << "strata tune train-model: wrote " << out << "\n";
  return llvm::Error::success();
}

} // namespace strata::tuning
