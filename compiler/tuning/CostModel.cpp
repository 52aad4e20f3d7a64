//===- CostModel.cpp ------------------------------------------------------===//
#include "compiler/tuning/CostModel.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <string>

namespace strata::tuning {

namespace {

llvm::Error xgbError(const char *what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 std::string("cost model: ") + what + ": " + XGBGetLastError());
}

/// A dense matrix of the rows, freed on scope exit.
struct Matrix {
  DMatrixHandle handle = nullptr;
  ~Matrix() {
    if (handle)
      XGDMatrixFree(handle);
  }
  int make(const std::vector<std::vector<float>> &rows) {
    size_t cols = rows.empty() ? 0 : rows[0].size();
    std::vector<float> flat;
    flat.reserve(rows.size() * cols);
    for (const auto &r : rows)
      flat.insert(flat.end(), r.begin(), r.end());
    return XGDMatrixCreateFromMat(flat.data(), rows.size(), cols, NAN, &handle);
  }
};

constexpr int kRounds = 40;

} // namespace

CostModel::~CostModel() {
  if (booster)
    XGBoosterFree(booster);
}

llvm::Error CostModel::fit(const std::vector<std::vector<float>> &features,
                           const std::vector<float> &scores) {
  Matrix m;
  if (m.make(features) != 0)
    return xgbError("matrix");
  if (XGDMatrixSetFloatInfo(m.handle, "label", scores.data(), scores.size()) != 0)
    return xgbError("labels");
  BoosterHandle b = nullptr;
  if (XGBoosterCreate(&m.handle, 1, &b) != 0)
    return xgbError("create");
  const char *params[][2] = {{"nthread", "1"},           {"objective", "reg:squarederror"},
                             {"max_depth", "4"},         {"eta", "0.3"},
                             {"min_child_weight", "1"},  {"subsample", "1"},
                             {"tree_method", "exact"},   {"seed", "0"},
                             {"verbosity", "0"}};
  for (auto &p : params)
    if (XGBoosterSetParam(b, p[0], p[1]) != 0) {
      XGBoosterFree(b);
      return xgbError("parameters");
    }
  for (int i = 0; i < kRounds; ++i)
    if (XGBoosterUpdateOneIter(b, i, m.handle) != 0) {
      XGBoosterFree(b);
      return xgbError("training");
    }
  if (booster)
    XGBoosterFree(booster);
  booster = b;
  return llvm::Error::success();
}

llvm::Expected<std::vector<float>> CostModel::predict(const std::vector<std::vector<float>> &features) const {
  if (!booster || features.empty())
    return std::vector<float>{};
  Matrix m;
  if (m.make(features) != 0)
    return xgbError("matrix");
  bst_ulong len = 0;
  const float *out = nullptr;
  if (XGBoosterPredict(booster, m.handle, 0, 0, 0, &len, &out) != 0)
    return xgbError("prediction");
  return std::vector<float>(out, out + len);
}

} // namespace strata::tuning

namespace strata::tuning {

llvm::Error CostModel::save(const std::string &path) const {
  if (!booster)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "cost model: nothing trained to save");
  if (XGBoosterSaveModel(booster, path.c_str()) != 0)
    return xgbError(("saving " + path).c_str());
  return llvm::Error::success();
}

llvm::Error CostModel::load(const std::string &path) {
  BoosterHandle b = nullptr;
  if (XGBoosterCreate(nullptr, 0, &b) != 0)
    return xgbError("create");
  if (XGBoosterLoadModel(b, path.c_str()) != 0 || XGBoosterSetParam(b, "nthread", "1") != 0) {
    XGBoosterFree(b);
    return xgbError(("loading " + path).c_str());
  }
  if (booster)
    XGBoosterFree(booster);
  booster = b;
  return llvm::Error::success();
}

} // namespace strata::tuning
