//===- HostRun.cpp --------------------------------------------------------===//
#include "compiler/HostRun.h"

#include <chrono>

namespace strata {

// The public and the internal enum list the same types.
#define STRATA_FOR_EACH_ELEMENT_TYPE(X)                                                            \
  X(Float32, F32) X(Int64, I64) X(Int32, I32) X(Bool, Bool) X(Int8, I8) X(UInt8, U8)               \
  X(Int16, I16) X(UInt16, U16) X(UInt32, U32)

DType toDType(ElementType t) {
  switch (t) {
#define STRATA_TO_DTYPE(pub, internal)                                                             \
  case ElementType::pub: return DType::internal;
    STRATA_FOR_EACH_ELEMENT_TYPE(STRATA_TO_DTYPE)
#undef STRATA_TO_DTYPE
  }
  return DType::F32;
}

ElementType toElementType(DType t) {
  switch (t) {
#define STRATA_TO_ELEMENT_TYPE(pub, internal)                                                      \
  case DType::internal: return ElementType::pub;
    STRATA_FOR_EACH_ELEMENT_TYPE(STRATA_TO_ELEMENT_TYPE)
#undef STRATA_TO_ELEMENT_TYPE
  }
  return ElementType::Float32;
}

HostTensor fromConstantTensor(const ConstantTensor &c) {
  return HostTensor::fromBytes(toDType(c.dtype), c.shape, c.data.data());
}

ConstantTensor toConstantTensor(const HostTensor &t) {
  ConstantTensor c{toElementType(t.dtype), t.shape, std::vector<uint8_t>(t.numBytes())};
  t.toBytes(c.data.data());
  return c;
}

llvm::Expected<std::vector<HostTensor>> runOnHost(const Executable &exe,
                                                  const std::vector<HostTensor> &inputs,
                                                  double *latencyMs) {
  auto fail = [](const std::string &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  if (inputs.size() != exe.inputs().size())
    return fail("the model has " + std::to_string(exe.inputs().size()) + " inputs, " +
                std::to_string(inputs.size()) + " were given");
  // Buffers in std::vector<char> of 8-byte units keep int64 and float data aligned.
  std::vector<std::vector<int64_t>> inBufs;
  std::vector<const void *> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo &info = exe.inputs()[i];
    const HostTensor &t = inputs[i];
    if (t.shape != info.shape || t.dtype != toDType(info.dtype))
      return fail("input '" + info.name + "' is " + shapeStr(t.shape) + " " + dtypeName(t.dtype) +
                  ", the model expects " + shapeStr(info.shape) + " " +
                  dtypeName(toDType(info.dtype)));
    inBufs.emplace_back(t.numBytes() / 8 + 1);
    t.toBytes(inBufs.back().data());
    in.push_back(inBufs.back().data());
  }
  std::vector<std::vector<int64_t>> outBufs;
  std::vector<void *> out;
  for (const TensorInfo &info : exe.outputs()) {
    outBufs.emplace_back(info.num_bytes() / 8 + 1);
    out.push_back(outBufs.back().data());
  }
  auto start = std::chrono::steady_clock::now();
  Status s = exe.run(in.data(), out.data());
  if (latencyMs)
    *latencyMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok())
    return fail(s.message());
  std::vector<HostTensor> results;
  for (size_t i = 0; i < out.size(); ++i) {
    const TensorInfo &info = exe.outputs()[i];
    results.push_back(HostTensor::fromBytes(toDType(info.dtype), info.shape, out[i]));
  }
  return results;
}

} // namespace strata
