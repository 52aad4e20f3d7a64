//===- ResizeTests.cpp - Resize and Upsample ------------------------------===//
//
// Resize is a frontend decomposition (gathers with constant indices times
// constant weights, per axis). The parameterized cases compile it and compare
// with the reference interpreter on the same graph; the ResizeExact tests check
// the decomposition itself against hand-computed values.
//
//===----------------------------------------------------------------------===//
#include "test/e2e/Harness.h"
#include "test/e2e/OpCase.h"

#include <gtest/gtest.h>

using namespace strata;
using namespace strata::testing;

namespace {

json floats(std::vector<double> v) { return {{"shape", {(int64_t)v.size()}}, {"data", v}}; }
json ints(std::vector<double> v) {
  return {{"shape", {(int64_t)v.size()}}, {"dtype", "int64"}, {"data", v}};
}

/// y = Resize(x, roi, scales) (opset 13).
OpCase scalesCase(const std::string &name, std::vector<int64_t> shape, std::vector<double> scales,
                  json attrs, std::vector<double> roi = {}) {
  json init = {{"scales", floats(scales)}};
  if (!roi.empty())
    init["roi"] = floats(roi);
  return {name, model({input("x", shape)},
                      {node("Resize", {"x", roi.empty() ? "" : "roi", "scales"}, {"y"}, attrs)},
                      {"y"}, init, 13)};
}

/// y = Resize(x, roi, -, sizes) (opset 13).
OpCase sizesCase(const std::string &name, std::vector<int64_t> shape, std::vector<double> sizes,
                 json attrs, std::vector<double> roi = {}) {
  json init = {{"sizes", ints(sizes)}};
  if (!roi.empty())
    init["roi"] = floats(roi);
  return {name, model({input("x", shape)},
                      {node("Resize", {"x", roi.empty() ? "" : "roi", "", "sizes"}, {"y"}, attrs)},
                      {"y"}, init, 13)};
}

std::vector<OpCase> resizeCases() {
  std::vector<OpCase> cases;
  // Non-integer factors up and down, odd sizes, batch > 1.
  std::vector<double> odd = {1, 1, 1.7, 0.6};
  for (const char *nearest : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"})
    cases.push_back(scalesCase(std::string("nearest_") + nearest, {2, 3, 5, 7}, odd,
                               {{"mode", "nearest"}, {"nearest_mode", nearest}}));
  for (const char *coord : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                            "tf_half_pixel_for_nn"}) {
    for (const char *mode : {"nearest", "linear", "cubic"})
      cases.push_back(scalesCase(std::string(mode) + "_" + coord, {2, 3, 5, 7}, odd,
                                 {{"mode", mode}, {"coordinate_transformation_mode", coord}}));
    cases.push_back(sizesCase(std::string("linear_sizes_") + coord, {2, 3, 9, 4}, {2, 3, 4, 11},
                              {{"mode", "linear"}, {"coordinate_transformation_mode", coord}}));
  }
  // A resized dimension of 1 (align_corners and pytorch_half_pixel special-case it).
  for (const char *coord : {"align_corners", "pytorch_half_pixel"})
    cases.push_back(sizesCase(std::string("cubic_to_one_") + coord, {1, 2, 5, 6}, {1, 2, 1, 3},
                              {{"mode", "cubic"}, {"coordinate_transformation_mode", coord}}));
  cases.push_back(scalesCase("cubic_exclude_outside_A", {2, 2, 6, 5}, {1, 1, 2.5, 0.8},
                             {{"mode", "cubic"}, {"cubic_coeff_a", -0.5}, {"exclude_outside", 1}}));
  // n-linear over every axis, batch and channels included.
  cases.push_back(scalesCase("linear_all_axes", {3, 4, 5, 3}, {1.5, 0.5, 1.3, 2.0},
                             {{"mode", "linear"}}));
  cases.push_back(sizesCase("nearest_rank3", {2, 5, 7}, {3, 5, 12}, {{"mode", "nearest"}}));
  // tf_crop_and_resize, with positions outside the input (extrapolation).
  for (const char *mode : {"nearest", "linear", "cubic"})
    cases.push_back(sizesCase(std::string("crop_and_resize_") + mode, {2, 3, 6, 7}, {2, 3, 5, 4},
                              {{"mode", mode}, {"coordinate_transformation_mode", "tf_crop_and_resize"},
                               {"extrapolation_value", 0.25}},
                              {0, 0, -0.2, 0.3, 1, 1, 0.9, 1.4}));
  cases.push_back(scalesCase("crop_and_resize_scales", {1, 2, 5, 5}, {1, 1, 1.4, 0.6},
                             {{"mode", "linear"}, {"coordinate_transformation_mode", "tf_crop_and_resize"}},
                             {0, 0, 0.1, 0.2, 1, 1, 0.8, 0.7}));
  // Older forms: Resize-10 and Upsample-9 (scales input), Upsample-7 (scales attribute).
  cases.push_back({"resize_opset10_linear",
                   model({input("x", {2, 3, 5, 4})}, {node("Resize", {"x", "scales"}, {"y"}, {{"mode", "linear"}})},
                         {"y"}, {{"scales", floats({1, 1, 1.5, 2.5})}}, 10)});
  cases.push_back({"upsample_opset9_nearest",
                   model({input("x", {2, 3, 5, 4})}, {node("Upsample", {"x", "scales"}, {"y"}, {{"mode", "nearest"}})},
                         {"y"}, {{"scales", floats({1, 1, 2, 3})}}, 9)});
  cases.push_back({"upsample_opset7_linear",
                   model({input("x", {2, 3, 5, 4})},
                         {node("Upsample", {"x"}, {"y"}, {{"mode", "linear"}, {"scales", {1.0, 1.0, 2.0, 1.5}}})},
                         {"y"}, {}, 7)});
  return cases;
}

STRATA_OP_CASE_SUITE(ResizeTest, resizeCases);


TEST(ResizeExact, LinearHalfPixelUpsampleBy2) {
  // Per axis, [a, b] -> positions -0.25, 0.25, 0.75, 1.25 -> [a, .75a+.25b, .25a+.75b, b].
  auto c = scalesCase("linear_x2", {1, 1, 2, 2}, {1, 1, 2, 2}, {{"mode", "linear"}});
  expectOpCaseOutputs(c, {floatTensor({1, 1, 2, 2}, {1, 2, 3, 4})},
                      {floatTensor({1, 1, 4, 4}, {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5,  //
                                             2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0})});
}

TEST(ResizeExact, UpsampleNearestAsymmetricFloor) {
  OpCase c{"upsample", model({input("x", {1, 1, 2, 2})}, {node("Upsample", {"x", "scales"}, {"y"})}, {"y"},
                             {{"scales", floats({1, 1, 2, 3})}}, 9)};
  expectOpCaseOutputs(c, {floatTensor({1, 1, 2, 2}, {1, 2, 3, 4})},
                      {floatTensor({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,  //
                                             3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4})});
}

TEST(ResizeExact, NearestRoundingModesAtHalves) {
  // asymmetric x2: positions 0, 0.5, 1, 1.5, 2, 2.5 over [10, 20, 30].
  for (auto [mode, want] : std::vector<std::pair<std::string, std::vector<float>>>{
           {"round_prefer_floor", {10, 10, 20, 20, 30, 30}},
           {"round_prefer_ceil", {10, 20, 20, 30, 30, 30}},
           {"floor", {10, 10, 20, 20, 30, 30}},
           {"ceil", {10, 20, 20, 30, 30, 30}}}) {
    SCOPED_TRACE(mode);
    auto c = scalesCase("nearest_" + mode, {1, 3}, {1, 2},
                        {{"mode", "nearest"}, {"nearest_mode", mode},
                         {"coordinate_transformation_mode", "asymmetric"}});
    expectOpCaseOutputs(c, {floatTensor({1, 3}, {10, 20, 30})}, {floatTensor({1, 6}, want)});
  }
}

TEST(ResizeExact, CubicAlignCorners) {
  // Positions x / 2 over [0, 1, 2, 3]; at t = 0.5 the weights (A = -0.75) are
  // [-0.09375, 0.59375, 0.59375, -0.09375], and the edge index is replicated.
  auto c = sizesCase("cubic", {1, 4}, {1, 7},
                     {{"mode", "cubic"}, {"coordinate_transformation_mode", "align_corners"}});
  expectOpCaseOutputs(c, {floatTensor({1, 4}, {0, 1, 2, 3})},
                      {floatTensor({1, 7}, {0, 0.40625, 1, 1.5, 2, 2.59375, 3})});
  // exclude_outside drops the tap past the edge and rescales the other three.
  auto e = sizesCase("cubic_exclude", {1, 4}, {1, 7},
                     {{"mode", "cubic"}, {"coordinate_transformation_mode", "align_corners"},
                      {"exclude_outside", 1}});
  expectOpCaseOutputs(e, {floatTensor({1, 4}, {0, 1, 2, 3})},
                      {floatTensor({1, 7}, {0, 0.40625 / 1.09375, 1, 1.5, 2, 2.875 / 1.09375, 3})});
}

TEST(ResizeExact, CropAndResizeExtrapolates) {
  // Along the last axis: positions -1.5 + 2.25 x = -1.5 (outside), 0.75, 3.
  auto c = sizesCase("crop", {1, 4}, {1, 3},
                     {{"mode", "linear"}, {"coordinate_transformation_mode", "tf_crop_and_resize"},
                      {"extrapolation_value", 10.0}},
                     {0, -0.5, 1, 1});
  expectOpCaseOutputs(c, {floatTensor({1, 4}, {1, 2, 3, 4})}, {floatTensor({1, 3}, {10, 1.75, 4})});
}

TEST(ResizeErrors, RejectsOpset18Attributes) {
  auto c = scalesCase("antialias", {1, 1, 4, 4}, {1, 1, 0.5, 0.5}, {{"mode", "linear"}, {"antialias", 1}});
  auto exe = compile(writeTempFile("resize_antialias.json", c.model.dump()));
  ASSERT_FALSE(exe.ok());
  EXPECT_NE(exe.error().find("'antialias' is not supported"), std::string::npos) << exe.error();
}

} // namespace
