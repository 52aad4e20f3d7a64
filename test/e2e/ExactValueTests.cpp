//===- ExactValueTests.cpp - values keep their exact type end to end ------===//
//
// int64 values that a double cannot hold (2^53 + 1, -2^62 + 3, 2^63 - 1,
// INT64_MIN) through constants, model inputs, constant folding and compiled
// code; Slice at INT64_MIN / INT64_MAX starts and ends (how torch.onnx writes
// open ends) with both step signs on several axes; float32 constants that
// narrower types cannot represent. Every expected value was computed by numpy
// 2.4 (the expression is next to it), and both the compiled code and the
// reference interpreter must match it bit for bit: integers exactly, floats
// with zero tolerance.
//
//===----------------------------------------------------------------------===//
#include "test/e2e/Harness.h"
#include "test/e2e/OpCase.h"

#include <gtest/gtest.h>

#include <limits>

using namespace strata;
using namespace strata::testing;

namespace {

constexpr int64_t A = (int64_t(1) << 53) + 1;       // 9007199254740993: no double holds it
constexpr int64_t B = -(int64_t(1) << 62) + 3;      // -4611686018427387901
constexpr int64_t C = std::numeric_limits<int64_t>::max();
constexpr int64_t MIN = std::numeric_limits<int64_t>::min();

json int64Const(std::vector<int64_t> shape, std::vector<int64_t> data) {
  return {{"shape", shape}, {"dtype", "int64"}, {"data", data}};
}
json floatConst(std::vector<int64_t> shape, std::vector<float> data) {
  return {{"shape", shape}, {"data", data}};
}
HostTensor int32Tensor(std::vector<int64_t> shape, std::vector<int64_t> data) {
  return HostTensor::ofInts(DType::I32, std::move(shape), std::move(data));
}

/// Exact comparison: integers always compare exactly; zero tolerance makes floats do so too.
void expectExact(const std::string &name, json m, const std::vector<HostTensor> &inputs,
                 const std::vector<HostTensor> &expected) {
  expectOpCaseOutputs(OpCase{name, std::move(m), 0, 0}, inputs, expected);
}

TEST(ExactInt64, AddMulOfValuesAboveTwoTo53) {
  // x + np.int64(A) and x * np.int64(3), wrapping like numpy.
  json m = model({typedInput("x", {5}, "int64")},
                 {node("Add", {"x", "a"}, {"sum"}), node("Mul", {"x", "three"}, {"product"})}, {"sum", "product"},
                 {{"a", int64Const({}, {A})}, {"three", int64Const({}, {3})}});
  expectExact("add_mul", m, {int64Tensor({5}, {0, 1, A, C, B})},
              {int64Tensor({5}, {A, 9007199254740994, 18014398509481986, -9214364837600034816, -4602678819172646908}),
               int64Tensor({5}, {0, 3, 27021597764222979, 9223372036854775805, 4611686018427387913})});
}

TEST(ExactInt64, ConstantFoldingKeepsEveryBit) {
  // Folded at compile time: (A + A) * 1 - A == A; then added to the input.
  json m = model({typedInput("x", {2}, "int64")},
                 {node("Add", {"a", "a"}, {"twice"}), node("Mul", {"twice", "one"}, {"same"}),
                  node("Sub", {"same", "a"}, {"back"}), node("Add", {"x", "back"}, {"y"})},
                 {"y"}, {{"a", int64Const({1}, {A})}, {"one", int64Const({1}, {1})}});
  expectExact("fold", m, {int64Tensor({2}, {0, -1})}, {int64Tensor({2}, {A, A - 1})});
}

TEST(ExactInt64, InputsPassThroughUnrounded) {
  // The case: an input of 2^60 + 7 arrived as 2^60.
  json m = model({typedInput("x", {4}, "int64")}, {node("Identity", {"x"}, {"y"})}, {"y"});
  std::vector<int64_t> v = {(int64_t(1) << 60) + 7, A, B, MIN};
  expectExact("identity", m, {int64Tensor({4}, v)}, {int64Tensor({4}, v)});
}

TEST(ExactInt64, GatherWhereReshape) {
  // data = [A, B, C, -A]; data[idx]; np.where(cond, data[idx], x); reshaped to [2, 2].
  json m = model({typedInput("idx", {4}, "int64"), typedInput("cond", {4}, "bool"), typedInput("x", {4}, "int64")},
                 {node("Gather", {"data", "idx"}, {"g"}), node("Where", {"cond", "g", "x"}, {"w"}),
                  node("Reshape", {"w", "shape"}, {"y"})},
                 {"g", "y"}, {{"data", int64Const({4}, {A, B, C, -A})}, {"shape", int64Const({2}, {2, 2})}});
  expectExact("gather_where", m,
              {int64Tensor({4}, {3, 0, 2, -3}), boolTensor({4}, {1, 0, 1, 1}), int64Tensor({4}, {MIN, C, A, B})},
              {int64Tensor({4}, {-A, A, C, B}), int64Tensor({2, 2}, {-A, C, C, B})});
}

TEST(ExactInt64, CumSumWraps) {
  // np.cumsum([A, 1, C, B]) and the reverse exclusive form np.cumsum(x[::-1])[::-1] - x.
  json m = model({typedInput("x", {4}, "int64")},
                 {node("CumSum", {"x", "axis"}, {"y"}),
                  node("CumSum", {"x", "axis"}, {"z"}, {{"exclusive", 1}, {"reverse", 1}})},
                 {"y", "z"}, {{"axis", int64Const({}, {0})}});
  expectExact("cumsum", m, {int64Tensor({4}, {A, 1, C, B})},
              {int64Tensor({4}, {A, 9007199254740994, -9214364837600034815, 4620693217682128900}),
               int64Tensor({4}, {4611686018427387907, 4611686018427387906, B, 0})});
}

TEST(ExactInt64, RangeAndConstantOfShape) {
  // np.arange(A, A + 5, 2) + x; np.full([3], C) + y (wrapping for y = 1).
  json m = model({typedInput("x", {3}, "int64"), typedInput("y", {3}, "int64")},
                 {node("Range", {"start", "limit", "delta"}, {"r"}), node("Add", {"r", "x"}, {"rx"}),
                  node("ConstantOfShape", {"shape"}, {"c"}, {{"value", int64Const({1}, {C})}}),
                  node("Add", {"c", "y"}, {"cy"})},
                 {"rx", "cy"},
                 {{"start", int64Const({}, {A})}, {"limit", int64Const({}, {A + 5})},
                  {"delta", int64Const({}, {2})}, {"shape", int64Const({1}, {3})}});
  expectExact("range_cos", m, {int64Tensor({3}, {0, 0, -1}), int64Tensor({3}, {0, -C, 1})},
              {int64Tensor({3}, {A, A + 2, A + 3}), int64Tensor({3}, {C, 0, MIN})});
}

TEST(ExactInt64, CastRoundsOnceAndWraps) {
  // x.astype(np.float32): 2^60 + 2^36 + 1 rounds straight to 2^60 + 2^37 (through double it
  // would land on 2^60); x.astype(np.int32) wraps.
  json m = model({typedInput("x", {5}, "int64")},
                 {node("Cast", {"x"}, {"f"}, {{"to", 1}}), node("Cast", {"x"}, {"i"}, {{"to", 6}})}, {"f", "i"});
  int64_t tie = (int64_t(1) << 60) + (int64_t(1) << 36) + 1;
  expectExact("cast", m, {int64Tensor({5}, {tie, A, C, int64_t(1) << 31, -(int64_t(1) << 31) - 1})},
              {floatTensor({5}, {0x1.00000200p60f, 0x1p53f, 0x1p63f, 0x1p31f, -0x1p31f}),
               int32Tensor({5}, {1, 1, -1, -2147483648, 2147483647})});
}

TEST(ExactInt64, CastOfConstantsFolds) {
  // The same casts with a constant operand, folded at compile time.
  int64_t tie = (int64_t(1) << 60) + (int64_t(1) << 36) + 1;
  json m = model({input("x", {2})},
                 {node("Cast", {"c"}, {"f"}, {{"to", 1}}), node("Add", {"x", "f"}, {"y"})}, {"y"},
                 {{"c", int64Const({2}, {tie, A})}});
  expectExact("cast_const", m, {floatTensor({2}, {0, 0})}, {floatTensor({2}, {0x1.00000200p60f, 0x1p53f})});
}

TEST(ExactInt64, PowIsExact) {
  // np.int64(b) ** e: 3^39 and 7^22 need all 63 bits; 2^63 wraps to INT64_MIN.
  json m = model({typedInput("b", {6}, "int64"), typedInput("e", {6}, "int64")}, {node("Pow", {"b", "e"}, {"y"})},
                 {"y"});
  expectExact("pow", m, {int64Tensor({6}, {3, -3, 2, 7, -5, 3}), int64Tensor({6}, {39, 39, 63, 22, 27, 64})},
              {int64Tensor({6}, {4052555153018976267, -4052555153018976267, MIN, 3909821048582988049,
                                 -7450580596923828125, 8733086111712066817})});
}

TEST(ExactInt64, PowWithConstantExponent) {
  // x ** 2 with the exponent a float32 constant (how exporters write it) and x ** -1.
  json m = model({typedInput("x", {4}, "int64")},
                 {node("Pow", {"x", "two"}, {"sq"}), node("Pow", {"x", "minus_one"}, {"inv"})}, {"sq", "inv"},
                 {{"two", floatConst({}, {2})}, {"minus_one", int64Const({}, {-1})}});
  expectExact("pow_const", m, {int64Tensor({4}, {3037000499, -1, 1, 5})},
              {int64Tensor({4}, {9223372030926249001, 1, 1, 25}), int64Tensor({4}, {0, -1, 1, 0})});
}

TEST(ExactInt64, PowWithFloatExponent) {
  // An integer base to a float32 exponent (ONNX Pow's T1), as ONNX Runtime computes it: a whole
  // exponent exactly (A ** 1 stays A), else int(pow(double(b), double(e))): 2 ** 0.5 -> 1,
  // 7 ** 2.5 = 129.64 -> 129.
  json m = model({typedInput("b", {4}, "int64"), input("e", {4})}, {node("Pow", {"b", "e"}, {"y"})}, {"y"});
  expectExact("pow_float", m, {int64Tensor({4}, {2, 3, A, 7}), floatTensor({4}, {0.5f, 2.0f, 1.0f, 2.5f})},
              {int64Tensor({4}, {1, 9, A, 129})});
}

TEST(ExactInt64, DivisionByMinusOneWrapsInsteadOfTrapping) {
  // ONNX Div truncates; Mod (fmod = 0) takes the divisor's sign; INT64_MIN / -1 wraps (numpy
  // gives the same with an overflow warning); a runtime divisor of -1 must not reach idiv.
  json m = model({typedInput("x", {5}, "int64"), typedInput("d", {5}, "int64")},
                 {node("Div", {"x", "d"}, {"q"}), node("Mod", {"x", "d"}, {"r"}),
                  node("Div", {"x", "minus_one"}, {"neg"})},
                 {"q", "r", "neg"}, {{"minus_one", int64Const({}, {-1})}});
  expectExact("div", m, {int64Tensor({5}, {MIN, 7, -7, C, MIN}), int64Tensor({5}, {-1, -2, 2, -1, 3})},
              {int64Tensor({5}, {MIN, -3, -3, -C, -3074457345618258602}), int64Tensor({5}, {0, -1, 1, 0, 1}),
               int64Tensor({5}, {MIN, -7, 7, -C, MIN})});
}

TEST(ExactInt32, DivisionByMinusOneWraps) {
  json m = model({typedInput("x", {3}, "int32"), typedInput("d", {3}, "int32")}, {node("Div", {"x", "d"}, {"q"})},
                 {"q"});
  expectExact("div32", m, {int32Tensor({3}, {-2147483648, 9, -9}), int32Tensor({3}, {-1, -1, 4})},
              {int32Tensor({3}, {-2147483648, -9, -2})});
}

TEST(ExactInt64, ComparisonsAtTheExtremes) {
  // x == 2^53 and x > 2^53 (a double would call A equal to 2^53); max/min with INT64_MIN.
  json m = model({typedInput("x", {3}, "int64")},
                 {node("Equal", {"x", "p53"}, {"eq"}), node("Greater", {"x", "p53"}, {"gt"}),
                  node("Max", {"x", "p53"}, {"mx"}), node("Min", {"x", "p53"}, {"mn"})},
                 {"eq", "gt", "mx", "mn"}, {{"p53", int64Const({}, {A - 1})}});
  expectExact("cmp", m, {int64Tensor({3}, {MIN, A - 1, A})},
              {boolTensor({3}, {0, 1, 0}), boolTensor({3}, {0, 0, 1}), int64Tensor({3}, {A - 1, A - 1, A}),
               int64Tensor({3}, {MIN, A - 1, A - 1})});
}

TEST(ExactInt64, OverflowWrapsBeforeAComparison) {
  // (x + 1 > x), (x - 1 < x), (x * 2 > x) as numpy computes them: false where the arithmetic
  // wraps (INT64_MAX + 1 is INT64_MIN), not folded to true; -x and |x| of INT64_MIN wrap to it.
  json m = model({typedInput("x", {4}, "int64")},
                 {node("Add", {"x", "one"}, {"s"}), node("Greater", {"s", "x"}, {"up"}),
                  node("Sub", {"x", "one"}, {"d"}), node("Less", {"d", "x"}, {"down"}),
                  node("Mul", {"x", "two"}, {"m"}), node("Greater", {"m", "x"}, {"twice"}),
                  node("Neg", {"x"}, {"neg"}), node("Abs", {"x"}, {"abs"})},
                 {"up", "down", "twice", "neg", "abs"}, {{"one", int64Const({}, {1})}, {"two", int64Const({}, {2})}});
  expectExact("wrap", m, {int64Tensor({4}, {C, MIN, 5, C / 2 + 1})},
              {boolTensor({4}, {0, 1, 1, 1}), boolTensor({4}, {1, 0, 1, 1}), boolTensor({4}, {0, 1, 1, 0}),
               int64Tensor({4}, {-C, MIN, -5, -(C / 2 + 1)}), int64Tensor({4}, {C, MIN, 5, C / 2 + 1})});
}

TEST(ExactInt64, GatherClampsOutOfRangeIndicesInInt64) {
  // Out-of-range indices are invalid in ONNX; Strata clamps them (compiled code and reference
  // alike) in int64, so 2^32 + 1 reads the last element rather than element 1.
  json m = model({typedInput("i", {4}, "int64")}, {node("Gather", {"d", "i"}, {"y"}, {{"axis", 0}})}, {"y"},
                 {{"d", floatConst({5}, {10, 11, 12, 13, 14})}});
  expectExact("gather_clamp", m, {int64Tensor({4}, {(int64_t(1) << 32) + 1, -(int64_t(1) << 40), -1, 2})},
              {floatTensor({4}, {14, 10, 14, 12})});
}

TEST(ExactInt64, IntegerReductionsAreRefused) {
  // Reductions compute in float32, so an int64 input is refused rather than rounded.
  json m = model({typedInput("x", {3}, "int64")}, {node("ReduceMin", {"x"}, {"y"}, {{"keepdims", 0}})}, {"y"});
  auto exe = compile(writeTempFile("reduce_int.json", m.dump()));
  ASSERT_FALSE(exe.ok());
  EXPECT_NE(exe.error().find("node 'ReduceMin_0' (ReduceMin): int64 inputs are not supported"), std::string::npos)
      << exe.error();
}

// Slice of x = np.arange(24, dtype=np.float32).reshape(2, 3, 4).
json sliceModel(std::vector<int64_t> starts, std::vector<int64_t> ends, std::vector<int64_t> axes,
                std::vector<int64_t> steps) {
  int64_t n = starts.size();
  return model({input("x", {2, 3, 4})}, {node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"y"})}, {"y"},
               {{"starts", int64Const({n}, starts)},
                {"ends", int64Const({n}, ends)},
                {"axes", int64Const({n}, axes)},
                {"steps", int64Const({n}, steps)}});
}

HostTensor arange24() {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i)
    v[i] = float(i);
  return floatTensor({2, 3, 4}, v);
}

TEST(ExactSlice, OpenEndIsInt64Max) {
  // torch.onnx's x[:, 1:]: ends = INT64_MAX. numpy: x[:, 1:].
  expectExact("slice_open_end", sliceModel({1}, {C}, {1}, {1}), {arange24()},
              {floatTensor({2, 2, 4}, {4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23})});
}

TEST(ExactSlice, FullReverseFromInt64MaxToInt64Min) {
  // x[::-1, ::-1, ::-1]: starts INT64_MAX, ends INT64_MIN, steps -1 on every axis.
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i)
    v[i] = float(23 - i);
  expectExact("slice_reverse", sliceModel({C, C, C}, {MIN, MIN, MIN}, {0, 1, 2}, {-1, -1, -1}), {arange24()},
              {floatTensor({2, 3, 4}, v)});
}

TEST(ExactSlice, Int64MinStartWithPositiveStep) {
  // x[:, :, ::2]: starts INT64_MIN, ends INT64_MAX, step 2.
  expectExact("slice_min_start", sliceModel({MIN}, {C}, {-1}, {2}), {arange24()},
              {floatTensor({2, 3, 2}, {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22})});
}

TEST(ExactSlice, SeveralAxesMixedSteps) {
  // x[:, ::-2, 1::2]: axis 1 from INT64_MAX down to INT64_MIN by -2, axis 2 from 1 to INT64_MAX
  // by 2, axis 0 from INT64_MIN to INT64_MAX.
  expectExact("slice_mixed", sliceModel({MIN, C, 1}, {C, MIN, C}, {0, 1, 2}, {1, -2, 2}), {arange24()},
              {floatTensor({2, 2, 2}, {9, 11, 1, 3, 21, 23, 13, 15})});
}

TEST(ExactSlice, NegativeStepFromMinusOneToInt64Min) {
  // x[:, -1::-2, :]: start -1, end INT64_MIN, step -2.
  expectExact("slice_neg", sliceModel({-1}, {MIN}, {1}, {-2}), {arange24()},
              {floatTensor({2, 2, 4}, {8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15})});
}

TEST(ExactFloat32, ConstantsNoNarrowerTypeHolds) {
  // float32 constants a narrower or decimal form would round (0.1f, 1/3f, 2^24 - 1, FLT_MAX, the
  // smallest subnormal, -0.0, 1e-38f) pass x * c unchanged for x = 1; cast to int32 they
  // truncate: np.array([2.9, -2.9, 16777215, 2147483520], np.float32).astype(np.int32).
  std::vector<float> c = {0.1f, 1.0f / 3.0f, 16777215.0f, 3.4028235e38f, 1.4e-45f, -0.0f, 1e-38f};
  json m = model({input("x", {7}), input("t", {4})},
                 {node("Mul", {"x", "c"}, {"y"}), node("Cast", {"t"}, {"i"}, {{"to", 6}}),
                  node("Cast", {"k"}, {"ki"}, {{"to", 7}})},
                 {"y", "i", "ki"}, {{"c", floatConst({7}, c)}, {"k", floatConst({2}, {1e18f, -2.5f})}});
  expectExact("float_consts", m,
              {floatTensor({7}, std::vector<float>(7, 1.0f)), floatTensor({4}, {2.9f, -2.9f, 16777215.0f, 2147483520.0f})},
              {floatTensor({7}, c), int32Tensor({4}, {2, -2, 16777215, 2147483520}),
               int64Tensor({2}, {999999984306749440, -2})});
}

} // namespace
