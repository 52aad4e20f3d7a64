//===- TuningLogTest.cpp - tuning records and the database ----------------===//
#include "compiler/tuning/TuningLog.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace strata;
using namespace strata::tuning;

namespace {

Record makeRecord(const std::string &workload, std::vector<double> samples, int threads = 1,
                  const std::string &target = "x86-64-avx2", int mr = 6) {
  Record r;
  r.strataVersion = "test";
  r.workload = workload;
  r.target = TargetKey::of(*targets::parseTarget(target));
  r.threads = threads;
  r.schedule = {"matmul_blocked", {{"mr", mr}, {"nr", 2}, {"pack_b", 1}, {"vector", 8}}};
  r.samplesMs = std::move(samples);
  r.host = "h";
  r.date = "2026-11-26T00:00:00Z";
  r.seed = 3;
  return r;
}

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "/" + std::to_string(::getpid()) + "_" + name;
}

TEST(TuningLog, RecordRoundTripsExactly) {
  Record r = makeRecord("matmul(f32:4x8->f32:4x3):matmul", {0.5, 0.25, 0.75});
  r.error = MeasureError::None;
  std::string line = toJsonLine(r);
  auto back = parseRecord(line);
  ASSERT_TRUE((bool)back) << llvm::toString(back.takeError());
  EXPECT_EQ(toJsonLine(*back), line);
  EXPECT_EQ(back->medianMs(), 0.5);
  EXPECT_EQ(back->target, r.target);
  EXPECT_EQ(back->schedule.str(), "matmul_blocked mr=6 nr=2 pack_b=1 vector=8");
  EXPECT_TRUE(back->features.empty());
  r.features = {1.5f, 0.0f, 3.25f};
  r.featuresVersion = 1;
  auto withFeatures = parseRecord(toJsonLine(r));
  ASSERT_TRUE((bool)withFeatures) << llvm::toString(withFeatures.takeError());
  EXPECT_EQ(withFeatures->features, r.features);
  EXPECT_EQ(withFeatures->featuresVersion, 1);
  EXPECT_EQ(toJsonLine(*withFeatures), toJsonLine(r));
}

TEST(TuningLog, FailedRecordsKeepTheirErrorAndRankLast) {
  Record r = makeRecord("w", {});
  r.error = MeasureError::Timeout;
  r.errorMessage = "timed out after 120 s";
  auto back = parseRecord(toJsonLine(r));
  ASSERT_TRUE((bool)back) << llvm::toString(back.takeError());
  EXPECT_EQ(back->error, MeasureError::Timeout);
  EXPECT_EQ(back->errorMessage, "timed out after 120 s");
  EXPECT_FALSE(back->ok());
  EXPECT_TRUE(std::isinf(back->medianMs()));
}

TEST(TuningLog, BadLinesAreSkippedWithFileAndLine) {
  std::string path = tempPath("bad.jsonl");
  Record good = makeRecord("w", {1.0});
  Record newer = good;
  newer.schema = kSchemaVersion + 1;
  std::string truncated = toJsonLine(good).substr(0, 40);
  {
    std::ofstream os(path);
    os << toJsonLine(good) << "\n"
       << "not json\n"
       << toJsonLine(newer) << "\n"
       << "{\"schema\": 1}\n"
       << "\n"
       << toJsonLine(good) << "\n"
       << truncated; // a killed writer's last line
  }
  auto log = loadLog(path);
  ASSERT_TRUE((bool)log) << llvm::toString(log.takeError());
  EXPECT_EQ(log->records.size(), 2u);
  ASSERT_EQ(log->warnings.size(), 4u);
  EXPECT_NE(log->warnings[0].find(path + ":2: skipped"), std::string::npos) << log->warnings[0];
  EXPECT_NE(log->warnings[1].find(path + ":3: skipped: schema 2 is newer"), std::string::npos)
      << log->warnings[1];
  EXPECT_NE(log->warnings[2].find(path + ":4: skipped"), std::string::npos) << log->warnings[2];
  EXPECT_NE(log->warnings[3].find(path + ":7: skipped"), std::string::npos) << log->warnings[3];
  // Appending after the cut line starts a new line; the file is never rewritten.
  {
    auto w = LogWriter::open(path);
    ASSERT_TRUE((bool)w) << llvm::toString(w.takeError());
    ASSERT_FALSE((bool)w->append(good));
  }
  auto again = loadLog(path);
  ASSERT_TRUE((bool)again);
  EXPECT_EQ(again->records.size(), 3u);
  EXPECT_EQ(again->warnings.size(), 4u);
}

TEST(TuningLog, MissingLogIsAnError) {
  auto log = loadLog(tempPath("does_not_exist.jsonl"));
  ASSERT_FALSE((bool)log);
  EXPECT_NE(llvm::toString(log.takeError()).find("cannot read tuning log"), std::string::npos);
}

TEST(TuningDatabase, BestIsPerTargetAndThreads) {
  TuningDatabase db;
  db.add(makeRecord("w", {2.0}, 1, "x86-64-avx2", 6));
  db.add(makeRecord("w", {1.0}, 1, "x86-64-avx2", 4));
  db.add(makeRecord("w", {3.0}, 1, "x86-64-avx2", 2));
  db.add(makeRecord("w", {0.5}, 2, "x86-64-avx2", 3));
  db.add(makeRecord("w", {0.1}, 1, "x86-64-avx512", 5));
  Record failed = makeRecord("w", {}, 1, "x86-64-avx2", 1);
  failed.error = MeasureError::Crash;
  db.add(failed);
  TargetKey avx2 = TargetKey::of(*targets::parseTarget("x86-64-avx2"));
  const Record *one = db.best("w", avx2, 1);
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->schedule["mr"], 4);
  const Record *two = db.best("w", avx2, 2);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->schedule["mr"], 3);
  // No record with 4 threads: the fewest threads measured.
  const Record *four = db.best("w", avx2, 4);
  ASSERT_NE(four, nullptr);
  EXPECT_EQ(four->schedule["mr"], 4);
  // A record tuned for AVX-512 never applies to AVX2, and no record for another workload.
  TargetKey plain = TargetKey::of(*targets::parseTarget("x86-64"));
  EXPECT_EQ(db.best("w", plain, 1), nullptr);
  EXPECT_EQ(db.best("other", avx2, 1), nullptr);
}

TEST(TuningLog, TimingIsKeptAndOldRecordsWereHot) {
  Record r = makeRecord("w", {1.0});
  EXPECT_FALSE(r.hotCache);
  std::string line = toJsonLine(r);
  EXPECT_NE(line.find("\"timing\":\"scrubbed\""), std::string::npos);
  r.hotCache = true;
  auto hot = parseRecord(toJsonLine(r));
  ASSERT_TRUE((bool)hot) << llvm::toString(hot.takeError());
  EXPECT_TRUE(hot->hotCache);
  // A record from before the field existed was timed hot.
  std::string old = line;
  old.erase(old.find(",\"timing\":\"scrubbed\""), std::string(",\"timing\":\"scrubbed\"").size());
  auto before = parseRecord(old);
  ASSERT_TRUE((bool)before) << llvm::toString(before.takeError());
  EXPECT_TRUE(before->hotCache);
  std::string bad = line;
  bad.replace(bad.find("scrubbed"), 8, "lukewarm");
  auto wrong = parseRecord(bad);
  ASSERT_FALSE((bool)wrong);
  EXPECT_NE(llvm::toString(wrong.takeError()).find("unknown timing 'lukewarm'"), std::string::npos);
}

TEST(TuningDatabase, ScrubbedTimingBeatsHot) {
  // Hot timings look faster than the kernel runs in a model: a scrubbed record wins even
  // when a hot one is faster; hot records serve only where there is no scrubbed one.
  Record hot = makeRecord("w", {0.5}, 1, "x86-64-avx2", 4);
  hot.hotCache = true;
  Record scrubbed = makeRecord("w", {0.8}, 1, "x86-64-avx2", 5);
  TargetKey avx2 = TargetKey::of(*targets::parseTarget("x86-64-avx2"));
  TuningDatabase db;
  db.add(hot);
  ASSERT_NE(db.best("w", avx2, 1), nullptr);
  EXPECT_EQ(db.best("w", avx2, 1)->schedule["mr"], 4);
  db.add(scrubbed);
  EXPECT_EQ(db.best("w", avx2, 1)->schedule["mr"], 5);
  db.add(hot);
  EXPECT_EQ(db.best("w", avx2, 1)->schedule["mr"], 5);
}

TEST(TuningDatabase, ConfirmedTimingsBeatLuckierOnes) {
  // The end of a sweep times the default and the best side by side: those records decide,
  // even where an unconfirmed record of another candidate (or the same) looked faster.
  Record lucky = makeRecord("w", {0.5}, 1, "x86-64-avx2", 4);
  Record best = makeRecord("w", {0.9}, 1, "x86-64-avx2", 4), dflt = makeRecord("w", {0.8}, 1, "x86-64-avx2", 6);
  best.confirmed = dflt.confirmed = true;
  auto back = parseRecord(toJsonLine(best));
  ASSERT_TRUE((bool)back) << llvm::toString(back.takeError());
  EXPECT_TRUE(back->confirmed);
  EXPECT_EQ(toJsonLine(lucky).find("confirmed"), std::string::npos); // absent when false
  TargetKey avx2 = TargetKey::of(*targets::parseTarget("x86-64-avx2"));
  TuningDatabase db;
  db.addAll({lucky, best});
  EXPECT_EQ(db.best("w", avx2, 1)->medianMs(), 0.9);
  db.add(dflt); // side by side, the default was the faster
  EXPECT_EQ(db.best("w", avx2, 1)->schedule["mr"], 6);
}

TEST(TuningDatabase, TiesDoNotDependOnOrder) {
  Record a = makeRecord("w", {1.0}, 1, "x86-64-avx2", 4), b = makeRecord("w", {1.0}, 1, "x86-64-avx2", 5);
  TargetKey avx2 = TargetKey::of(*targets::parseTarget("x86-64-avx2"));
  TuningDatabase ab, ba;
  ab.add(a), ab.add(b);
  ba.add(b), ba.add(a);
  EXPECT_EQ(toJsonLine(*ab.best("w", avx2, 1)), toJsonLine(*ba.best("w", avx2, 1)));
}

} // namespace
