//===- TuningLog.cpp ------------------------------------------------------===//
//
// nlohmann/json reports errors by throwing; this file is compiled with
// exceptions and none leaves it.
//
//===----------------------------------------------------------------------===//
#include "compiler/tuning/TuningLog.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>

#include <unistd.h>

namespace strata::tuning {

using json = nlohmann::json;

namespace {

llvm::Error fail(const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

const MeasureError kErrors[] = {MeasureError::None,         MeasureError::Invalid,
                                MeasureError::CompileError, MeasureError::RunError,
                                MeasureError::Crash,        MeasureError::Timeout,
                                MeasureError::WrongResult};

} // namespace

TargetKey TargetKey::of(const targets::Target &t) {
  // GPU kernels run on the device, not the host CPU the driver code is compiled for: the key
  // names the device code (the OpenCL device is known only at run time; the SM for CUDA).
  if (t.device == targets::Device::OpenCL)
    return {"opencl", "any", "", 0};
  if (t.device == targets::Device::CUDA)
    return {"nvptx64-nvidia-cuda", t.gpuArch, "", 0};
  return {t.triple, t.cpu, t.features, t.vectorBits()};
}

std::string TargetKey::str() const {
  return triple + "/" + cpu + "/" + features + "/" + std::to_string(vectorBits);
}

const char *errorName(MeasureError e) {
  switch (e) {
  case MeasureError::None: return "ok";
  case MeasureError::Invalid: return "invalid_schedule";
  case MeasureError::CompileError: return "compile_error";
  case MeasureError::RunError: return "run_error";
  case MeasureError::Crash: return "crash";
  case MeasureError::Timeout: return "timeout";
  case MeasureError::WrongResult: return "wrong_result";
  }
  return "?";
}

double Record::medianMs() const {
  if (!ok())
    return std::numeric_limits<double>::infinity();
  std::vector<double> s = samplesMs;
  std::sort(s.begin(), s.end());
  size_t n = s.size();
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

std::string toJsonLine(const Record &r) {
  json knobs = json::object();
  for (const auto &[name, value] : r.schedule.knobs)
    knobs[name] = value;
  json j = {
      {"schema", r.schema},
      {"strata", r.strataVersion},
      {"workload", r.workload},
      {"target",
       {{"triple", r.target.triple},
        {"cpu", r.target.cpu},
        {"features", r.target.features},
        {"vector_bits", r.target.vectorBits}}},
      {"threads", r.threads},
      {"schedule", {{"template", r.schedule.templateName}, {"knobs", knobs}}},
      {"samples_ms", r.samplesMs},
      {"timing", r.hotCache ? "hot" : "scrubbed"},
      {"error", errorName(r.error)},
      {"host", r.host},
      {"date", r.date},
      {"seed", r.seed},
  };
  if (!r.errorMessage.empty())
    j["error_message"] = r.errorMessage;
  if (r.confirmed)
    j["confirmed"] = true;
  if (!r.features.empty()) {
    j["features"] = r.features;
    j["features_version"] = r.featuresVersion;
  }
  return j.dump();
}

llvm::Expected<Record> parseRecord(const std::string &line) {
  try {
    json j = json::parse(line);
    if (!j.is_object())
      return fail("not a JSON object");
    Record r;
    r.schema = j.at("schema").get<int>();
    if (r.schema > kSchemaVersion)
      return fail("schema " + std::to_string(r.schema) + " is newer than this Strata's (" +
                  std::to_string(kSchemaVersion) + ")");
    if (r.schema < 1)
      return fail("schema " + std::to_string(r.schema) + " is not a schema version");
    r.strataVersion = j.at("strata").get<std::string>();
    r.workload = j.at("workload").get<std::string>();
    const json &t = j.at("target");
    r.target = {t.at("triple").get<std::string>(), t.at("cpu").get<std::string>(),
                t.at("features").get<std::string>(), t.at("vector_bits").get<int>()};
    r.threads = j.at("threads").get<int>();
    if (r.threads < 1)
      return fail("threads must be at least 1");
    const json &s = j.at("schedule");
    r.schedule.templateName = s.at("template").get<std::string>();
    for (const auto &[name, value] : s.at("knobs").items())
      r.schedule.knobs.push_back({name, value.get<int64_t>()});
    r.samplesMs = j.at("samples_ms").get<std::vector<double>>();
    for (double ms : r.samplesMs)
      if (!(ms > 0) || !std::isfinite(ms))
        return fail("samples_ms must be positive, finite times");
    std::string timing = j.value("timing", "hot");
    if (timing != "hot" && timing != "scrubbed")
      return fail("unknown timing '" + timing + "' (hot or scrubbed)");
    r.hotCache = timing == "hot";
    r.confirmed = j.value("confirmed", false);
    std::string error = j.at("error").get<std::string>();
    auto known = std::find_if(std::begin(kErrors), std::end(kErrors),
                              [&](MeasureError e) { return error == errorName(e); });
    if (known == std::end(kErrors))
      return fail("unknown error code '" + error + "'");
    r.error = *known;
    if (r.error == MeasureError::None && r.samplesMs.empty())
      return fail("a successful record needs samples_ms");
    r.errorMessage = j.value("error_message", "");
    r.host = j.at("host").get<std::string>();
    r.date = j.at("date").get<std::string>();
    r.seed = j.at("seed").get<uint64_t>();
    if (j.contains("features")) {
      r.features = j.at("features").get<std::vector<float>>();
      r.featuresVersion = j.at("features_version").get<int>();
    }
    return r;
  } catch (const json::exception &e) {
    return fail(e.what());
  }
}

llvm::Expected<LoadedLog> loadLog(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    return fail("cannot read tuning log '" + path + "'");
  LoadedLog log;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    auto r = parseRecord(line);
    if (r)
      log.records.push_back(std::move(*r));
    else
      log.warnings.push_back(path + ":" + std::to_string(n) + ": skipped: " +
                             llvm::toString(r.takeError()));
  }
  if (in.bad())
    return fail("error reading tuning log '" + path + "'");
  return log;
}

llvm::Expected<LogWriter> LogWriter::open(const std::string &path) {
  std::FILE *f = std::fopen(path.c_str(), "a");
  if (!f)
    return fail("cannot open tuning log '" + path + "' for appending: " + std::strerror(errno));
  // A log whose last line was cut off (a killed run) gets a newline first, so the next record
  // starts a line of its own and only the cut one is skipped when the log is read.
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (in && in.tellg() > 0) {
    in.seekg(-1, std::ios::end);
    if (in.get() != '\n')
      std::fputc('\n', f);
  }
  return LogWriter(f, path);
}

LogWriter::~LogWriter() {
  if (file)
    std::fclose(file);
}

llvm::Error LogWriter::append(const Record &r) {
  std::string line = toJsonLine(r) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file) != line.size() || std::fflush(file) != 0)
    return fail("cannot write to tuning log '" + path + "': " + std::strerror(errno));
  return llvm::Error::success();
}

void TuningDatabase::add(const Record &r) {
  if (!r.ok())
    return;
  auto key = std::make_tuple(r.workload, r.target.str(), r.threads);
  auto it = bestOf.find(key);
  // Scrubbed before hot, confirmed before not, then the faster; ties go to the smaller record
  // text, so the best does not depend on the order records come in.
  auto rank = [](const Record &x) { return std::make_tuple(x.hotCache, !x.confirmed, x.medianMs()); };
  if (it == bestOf.end() || rank(r) < rank(it->second) ||
      (rank(r) == rank(it->second) && toJsonLine(r) < toJsonLine(it->second)))
    bestOf[key] = r;
}

const Record *TuningDatabase::best(const std::string &workload, const TargetKey &target,
                                   int threads) const {
  std::string t = target.str();
  auto exact = bestOf.find(std::make_tuple(workload, t, threads));
  if (exact != bestOf.end())
    return &exact->second;
  auto it = bestOf.lower_bound(std::make_tuple(workload, t, 0));
  if (it != bestOf.end() && std::get<0>(it->first) == workload && std::get<1>(it->first) == t)
    return &it->second; // the fewest threads measured
  return nullptr;
}

llvm::Expected<std::shared_ptr<const TuningDatabase>> loadDatabase(const std::string &path,
                                                                  std::vector<std::string> &warnings) {
  auto log = loadLog(path);
  if (!log)
    return log.takeError();
  warnings.insert(warnings.end(), log->warnings.begin(), log->warnings.end());
  auto db = std::make_shared<TuningDatabase>();
  db->addAll(log->records);
  return std::shared_ptr<const TuningDatabase>(std::move(db));
}

std::string hostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0)
    return "unknown";
  return buf;
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

} // namespace strata::tuning
