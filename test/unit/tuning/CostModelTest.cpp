//===- CostModelTest.cpp - the XGBoost ranking model -----------------------===//
#include "compiler/tuning/CostModel.h"

#include <gtest/gtest.h>

#include <random>

using namespace strata::tuning;

namespace {

/// A score with an interaction and a threshold, as schedule speeds have.
float truth(const std::vector<float> &x) {
  return 1.0f / (1.0f + (x[0] - 3) * (x[0] - 3) + (x[1] > 4 ? 2.0f : 0.0f) + 0.1f * x[2]);
}

std::vector<std::vector<float>> sample(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<float>> xs;
  for (int i = 0; i < n; ++i)
    xs.push_back({(float)(rng() % 8), (float)(rng() % 8), (float)(rng() % 8)});
  return xs;
}

TEST(CostModel, LearnsToRankAndIsDeterministic) {
  auto train = sample(96, 1), test = sample(64, 2);
  std::vector<float> y;
  for (const auto &x : train)
    y.push_back(truth(x));
  CostModel m, again;
  EXPECT_FALSE(m.trained());
  ASSERT_FALSE((bool)m.fit(train, y));
  ASSERT_FALSE((bool)again.fit(train, y));
  auto p = m.predict(test), q = again.predict(test);
  ASSERT_TRUE((bool)p && (bool)q);
  ASSERT_EQ(p->size(), test.size());
  EXPECT_EQ(*p, *q) << "same data, same model";
  // Pairwise ranking accuracy on unseen points.
  int agree = 0, pairs = 0;
  for (size_t i = 0; i < test.size(); ++i)
    for (size_t j = i + 1; j < test.size(); ++j) {
      float ti = truth(test[i]), tj = truth(test[j]);
      if (std::fabs(ti - tj) < 1e-3f)
        continue;
      ++pairs;
      agree += ((*p)[i] > (*p)[j]) == (ti > tj);
    }
  EXPECT_GT((double)agree / pairs, 0.85) << agree << " of " << pairs;
}

TEST(CostModel, UntrainedPredictsNothing) {
  CostModel m;
  auto p = m.predict(sample(3, 1));
  ASSERT_TRUE((bool)p);
  EXPECT_TRUE(p->empty());
}

} // namespace
