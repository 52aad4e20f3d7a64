//===- CostModel.h - gradient-boosted trees that rank candidates ----------===//
//
// XGBoost (its C API, Debian's libxgboost-dev, the library TVM's tuner uses)
// regresses a candidate's features (Features.h) to its speed relative to the
// best of its task (best time / time, in (0, 1]). One model per task, trained
// online on that task's measurements: single-threaded and without sampling,
// so it is deterministic and a task's search does not depend on other tasks
// (shards search as one run would).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace strata::tuning {

class CostModel {
public:
  CostModel() = default;
  CostModel(const CostModel &) = delete;
  CostModel &operator=(const CostModel &) = delete;
  ~CostModel();

  /// Trains a fresh model on rows of `features` (all of one length) and their scores.
  llvm::Error fit(const std::vector<std::vector<float>> &features, const std::vector<float> &scores);
  /// Predicted scores; empty before the first fit.
  llvm::Expected<std::vector<float>> predict(const std::vector<std::vector<float>> &features) const;
  bool trained() const { return booster != nullptr; }
  /// Writes the trained model (XGBoost's JSON format), or reads one written so.
  llvm::Error save(const std::string &path) const;
  llvm::Error load(const std::string &path);

private:
  void *booster = nullptr; // BoosterHandle
};

} // namespace strata::tuning
