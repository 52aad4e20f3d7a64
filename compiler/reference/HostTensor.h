//===- HostTensor.h - a dense tensor in host memory -----------------------===//
//
// The currency of the reference interpreter, constant folding, the frontends
// (initializers) and the tools (.npy files). Values are held as doubles so
// one code path serves f32 and i64; f32 tensors round every stored value to
// float, so results have float storage semantics.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

enum class DType { F32, I64 };

inline const char *dtypeName(DType t) { return t == DType::F32 ? "float32" : "int64"; }

struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<double> values; // row-major, numElements() entries

  HostTensor() = default;
  HostTensor(DType dtype, std::vector<int64_t> shape)
      : dtype(dtype), shape(std::move(shape)), values(numElements(this->shape), 0.0) {}

  static int64_t numElements(const std::vector<int64_t> &shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  int64_t numElements() const { return (int64_t)values.size(); }
  int64_t rank() const { return (int64_t)shape.size(); }

  /// Stores v with this tensor's storage semantics (float rounding or integer truncation).
  void set(int64_t i, double v) {
    values[i] = dtype == DType::F32 ? (double)(float)v : (double)(int64_t)v;
  }

  std::vector<float> toFloats() const { return {values.begin(), values.end()}; }
  static HostTensor fromFloats(std::vector<int64_t> shape, const float *data) {
    HostTensor t(DType::F32, std::move(shape));
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.values[i] = data[i];
    return t;
  }
};

} // namespace strata
