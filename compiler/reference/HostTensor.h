//===- HostTensor.h - a dense tensor in host memory -----------------------===//
//
// The currency of the reference interpreter, constant folding, the frontends
// (initializers) and the tools (.npy files). Values are held as doubles so
// one code path serves every element type; `set` gives each stored value its
// type's storage semantics (float rounding, integer truncation and
// wrap-around of narrow integers, bool as 0/1). In memory (`fromBytes`/`toBytes`, the compiled
// code's buffers) a bool is one byte.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace strata {

enum class DType { F32, I64, I32, Bool, I8, U8, I16, U16, U32 };

/// Integer types narrower than int64: the compiled graph computes them in
/// int64, widening on entry and narrowing (wrapping) on exit.
inline bool isNarrowInt(DType t) {
  return t == DType::I32 || t == DType::I8 || t == DType::U8 || t == DType::I16 ||
         t == DType::U16 || t == DType::U32;
}

inline const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "float32";
  case DType::I64: return "int64";
  case DType::I32: return "int32";
  case DType::Bool: return "bool";
  case DType::I8: return "int8";
  case DType::U8: return "uint8";
  case DType::I16: return "int16";
  case DType::U16: return "uint16";
  case DType::U32: return "uint32";
  }
  return "?";
}

/// Bytes per element in memory.
inline size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F32: return 4;
  case DType::I64: return 8;
  case DType::I32: return 4;
  case DType::Bool: return 1;
  case DType::I8: return 1;
  case DType::U8: return 1;
  case DType::I16: return 2;
  case DType::U16: return 2;
  case DType::U32: return 4;
  }
  return 0;
}

/// "[1,3,48,192]"; a negative (dynamic) dimension prints as "?".
inline std::string shapeStr(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

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
    switch (dtype) {
    case DType::F32: values[i] = (double)(float)v; break;
    case DType::I64: values[i] = (double)(int64_t)v; break;
    case DType::I32: values[i] = (double)(int32_t)(int64_t)v; break;
    case DType::Bool: values[i] = v != 0 ? 1.0 : 0.0; break;
    case DType::I8: values[i] = (double)(int8_t)(int64_t)v; break;
    case DType::U8: values[i] = (double)(uint8_t)(int64_t)v; break;
    case DType::I16: values[i] = (double)(int16_t)(int64_t)v; break;
    case DType::U16: values[i] = (double)(uint16_t)(int64_t)v; break;
    case DType::U32: values[i] = (double)(uint32_t)(int64_t)v; break;
    }
  }

  size_t numBytes() const { return values.size() * dtypeSize(dtype); }

  /// Reads numElements(shape) elements of `dtype` from memory.
  static HostTensor fromBytes(DType dtype, std::vector<int64_t> shape, const void *data) {
    HostTensor t(dtype, std::move(shape));
    auto *p = static_cast<const char *>(data);
    for (int64_t i = 0; i < t.numElements(); ++i, p += dtypeSize(dtype))
      t.values[i] = t.load(p);
    return t;
  }
  /// Writes the elements to memory (numBytes() bytes).
  void toBytes(void *data) const {
    auto *p = static_cast<char *>(data);
    for (int64_t i = 0; i < numElements(); ++i, p += dtypeSize(dtype))
      store(p, values[i]);
  }

  std::vector<float> toFloats() const { return {values.begin(), values.end()}; }
  static HostTensor fromFloats(std::vector<int64_t> shape, const float *data) {
    HostTensor t(DType::F32, std::move(shape));
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.values[i] = data[i];
    return t;
  }

private:
  template <typename T> static T read(const char *p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  }
  template <typename T> static void write(char *p, T v) { std::memcpy(p, &v, sizeof(T)); }
  double load(const char *p) const {
    switch (dtype) {
    case DType::F32: return read<float>(p);
    case DType::I64: return (double)read<int64_t>(p);
    case DType::I32: return read<int32_t>(p);
    case DType::Bool: return read<uint8_t>(p) != 0;
    case DType::I8: return read<int8_t>(p);
    case DType::U8: return read<uint8_t>(p);
    case DType::I16: return read<int16_t>(p);
    case DType::U16: return read<uint16_t>(p);
    case DType::U32: return read<uint32_t>(p);
    }
    return 0;
  }
  void store(char *p, double v) const {
    switch (dtype) {
    case DType::F32: write<float>(p, (float)v); break;
    case DType::I64: write<int64_t>(p, (int64_t)v); break;
    case DType::I32: write<int32_t>(p, (int32_t)(int64_t)v); break;
    case DType::Bool: write<uint8_t>(p, v != 0); break;
    case DType::I8: write<int8_t>(p, (int8_t)(int64_t)v); break;
    case DType::U8: write<uint8_t>(p, (uint8_t)(int64_t)v); break;
    case DType::I16: write<int16_t>(p, (int16_t)(int64_t)v); break;
    case DType::U16: write<uint16_t>(p, (uint16_t)(int64_t)v); break;
    case DType::U32: write<uint32_t>(p, (uint32_t)(int64_t)v); break;
    }
  }
};

} // namespace strata
