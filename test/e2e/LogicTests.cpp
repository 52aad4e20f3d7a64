//===- LogicTests.cpp - comparisons, logic, Where, Cast, bool and int32 ---===//
//
// Booleans end to end: comparison results, logical ops on bool inputs,
// Where's three-way broadcasting, casts to and from bool, bool tensors
// through data movement and fused chains, and int32 model inputs (widened
// to int64 on entry). Compiled code against the reference interpreter.
//
//===----------------------------------------------------------------------===//
#include "test/e2e/OpCase.h"

#include <gtest/gtest.h>

using namespace strata::testing;

namespace {

json scalarConst(double v, const std::string &dtype = "float32") {
  return {{"shape", json::array()}, {"dtype", dtype}, {"data", {v}}};
}

std::vector<OpCase> allCases() {
  std::vector<OpCase> cases;
  // Comparisons of floats, with broadcasting and odd sizes; values snapped to a grid of
  // quarters so that equal pairs occur.
  for (const char *op : {"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"}) {
    cases.push_back({std::string(op) + "_f32_bcast",
                     model({input("a", {2, 3, 5, 7}), input("b", {7})},
                           {node("Mul", {"a", "four"}, {"a4"}), node("Floor", {"a4"}, {"af"}),
                            node("Mul", {"b", "four"}, {"b4"}), node("Floor", {"b4"}, {"bf"}),
                            node(op, {"af", "bf"}, {"y"})},
                           {"y"}, {{"four", scalarConst(4)}})});
    cases.push_back({std::string(op) + "_i64",
                     model({typedInput("a", {3, 17}, "int64"), typedInput("b", {3, 1}, "int64")},
                           {node(op, {"a", "b"}, {"y"})}, {"y"})});
  }
  // Logical ops on bool inputs, broadcasting.
  for (const char *op : {"And", "Or", "Xor"}) {
    cases.push_back({std::string(op) + "_same", model({typedInput("a", {2, 3, 19}, "bool"), typedInput("b", {2, 3, 19}, "bool")},
                                                      {node(op, {"a", "b"}, {"y"})}, {"y"})});
    cases.push_back({std::string(op) + "_bcast", model({typedInput("a", {3, 1, 5}, "bool"), typedInput("b", {4, 1}, "bool")},
                                                       {node(op, {"a", "b"}, {"y"})}, {"y"})});
  }
  cases.push_back({"Not", model({typedInput("a", {5, 13}, "bool")}, {node("Not", {"a"}, {"y"})}, {"y"})});
  // Where: condition, X and Y each broadcast; float and int64 values.
  cases.push_back({"Where_bcast3", model({typedInput("c", {3, 1, 7}, "bool"), input("x", {5, 1}), input("y", {7})},
                                         {node("Where", {"c", "x", "y"}, {"out"})}, {"out"})});
  cases.push_back({"Where_i64", model({typedInput("c", {2, 9}, "bool"), typedInput("x", {2, 9}, "int64"),
                                       typedInput("y", {1}, "int64")},
                                      {node("Where", {"c", "x", "y"}, {"out"})}, {"out"})});
  // A fused chain: mask from a comparison, negated, combined, used by Where and cast back.
  cases.push_back({"mask_chain", model({input("x", {2, 3, 11})},
                                       {node("Greater", {"x", "zero"}, {"pos"}), node("Less", {"x", "half"}, {"small"}),
                                        node("Not", {"small"}, {"big"}), node("Or", {"pos", "big"}, {"m"}),
                                        node("Where", {"m", "x", "zero"}, {"w"}), node("Cast", {"m"}, {"mf"}, {{"to", 1}}),
                                        node("Add", {"w", "mf"}, {"y"})},
                                       {"y", "m"}, {{"zero", scalarConst(0)}, {"half", scalarConst(0.5)}})});
  // Casts to and from bool (ONNX type 9), int64 (7) and int32 (6, computed as int64).
  cases.push_back({"Cast_f32_to_bool", model({input("x", {4, 9})},
                                             {node("Floor", {"x"}, {"f"}), node("Cast", {"f"}, {"y"}, {{"to", 9}})}, {"y"})});
  cases.push_back({"Cast_bool_to_f32", model({typedInput("b", {4, 9}, "bool")}, {node("Cast", {"b"}, {"y"}, {{"to", 1}})}, {"y"})});
  cases.push_back({"Cast_bool_to_i64", model({typedInput("b", {23}, "bool")}, {node("Cast", {"b"}, {"y"}, {{"to", 7}})}, {"y"})});
  cases.push_back({"Cast_i64_to_bool", model({typedInput("a", {23}, "int64")}, {node("Cast", {"a"}, {"y"}, {{"to", 9}})}, {"y"})});
  cases.push_back({"Cast_f32_to_int32", model({input("x", {3, 7})},
                                              {node("Mul", {"x", "ten"}, {"s"}), node("Cast", {"s"}, {"y"}, {{"to", 6}})}, {"y"},
                                              {{"ten", scalarConst(10)}})});
  // int32 inputs are widened to int64 on entry.
  cases.push_back({"int32_input", model({typedInput("a", {3, 5}, "int32"), typedInput("b", {5}, "int64")},
                                        {node("Add", {"a", "b"}, {"y"})}, {"y"})});
  // Narrow integer inputs (uint8, int8, int16, uint16, uint32) are widened to int64 on entry too.
  for (const char *t : {"uint8", "int8", "int16", "uint16", "uint32"})
    cases.push_back({std::string(t) + "_input", model({typedInput("a", {3, 5}, t), typedInput("b", {5}, "int64")},
                                                      {node("Mul", {"a", "b"}, {"y"})}, {"y"})});
  // Casts to narrow integers wrap (ONNX types 2 uint8, 3 int8, 6 int32), also from float.
  for (int to : {2, 3, 6})
    cases.push_back({"Cast_wraps_to_" + std::to_string(to),
                     model({input("x", {4, 7})},
                           {node("Mul", {"x", "big"}, {"s"}), node("Cast", {"s"}, {"c"}, {{"to", to}}),
                            node("Cast", {"c"}, {"y"}, {{"to", 1}})},
                           {"y"}, {{"big", scalarConst(300)}})});
  // Clip on integers: max/min with the given bounds.
  cases.push_back({"Clip_int64", model({typedInput("a", {3, 9}, "int64")}, {node("Clip", {"a", "lo", "hi"}, {"y"})}, {"y"},
                                       {{"lo", scalarConst(-2, "int64")}, {"hi", scalarConst(2, "int64")}})});
  // Bool tensors through data movement.
  cases.push_back({"bool_data_movement",
                   model({typedInput("a", {2, 3, 5}, "bool"), typedInput("b", {2, 3, 2}, "bool")},
                         {node("Transpose", {"a"}, {"t"}, {{"perm", {0, 2, 1}}}), node("Transpose", {"t"}, {"u"}, {{"perm", {0, 2, 1}}}),
                          node("Concat", {"u", "b"}, {"c"}, {{"axis", -1}}), node("Slice", {"c", "st", "en", "ax"}, {"s"}),
                          node("Reshape", {"s", "shape"}, {"y"})},
                         {"y"},
                         {{"st", {{"shape", {1}}, {"dtype", "int64"}, {"data", {1}}}},
                          {"en", {{"shape", {1}}, {"dtype", "int64"}, {"data", {6}}}},
                          {"ax", {{"shape", {1}}, {"dtype", "int64"}, {"data", {2}}}},
                          {"shape", {{"shape", {2}}, {"dtype", "int64"}, {"data", {2, -1}}}}})});
  cases.push_back({"bool_gather", model({typedInput("a", {4, 6}, "bool")}, {node("Gather", {"a", "idx"}, {"y"}, {{"axis", 1}})}, {"y"},
                                        {{"idx", {{"shape", {3}}, {"dtype", "int64"}, {"data", {5, -1, 0}}}}})});
  // Dropout in inference mode: the identity, and a mask of all true.
  cases.push_back({"Dropout_mask", model({input("x", {3, 8})}, {node("Dropout", {"x"}, {"y", "mask"})}, {"y", "mask"})});
  return cases;
}

STRATA_OP_CASE_SUITE(LogicTest, allCases);

} // namespace
