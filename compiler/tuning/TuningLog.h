//===- TuningLog.h - tuning records: JSON Lines, one per measurement ------===//
//
// `strata tune` appends one record per measured candidate (flushed as it
// goes); compile/run/bench apply, per kernel, the best record whose workload
// key and full target key match. A log is append-only: a corrupt or truncated
// line, or one from a newer schema, is skipped with a warning naming the file
// and line, never fatal and never rewritten away.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lowering/schedules/ScheduleSpace.h"
#include "targets/Target.h"

#include "llvm/Support/Error.h"

#include <cstdio>
#include <tuple>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace strata::tuning {

/// Version of the record format; a reader skips records from a newer one.
constexpr int kSchemaVersion = 1;

/// What a record was measured for: a record applies only where every field matches.
struct TargetKey {
  std::string triple, cpu, features; // features: LLVM's sorted feature string
  int vectorBits = 0;

  static TargetKey of(const targets::Target &t);
  /// "x86_64-unknown-linux-gnu/znver3/+avx2,+fma,.../256"
  std::string str() const;
  bool operator==(const TargetKey &o) const {
    return triple == o.triple && cpu == o.cpu && features == o.features && vectorBits == o.vectorBits;
  }
  bool operator<(const TargetKey &o) const { return str() < o.str(); }
};

/// Why a candidate has no time. The names are what the log stores.
enum class MeasureError { None, Invalid, CompileError, RunError, Crash, Timeout, WrongResult };
const char *errorName(MeasureError e);

struct Record {
  int schema = kSchemaVersion;
  std::string strataVersion;
  std::string workload; // the workload key (schedules::Workload::key)
  TargetKey target;
  int threads = 1;
  schedules::Schedule schedule;
  std::vector<double> samplesMs; // every timing sample (each a mean over enough runs)
  /// How the runs were timed: after scrubbing the core's caches (as in a model run, the
  /// default) or back to back with hot caches ("timing": "hot"; records written before the
  /// field existed were all timed hot). The two do not rank alike, so they are never compared.
  bool hotCache = false;
  /// Timed at the end of a sweep side by side with the other contender of its task (the
  /// default and the best, alternating), which takes out the luck of a best picked among many
  /// noisy times and the drift of a machine over a long sweep ("confirmed": true). Confirmed
  /// records rank before the others.
  bool confirmed = false;
  MeasureError error = MeasureError::None;
  std::string errorMessage;
  std::string host, date; // where and when (UTC, ISO 8601) it was measured
  uint64_t seed = 0;      // the search's seed (provenance)
  /// The cost model's features of the candidate (Features.h, version `featuresVersion`), kept
  /// so that a model can be trained from logs alone; empty when not computed.
  std::vector<float> features;
  int featuresVersion = 0;

  bool ok() const { return error == MeasureError::None && !samplesMs.empty(); }
  /// The median sample; infinity for a failed measurement.
  double medianMs() const;
};

/// One line of JSON (no newline), keys sorted: the same record always prints the same.
std::string toJsonLine(const Record &r);
/// Parses one line; the error says what is wrong with it.
llvm::Expected<Record> parseRecord(const std::string &line);

/// A log file read whole: its records in file order, and a warning per skipped line.
struct LoadedLog {
  std::vector<Record> records;
  std::vector<std::string> warnings; // "LOG:LINE: why"
};
/// A missing file is an error; an unreadable or corrupt line is a warning.
llvm::Expected<LoadedLog> loadLog(const std::string &path);

/// Appends records to a log, one flushed line each, so that a stopped run loses nothing it
/// measured.
class LogWriter {
public:
  static llvm::Expected<LogWriter> open(const std::string &path);
  LogWriter(LogWriter &&o) noexcept : file(o.file), path(std::move(o.path)) { o.file = nullptr; }
  ~LogWriter();
  llvm::Error append(const Record &r);

private:
  LogWriter(std::FILE *f, std::string p) : file(f), path(std::move(p)) {}
  std::FILE *file;
  std::string path;
};

/// The best successful record per (workload, target key, threads); a record timed with
/// scrubbed caches is preferred to any timed hot, then a confirmed one to any other.
class TuningDatabase {
public:
  void add(const Record &r);
  void addAll(const std::vector<Record> &rs) {
    for (const Record &r : rs)
      add(r);
  }
  /// The best record for a workload on a target: measured with `threads` where there is one,
  /// else with the fewest threads measured; null when the log has none for the target.
  const Record *best(const std::string &workload, const TargetKey &target, int threads) const;

private:
  std::map<std::tuple<std::string, std::string, int>, Record> bestOf;
};

/// A log read into a database, its skipped lines as warnings ("LOG:LINE: skipped: why").
llvm::Expected<std::shared_ptr<const TuningDatabase>> loadDatabase(const std::string &path,
                                                                  std::vector<std::string> &warnings);

/// This host's name, and the current UTC time as ISO 8601 ("2026-11-26T11:40:02Z").
std::string hostName();
std::string utcNow();

} // namespace strata::tuning
