//===- InterfaceTest.cpp - evaluateOp, attributes, kernels, errors --------===//
#include "TestUtil.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <chrono>

using namespace strata;
using namespace strata::testing;

namespace {

//===----------------------------------------------------------------------===//
// Attribute conversion
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, AttributesRoundTrip) {
  auto f32 = mlir::RankedTensorType::get({2, 3}, mlir::Float32Type::get(&ctx));
  auto i64 = mlir::RankedTensorType::get({4}, mlir::IntegerType::get(&ctx, 64));

  HostTensor t = iota({2, 3}, -1.25, 0.5);
  auto attr = reference::toAttr(t, f32);
  EXPECT_FALSE(attr.isSplat());
  HostTensor back = reference::fromAttr(attr);
  EXPECT_EQ(back.dtype, DType::F32);
  EXPECT_EQ(back.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(back.bitEqual(t));

  // Equal values become a splat, and a splat reads back everywhere.
  HostTensor same = HostTensor::ofFloats({2, 3}, std::vector<float>(6, 2.5f));
  auto splat = reference::toAttr(same, f32);
  EXPECT_TRUE(splat.isSplat());
  expectValues(reference::fromAttr(splat), std::vector<double>(6, 2.5), 0);

  // int64 values that a double cannot hold survive exactly.
  HostTensor ints = HostTensor::ofInts(DType::I64, {4}, {-3, (1LL << 53) + 1, INT64_MIN, INT64_MAX});
  auto iattr = reference::toAttr(ints, i64);
  EXPECT_EQ(iattr.getValues<int64_t>()[1], (1LL << 53) + 1);
  HostTensor iback = reference::fromAttr(iattr);
  EXPECT_EQ(iback.dtype, DType::I64);
  EXPECT_TRUE(iback.bitEqual(ints));
  expectValues(reference::fromAttr(mlir::DenseElementsAttr::get(i64, int64_t(-9))),
               {-9, -9, -9, -9}, 0);
}

TEST_F(ReferenceTest, EmptyTensorsGoThroughBytes) {
  // An empty vector's data() may be null; memcpy and memcmp must not see it (UBSan found it).
  for (DType dtype : {DType::F32, DType::I64}) {
    HostTensor t = HostTensor::fromBytes(dtype, {0, 3}, nullptr);
    EXPECT_EQ(t.numElements(), 0);
    t.toBytes(nullptr);
    EXPECT_TRUE(t.bitEqual(HostTensor(dtype, {0, 3})));
    EXPECT_FALSE(t.bitEqual(HostTensor(dtype, {3, 0})));
  }
}

TEST_F(ReferenceTest, LargeConstantsReadFromRawData) {
  auto type = mlir::RankedTensorType::get({64, 64, 3, 3}, mlir::Float32Type::get(&ctx));
  std::vector<float> data(type.getNumElements());
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = 0.001f * (float)i - 7;
  HostTensor t = reference::fromAttr(mlir::DenseElementsAttr::get(type, llvm::ArrayRef<float>(data)));
  ASSERT_EQ(t.numElements(), (int64_t)data.size());
  for (size_t i = 0; i < data.size(); i += 997)
    EXPECT_EQ(t.asDouble(i), (double)data[i]);
}

TEST_F(ReferenceTest, DenseResourceConstants) {
  auto type = mlir::RankedTensorType::get({3}, mlir::Float32Type::get(&ctx));
  auto attr = mlir::DenseF32ResourceElementsAttr::get(
      type, "weights", mlir::HeapAsmResourceBlob::allocateAndCopyInferAlign(llvm::ArrayRef<float>{1.5f, -2, 4}));
  auto t = reference::tryFromAttr(llvm::cast<mlir::ElementsAttr>(attr));
  ASSERT_TRUE((bool)t) << llvm::toString(t.takeError());
  expectValues(*t, {1.5, -2, 4}, 0);
}

//===----------------------------------------------------------------------===//
// evaluateOp
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, EvaluateOneOp) {
  parse(R"(func.func @main(%a: tensor<2x2xf32>, %b: tensor<2xf32>) -> (tensor<2x2xf32>, tensor<2xi64>) {
    %0 = graph.mul %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
    %1 = graph.shape %a : (tensor<2x2xf32>) -> tensor<2xi64>
    return %0, %1 : tensor<2x2xf32>, tensor<2xi64>
  })");
  auto r = reference::evaluateOp(firstOp("graph.mul"), {iota({2, 2}), values({2}, {10, -1})});
  ASSERT_TRUE((bool)r) << llvm::toString(r.takeError());
  ASSERT_EQ(r->size(), 1u);
  expectValues((*r)[0], {0, -1, 20, -3});
  // graph.shape reads only its operand's type: constant folding passes an empty tensor.
  auto s = reference::evaluateOp(firstOp("graph.shape"), {HostTensor()});
  ASSERT_TRUE((bool)s) << llvm::toString(s.takeError());
  EXPECT_EQ((*s)[0].dtype, DType::I64);
  expectValues((*s)[0], {2, 2}, 0);
}

TEST_F(ReferenceTest, KernelRegionWithSeveralResults) {
  // The kernel's body runs on its operands; graph.yield returns two values,
  // one of them an operand passed straight through.
  auto r = run(R"(func.func @main(%x: tensor<1x2x3x3xf32>, %w: tensor<2x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
    %k:2 = graph.kernel "k0" anchor "conv2d" schedule {template = "direct"} (%x, %w) : (tensor<1x2x3x3xf32>, tensor<2x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
    ^bb0(%a: tensor<1x2x3x3xf32>, %b: tensor<2x1x3x3xf32>):
      %c = graph.conv2d %a, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x3xf32>
      %d = graph.add %c, %a : (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
      %e = graph.relu %d : tensor<1x2x3x3xf32>
      graph.yield %e, %a : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
    }
    %n = graph.neg %k#0 : tensor<1x2x3x3xf32>
    return %n, %k#1 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
  })",
               {iota({1, 2, 3, 3}, -9), values({2, 1, 3, 3}, std::vector<double>(18, 1.0))});
  ASSERT_EQ(r.size(), 2u);
  // Channel c, pixel p: -(relu(3x3 box sum around p + x[p])), with x = i - 9.
  std::vector<double> want;
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 3; ++x) {
        double box = 0;
        for (int yy = std::max(0, y - 1); yy <= std::min(2, y + 1); ++yy)
          for (int xx = std::max(0, x - 1); xx <= std::min(2, x + 1); ++xx)
            box += c * 9 + yy * 3 + xx - 9;
        want.push_back(-std::max(0.0, box + (c * 9 + y * 3 + x - 9)));
      }
  expectValues(r[0], want);
  expectValues(r[1], doubles(iota({1, 2, 3, 3}, -9)));
  // The kernel op alone, through evaluateOp.
  auto k = reference::evaluateOp(firstOp("graph.kernel"),
                                 {iota({1, 2, 3, 3}, -9), values({2, 1, 3, 3}, std::vector<double>(18, 1.0))});
  ASSERT_TRUE((bool)k) << llvm::toString(k.takeError());
  ASSERT_EQ(k->size(), 2u);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR((*k)[0].asDouble(i), -want[i], 1e-6);
}

TEST_F(ReferenceTest, ValuesUsedTwiceAndReturnedTwice) {
  auto r = run(R"(func.func @main(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
    %0 = graph.mul %x, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    %1 = graph.add %0, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    return %1, %1, %x : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  })",
               {iota({3}, 1)});
  ASSERT_EQ(r.size(), 3u);
  expectValues(r[0], {2, 6, 12});
  expectValues(r[1], {2, 6, 12});
  expectValues(r[2], {1, 2, 3});
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

const char *kRelu = R"(func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = graph.relu %x : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
})";

TEST_F(ReferenceTest, InputErrors) {
  EXPECT_EQ(runError(kRelu, {iota({3, 2})}),
            "reference: input 0 has shape [3,2] but the function expects [2,3]");
  EXPECT_EQ(runError(kRelu, {}), "reference: the function takes 1 input, got 0");
  EXPECT_EQ(runError(kRelu, {iota({2, 3}), iota({2, 3})}),
            "reference: the function takes 1 input, got 2");
  EXPECT_EQ(runError(kRelu, {HostTensor(DType::I64, {2, 3})}),
            "reference: input 0 has element type int64 but the function expects float32");
  HostTensor broken = iota({5});
  broken.shape = {2, 3};
  EXPECT_EQ(runError(kRelu, {broken}), "reference: input 0 holds 5 values for shape [2,3]");
}

TEST_F(ReferenceTest, UnsupportedOp) {
  ctx.allowUnregisteredDialects();
  EXPECT_EQ(runError(R"(func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "test.foo"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
})",
                     {iota({2})}),
            "reference: unsupported op 'test.foo' at loc(\"test.mlir\":2:8)");
  EXPECT_EQ(runError("func.func private @main(tensor<2xf32>) -> tensor<2xf32>", {iota({2})}),
            "reference: function @main has no body");
}

TEST_F(ReferenceTest, OperandErrorsOfEvaluateOp) {
  parse(kRelu);
  mlir::Operation *relu = firstOp("graph.relu");
  auto error = [&](std::vector<HostTensor> in) {
    auto r = reference::evaluateOp(relu, in);
    EXPECT_FALSE((bool)r);
    return r ? "" : llvm::toString(r.takeError());
  };
  EXPECT_EQ(error({iota({3})}),
            "reference: 'graph.relu' at loc(\"test.mlir\":2:8): operand 0 has shape [3] but the op "
            "expects [2,3]");
  EXPECT_EQ(error({}), "reference: 'graph.relu' at loc(\"test.mlir\":2:8): expected 1 operands, got 0");
  EXPECT_EQ(error({HostTensor(DType::I64, {2, 3})}),
            "reference: 'graph.relu' at loc(\"test.mlir\":2:8): operand 0 has element type int64 but "
            "the op expects float32");
}

TEST_F(ReferenceTest, OpThatDoesNotVerify) {
  auto fn = parse(R"(func.func @main(%x: tensor<1x4x3x3xf32>, %w: tensor<4x2x1x1xf32>) -> tensor<1x4x3x3xf32> {
  %0 = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x4x3x3xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
})");
  mlir::Operation *conv = firstOp("graph.conv2d");
  conv->setAttr("groups", mlir::Builder(&ctx).getI64IntegerAttr(3));
  std::string want = "reference: 'graph.conv2d' at loc(\"test.mlir\":2:8) does not verify: "
                     "loc(\"test.mlir\":2:8): 'graph.conv2d' op groups 3 must divide input "
                     "channels 4 and output channels 4";
  auto r = reference::runFunction(fn, {iota({1, 4, 3, 3}), iota({4, 2, 1, 1})});
  ASSERT_FALSE((bool)r);
  EXPECT_EQ(llvm::toString(r.takeError()), "reference: function @main does not verify: "
                                           "loc(\"test.mlir\":2:8): 'graph.conv2d' op groups 3 must "
                                           "divide input channels 4 and output channels 4");
  auto e = reference::evaluateOp(conv, {iota({1, 4, 3, 3}), iota({4, 2, 1, 1})});
  ASSERT_FALSE((bool)e);
  EXPECT_EQ(llvm::toString(e.takeError()), want);
}

TEST_F(ReferenceTest, ValueErrors) {
  EXPECT_EQ(runError(R"(func.func @main(%a: tensor<3xi64>, %b: tensor<3xi64>) -> tensor<3xi64> {
  %0 = graph.div %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
})",
                     {values({3}, {1, 2, 3}, DType::I64), values({3}, {1, 0, 1}, DType::I64)}),
            "reference: 'graph.div' at loc(\"test.mlir\":2:8): integer division by zero");
  HostTensor x = values({2}, {1, std::nan("")});
  EXPECT_EQ(runError(R"(func.func @main(%x: tensor<2xf32>) -> tensor<2xi64> {
  %0 = graph.cast %x : (tensor<2xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
})",
                     {x}),
            "reference: 'graph.cast' at loc(\"test.mlir\":2:8): cannot cast nan at flat index 1 to int64");
}

//===----------------------------------------------------------------------===//
// Speed: a MobileNet-sized block runs in well under a second
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, MobileNetSizedConvStackIsFast) {
  // 1x16x112x112 -> pointwise 64 -> depthwise 3x3 -> pointwise 16: about
  // 2 * 112*112 * (16*64 + 64*9 + 64*16) = 65 MFLOP, three times MobileNetV3-small.
  auto fn = parse(R"(func.func @main(%x: tensor<1x16x112x112xf32>) -> tensor<1x16x112x112xf32> {
    %w1 = graph.constant dense<0.01> : tensor<64x16x1x1xf32>
    %w2 = graph.constant dense<0.1> : tensor<64x1x3x3xf32>
    %w3 = graph.constant dense<0.02> : tensor<16x64x1x1xf32>
    %b = graph.constant dense<0.5> : tensor<64xf32>
    %0 = graph.conv2d %x, %w1, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x16x112x112xf32>, tensor<64x16x1x1xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
    %1 = graph.hard_swish %0 : tensor<1x64x112x112xf32>
    %2 = graph.conv2d %1, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 64 : i64} : (tensor<1x64x112x112xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x112x112xf32>
    %3 = graph.clip %2 {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x64x112x112xf32>
    %4 = graph.conv2d %3, %w3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x64x112x112xf32>, tensor<16x64x1x1xf32>) -> tensor<1x16x112x112xf32>
    %5 = graph.add %4, %x : (tensor<1x16x112x112xf32>, tensor<1x16x112x112xf32>) -> tensor<1x16x112x112xf32>
    return %5 : tensor<1x16x112x112xf32>
  })");
  ASSERT_TRUE(fn);
  HostTensor x = random({1, 16, 112, 112});
  auto start = std::chrono::steady_clock::now();
  auto r = reference::runFunction(fn, {x});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE((bool)r) << llvm::toString(r.takeError());
  std::cout << "[ info ] 65 MFLOP conv stack: " << seconds * 1e3 << " ms\n";
#ifdef NDEBUG
  EXPECT_LT(seconds, 3.0); // generous: shared CI machines
#endif
  // Spot check one interior output against the formula: every conv is a sum
  // with constant weights.
  auto hs = [](double v) { return v * std::max(0.0, std::min(1.0, v / 6 + 0.5)); };
  auto f32 = [](double v) { return (double)(float)v; };
  auto mid = [&](int64_t y, int64_t xx) { // relu6(depthwise(hardswish(pointwise)))
    double s = 0;
    for (int64_t dy = -1; dy <= 1; ++dy)
      for (int64_t dx = -1; dx <= 1; ++dx) {
        double p = 0.5;
        for (int64_t c = 0; c < 16; ++c)
          p += (double)0.01f * x.asDouble((c * 112 + y + dy) * 112 + xx + dx);
        s += (double)0.1f * f32(hs(f32(p)));
      }
    return f32(std::min(6.0, std::max(0.0, f32(s))));
  };
  double want = 64 * (double)0.02f * mid(50, 60) + x.asDouble((3 * 112 + 50) * 112 + 60);
  EXPECT_NEAR((*r)[0].asDouble((3 * 112 + 50) * 112 + 60), want, 1e-5);
}

} // namespace
