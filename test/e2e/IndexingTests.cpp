//===- IndexingTests.cpp - the decompositions of convert/Indexing.cpp -----===//
//
// GatherND, TopK, ScatterElements / Scatter / ScatterND and ReverseSequence.
// The parameterized cases compile them on odd shapes, batch dims, negative
// indices and axes and compare with the reference interpreter; since that
// runs the same decomposed graph, the *Exact tests check each decomposition
// against small hand-computed values.
//
//===----------------------------------------------------------------------===//
#include "test/e2e/Harness.h"
#include "test/e2e/OpCase.h"

#include <gtest/gtest.h>

using namespace strata;
using namespace strata::testing;

namespace {

json constTensor(std::vector<int64_t> shape, std::vector<double> data, const std::string &dtype = "float32") {
  return {{"shape", shape}, {"dtype", dtype}, {"data", data}};
}

/// An int64 constant of `shape` whose values cycle through [lo, hi].
json cyclingInts(std::vector<int64_t> shape, int64_t lo, int64_t hi, int64_t step = 3) {
  int64_t count = HostTensor::numElements(shape), span = hi - lo + 1;
  std::vector<double> data;
  for (int64_t i = 0; i < count; ++i)
    data.push_back((double)(lo + (i * step) % span));
  return constTensor(shape, data, "int64");
}

/// One node: `inputs` are model inputs, `consts` initializers; `order` names
/// the node's inputs.
OpCase nodeCase(const std::string &name, const std::string &op, std::vector<json> inputs,
                std::vector<std::pair<std::string, json>> consts, std::vector<std::string> order, json attrs,
                std::vector<std::string> outputs = {"y"}, int opset = 17) {
  json inits = json::object();
  for (auto &[cname, value] : consts)
    inits[cname] = value;
  return {name, model(inputs, {node(op, order, outputs, attrs)}, outputs, inits, opset)};
}

OpCase scatter(const std::string &name, const std::string &op, std::vector<int64_t> dataShape,
               std::vector<int64_t> updShape, json indices, json attrs, int opset = 17,
               const std::string &dtype = "float32") {
  return nodeCase(name, op, {typedInput("d", dataShape, dtype), typedInput("u", updShape, dtype)},
                  {{"i", indices}}, {"d", "i", "u"}, attrs, {"y"}, opset);
}

OpCase topK(const std::string &name, std::vector<int64_t> shape, int64_t k, json attrs, int opset = 17) {
  if (opset < 10) {
    attrs["k"] = k;
    return nodeCase(name, "TopK", {input("x", shape)}, {}, {"x"}, attrs, {"v", "i"}, opset);
  }
  return nodeCase(name, "TopK", {input("x", shape)}, {{"k", constTensor({1}, {(double)k}, "int64")}}, {"x", "k"},
                  attrs, {"v", "i"}, opset);
}

std::vector<OpCase> indexingCases() {
  std::vector<OpCase> cases;
  // GatherND: random indices in [-4, 3] (so the indexed dims are at least 4).
  cases.push_back(nodeCase("GatherND_slices", "GatherND", {input("d", {5, 4, 6}), typedInput("i", {3, 2, 2}, "int64")},
                           {}, {"d", "i"}, json::object()));
  cases.push_back(nodeCase("GatherND_elements_i64", "GatherND",
                           {typedInput("d", {4, 5}, "int64"), typedInput("i", {6, 2}, "int64")}, {}, {"d", "i"},
                           json::object()));
  cases.push_back(nodeCase("GatherND_batch1", "GatherND", {input("d", {3, 4, 5}), typedInput("i", {3, 2, 1}, "int64")},
                           {}, {"d", "i"}, {{"batch_dims", 1}}));
  cases.push_back(nodeCase("GatherND_batch2", "GatherND",
                           {input("d", {2, 3, 4, 5}), typedInput("i", {2, 3, 7, 2}, "int64")}, {}, {"d", "i"},
                           {{"batch_dims", 2}}));
  // TopK: random floats (no ties); k from an initializer or (opset 9) an attribute.
  cases.push_back(topK("TopK_largest_last", {3, 4, 7}, 3, json::object()));
  cases.push_back(topK("TopK_smallest_axis1", {2, 5, 3}, 4, {{"axis", 1}, {"largest", 0}}));
  cases.push_back(topK("TopK_all_axis0", {4, 3}, 4, {{"axis", 0}}));
  cases.push_back(topK("TopK_unsorted", {6, 5}, 2, {{"axis", -1}, {"sorted", 0}}));
  cases.push_back(topK("TopK_opset9", {3, 8}, 2, json::object(), 9));
  // Scatters: constant indices with negatives and duplicates.
  cases.push_back(scatter("ScatterElements_axis1", "ScatterElements", {3, 5}, {2, 7}, cyclingInts({2, 7}, -5, 4),
                          {{"axis", 1}}));
  cases.push_back(scatter("ScatterElements_axis0_i64", "ScatterElements", {4, 3, 2}, {3, 3, 2},
                          cyclingInts({3, 3, 2}, -4, 3), json::object(), 17, "int64"));
  for (std::string red : {"add", "mul", "max", "min"})
    cases.push_back(scatter("ScatterElements_" + red, "ScatterElements", {3, 4}, {3, 6},
                            cyclingInts({3, 6}, -4, 3, 5), {{"axis", -1}, {"reduction", red}}, 18));
  cases.push_back(scatter("Scatter_opset9", "Scatter", {5, 3}, {2, 3}, cyclingInts({2, 3}, -5, 4), {{"axis", 0}}, 9));
  cases.push_back(scatter("ScatterND_slices", "ScatterND", {6, 3, 2}, {4, 3, 2}, cyclingInts({4, 1}, -6, 5),
                          json::object()));
  cases.push_back(scatter("ScatterND_elements", "ScatterND", {4, 5}, {3, 2}, cyclingInts({3, 2, 2}, -4, 3),
                          json::object()));
  cases.push_back(scatter("ScatterND_add_dup", "ScatterND", {4, 3}, {5, 3}, cyclingInts({5, 1}, 0, 1),
                          {{"reduction", "add"}}, 16));
  // ReverseSequence: both axis orders, lengths from 0 to the full length.
  cases.push_back(nodeCase("ReverseSequence_time0", "ReverseSequence", {input("x", {5, 4, 3})},
                           {{"l", constTensor({4}, {5, 0, 1, 3}, "int64")}}, {"x", "l"}, json::object()));
  cases.push_back(nodeCase("ReverseSequence_batch0", "ReverseSequence", {typedInput("x", {3, 6, 2}, "int64")},
                           {{"l", constTensor({3}, {2, 6, 4}, "int64")}}, {"x", "l"},
                           {{"batch_axis", 0}, {"time_axis", 1}}));
  return cases;
}

STRATA_OP_CASE_SUITE(IndexingTest, indexingCases);

//===----------------------------------------------------------------------===//
// Hand-computed values
//===----------------------------------------------------------------------===//

HostTensor iota(std::vector<int64_t> shape) {
  std::vector<float> v(HostTensor::numElements(shape));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = (float)i;
  return floatTensor(shape, v);
}

TEST(IndexingExact, GatherND) {
  auto gnd = [](std::vector<int64_t> ds, std::vector<int64_t> is, int64_t batch) {
    return nodeCase("gnd", "GatherND", {input("d", ds), typedInput("i", is, "int64")}, {}, {"d", "i"},
                    {{"batch_dims", batch}});
  };
  // Elements: (0, 0) and (1, -1) of [[0, 1], [2, 3]].
  expectOpCaseOutputs(gnd({2, 2}, {2, 2}, 0), {iota({2, 2}), int64Tensor({2, 2}, {0, 0, 1, -1})},
                      {floatTensor({2}, {0, 3})});
  // Slices: rows 1 and -2 of a [2, 2, 2].
  expectOpCaseOutputs(gnd({2, 2, 2}, {2, 1}, 0), {iota({2, 2, 2}), int64Tensor({2, 1}, {1, -2})},
                      {floatTensor({2, 2, 2}, {4, 5, 6, 7, 0, 1, 2, 3})});
  // batch_dims 1: data[0][1] and data[1][0].
  expectOpCaseOutputs(gnd({2, 2, 2}, {2, 1}, 1), {iota({2, 2, 2}), int64Tensor({2, 1}, {1, 0})},
                      {floatTensor({2, 2}, {2, 3, 4, 5})});
}

TEST(IndexingRuntime, OutOfRangeIndicesAreClamped) {
  // Indices known only at run time cannot be an import error: they are clamped, never read out
  // of bounds (docs/design.md, "Strict model checks"). Gather clamps per axis (7 -> 3, -9 + 4 ->
  // 0); GatherND clamps the flat element index ((0, 5) -> 5 -> 3, (9, 0) -> 18 -> 3).
  OpCase gather = nodeCase("gather", "Gather", {input("d", {4, 3}), typedInput("i", {3}, "int64")}, {}, {"d", "i"},
                           json::object());
  expectOpCaseOutputs(gather, {iota({4, 3}), int64Tensor({3}, {7, -9, 1})},
                      {floatTensor({3, 3}, {9, 10, 11, 0, 1, 2, 3, 4, 5})});
  OpCase gnd = nodeCase("gnd", "GatherND", {input("d", {2, 2}), typedInput("i", {2, 2}, "int64")}, {}, {"d", "i"},
                        json::object());
  expectOpCaseOutputs(gnd, {iota({2, 2}), int64Tensor({2, 2}, {0, 5, 9, 0})}, {floatTensor({2}, {3, 3})});
}

TEST(IndexingExact, TopK) {
  HostTensor x = floatTensor({2, 4}, {1, 3, 2, 3, 0, -1, 5, 4});
  // Ties: the lower index first.
  expectOpCaseOutputs(topK("topk", {2, 4}, 2, json::object()), {x},
                      {floatTensor({2, 2}, {3, 3, 5, 4}), int64Tensor({2, 2}, {1, 3, 2, 3})});
  expectOpCaseOutputs(topK("topk_small", {2, 4}, 2, {{"largest", 0}}), {x},
                      {floatTensor({2, 2}, {1, 2, -1, 0}), int64Tensor({2, 2}, {0, 2, 1, 0})});
  expectOpCaseOutputs(topK("topk_axis0", {2, 4}, 1, {{"axis", 0}}), {x},
                      {floatTensor({1, 4}, {1, 3, 5, 4}), int64Tensor({1, 4}, {0, 0, 1, 1})});
}

TEST(IndexingExact, Scatter) {
  // ScatterElements, axis 0, index -1 = 1.
  expectOpCaseOutputs(scatter("se", "ScatterElements", {2, 3}, {1, 3}, constTensor({1, 3}, {1, 0, -1}, "int64"),
                              json::object()),
                      {iota({2, 3}), floatTensor({1, 3}, {10, 20, 30})},
                      {floatTensor({2, 3}, {0, 20, 2, 10, 4, 30})});
  // Duplicates along axis 1: the last write wins; add and mul combine them.
  auto dup = [](const std::string &red) {
    return scatter("se_dup", "ScatterElements", {1, 4}, {1, 3}, constTensor({1, 3}, {1, 1, 3}, "int64"),
                   {{"axis", 1}, {"reduction", red}}, 18);
  };
  HostTensor d = floatTensor({1, 4}, {1, 2, 3, 4}), u = floatTensor({1, 3}, {10, 20, 30});
  expectOpCaseOutputs(dup("none"), {d, u}, {floatTensor({1, 4}, {1, 20, 3, 30})});
  expectOpCaseOutputs(dup("add"), {d, u}, {floatTensor({1, 4}, {1, 32, 3, 34})});
  expectOpCaseOutputs(dup("mul"), {d, u}, {floatTensor({1, 4}, {1, 400, 3, 120})});
  expectOpCaseOutputs(dup("max"), {d, u}, {floatTensor({1, 4}, {1, 20, 3, 30})});
  expectOpCaseOutputs(dup("min"), {d, u}, {floatTensor({1, 4}, {1, 2, 3, 4})});
  // Scatter (opset 9) is ScatterElements.
  expectOpCaseOutputs(scatter("s9", "Scatter", {2, 3}, {1, 3}, constTensor({1, 3}, {1, 0, -1}, "int64"),
                              json::object(), 9),
                      {iota({2, 3}), floatTensor({1, 3}, {10, 20, 30})},
                      {floatTensor({2, 3}, {0, 20, 2, 10, 4, 30})});
  // ScatterND: rows 3 and -4 of a [4, 2]; then one element written twice.
  expectOpCaseOutputs(scatter("snd", "ScatterND", {4, 2}, {2, 2}, constTensor({2, 1}, {3, -4}, "int64"),
                              json::object()),
                      {iota({4, 2}), floatTensor({2, 2}, {10, 11, 20, 21})},
                      {floatTensor({4, 2}, {20, 21, 2, 3, 4, 5, 10, 11})});
  auto snd = [](const std::string &red) {
    return scatter("snd_dup", "ScatterND", {2, 2}, {2}, constTensor({2, 2}, {1, 1, 1, 1}, "int64"),
                   {{"reduction", red}}, 18);
  };
  expectOpCaseOutputs(snd("none"), {iota({2, 2}), floatTensor({2}, {5, 6})}, {floatTensor({2, 2}, {0, 1, 2, 6})});
  expectOpCaseOutputs(snd("add"), {iota({2, 2}), floatTensor({2}, {5, 6})}, {floatTensor({2, 2}, {0, 1, 2, 14})});
}

TEST(IndexingExact, ReverseSequence) {
  // x[t][b] = 2t + b; batch 0 reversed over 4 steps, batch 1 over 2.
  expectOpCaseOutputs(nodeCase("rs", "ReverseSequence", {input("x", {4, 2})},
                               {{"l", constTensor({2}, {4, 2}, "int64")}}, {"x", "l"}, json::object()),
                      {iota({4, 2})}, {floatTensor({4, 2}, {6, 3, 4, 1, 2, 5, 0, 7})});
}

//===----------------------------------------------------------------------===//
// Rejected variants
//===----------------------------------------------------------------------===//

void expectCompileError(const OpCase &c, const std::string &message) {
  auto exe = compile(writeTempFile(c.name + ".json", c.model.dump()));
  ASSERT_FALSE(exe.ok());
  EXPECT_NE(exe.error().find(message), std::string::npos) << exe.error();
}

TEST(IndexingErrors, RejectedVariants) {
  expectCompileError(nodeCase("scatter_dyn", "ScatterElements",
                              {input("d", {3}), typedInput("i", {2}, "int64"), input("u", {2})}, {},
                              {"d", "i", "u"}, json::object()),
                     "indices (input 'i') must be a compile-time constant");
  expectCompileError(scatter("scatter_red", "ScatterND", {3}, {1}, constTensor({1, 1}, {0}, "int64"),
                             {{"reduction", "avg"}}, 18),
                     "reduction 'avg' is not supported");
  expectCompileError(scatter("scatter_range", "ScatterElements", {3}, {1}, constTensor({1}, {3}, "int64"),
                             json::object()),
                     "index 3 is out of range");
  expectCompileError(topK("topk_k", {2, 3}, 4, json::object()), "k = 4 must be in [1, 3]");
  expectCompileError(nodeCase("topk_i64", "TopK", {typedInput("x", {3}, "int64")},
                              {{"k", constTensor({1}, {1}, "int64")}}, {"x", "k"}, json::object(), {"v", "i"}),
                     "int64 inputs are not supported (float32 only)");
  expectCompileError(nodeCase("rs_lens", "ReverseSequence", {input("x", {2, 2})},
                              {{"l", constTensor({2}, {3, 1}, "int64")}}, {"x", "l"}, json::object()),
                     "sequence length 3 is out of range");
}

} // namespace
