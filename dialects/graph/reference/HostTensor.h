//===- HostTensor.h - a dense tensor in host memory -----------------------===//
//
// The currency of the reference interpreter, constant folding, the frontends
// (initializers) and the tools (.npy files). Every element keeps its exact
// type: float32 elements are stored as floats, integers and bools as int64
// (a narrow integer holds a value in its own range, a bool 0 or 1), so no
// integer ever passes through a double. Readers and writers are typed:
// `f`/`setF` for float32, `i`/`setI` for the integer types and bool; `setI`
// wraps a value into a narrow type, as integer narrowing does. In memory
// (`fromBytes`/`toBytes`, the compiled code's buffers) each element has its
// type's size; a bool is one byte.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cassert>
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

/// `v` as a value of integer type `t`: narrow types keep the low bits
/// (two's complement wrap-around), bool is v != 0.
inline int64_t wrapToInt(DType t, int64_t v) {
  switch (t) {
  case DType::I32: return (int32_t)v;
  case DType::Bool: return v != 0;
  case DType::I8: return (int8_t)v;
  case DType::U8: return (uint8_t)v;
  case DType::I16: return (int16_t)v;
  case DType::U16: return (uint16_t)v;
  case DType::U32: return (uint32_t)v;
  default: return v;
  }
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

  HostTensor() = default;
  /// A zero tensor.
  HostTensor(DType dtype, std::vector<int64_t> shape) : dtype(dtype), shape(std::move(shape)) {
    size_t n = (size_t)numElements(this->shape);
    isFloat() ? floats_.assign(n, 0.0f) : ints_.assign(n, 0);
  }
  static HostTensor ofFloats(std::vector<int64_t> shape, std::vector<float> values) {
    HostTensor t;
    t.shape = std::move(shape);
    t.floats_ = std::move(values);
    assert((int64_t)t.floats_.size() == numElements(t.shape));
    return t;
  }
  /// Integers (or bools) of type `dtype`, each wrapped into its range.
  static HostTensor ofInts(DType dtype, std::vector<int64_t> shape, std::vector<int64_t> values) {
    assert(dtype != DType::F32);
    HostTensor t;
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.ints_ = std::move(values);
    for (int64_t &v : t.ints_)
      v = wrapToInt(dtype, v);
    assert((int64_t)t.ints_.size() == numElements(t.shape));
    return t;
  }

  static int64_t numElements(const std::vector<int64_t> &shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  int64_t numElements() const { return (int64_t)(isFloat() ? floats_.size() : ints_.size()); }
  int64_t rank() const { return (int64_t)shape.size(); }
  bool isFloat() const { return dtype == DType::F32; }
  size_t numBytes() const { return (size_t)numElements() * dtypeSize(dtype); }

  /// Element k of a float32 tensor.
  float f(int64_t k) const {
    assert(isFloat());
    return floats_[k];
  }
  /// Element k of an integer or bool tensor.
  int64_t i(int64_t k) const {
    assert(!isFloat());
    return ints_[k];
  }
  /// Stores v rounded to float32.
  void setF(int64_t k, double v) {
    assert(isFloat());
    floats_[k] = (float)v;
  }
  /// Stores v wrapped into this integer type (bool: v != 0).
  void setI(int64_t k, int64_t v) {
    assert(!isFloat());
    ints_[k] = wrapToInt(dtype, v);
  }
  /// Stores the integer v in any element type: float32 rounds to nearest, an
  /// integer type wraps (as a cast from int64 does).
  void setFromInt(int64_t k, int64_t v) { isFloat() ? setF(k, (float)v) : setI(k, v); }
  /// out[k] = src[j]; both have this tensor's element type.
  void copyElement(int64_t k, const HostTensor &src, int64_t j) {
    assert(src.dtype == dtype);
    isFloat() ? (void)(floats_[k] = src.floats_[j]) : (void)(ints_[k] = src.ints_[j]);
  }
  /// Every element set to element j of `src` (same element type).
  void fill(const HostTensor &src, int64_t j = 0) {
    assert(src.dtype == dtype);
    isFloat() ? floats_.assign(floats_.size(), src.floats_[j])
              : ints_.assign(ints_.size(), src.ints_[j]);
  }
  /// Element k as a double, for reading values whose meaning is real (a
  /// scale, a fill value): exact for float32 and for integers up to 2^53.
  /// Never use it to carry an integer through.
  double asDouble(int64_t k) const { return isFloat() ? (double)floats_[k] : (double)ints_[k]; }

  const float *floats() const { assert(isFloat()); return floats_.data(); }
  const int64_t *ints() const { assert(!isFloat()); return ints_.data(); }
  /// All elements of an integer tensor (shape operands, indices, axes).
  const std::vector<int64_t> &intValues() const { assert(!isFloat()); return ints_; }
  /// All elements of a float32 tensor.
  const std::vector<float> &floatValues() const { assert(isFloat()); return floats_; }

  /// Same type, shape and bits (NaNs compare by their bits).
  bool bitEqual(const HostTensor &o) const {
    return dtype == o.dtype && shape == o.shape &&
           (isFloat() ? floats_.size() == o.floats_.size() &&
                            (floats_.empty() || // memcmp's pointers must not be null, even for 0 bytes
                             std::memcmp(floats_.data(), o.floats_.data(), floats_.size() * 4) == 0)
                      : ints_ == o.ints_);
  }

  /// Reads numElements(shape) elements of `dtype` from memory (a bool byte is
  /// true when nonzero).
  static HostTensor fromBytes(DType dtype, std::vector<int64_t> shape, const void *data) {
    HostTensor t(dtype, std::move(shape));
    auto *p = static_cast<const char *>(data);
    if (t.isFloat()) {
      if (t.numBytes()) // an empty tensor's data() may be null, which memcpy must not get
        std::memcpy(t.floats_.data(), p, t.numBytes());
      return t;
    }
    for (int64_t k = 0; k < t.numElements(); ++k, p += dtypeSize(dtype))
      t.ints_[k] = load(dtype, p);
    return t;
  }
  /// Writes the elements to memory (numBytes() bytes).
  void toBytes(void *data) const {
    auto *p = static_cast<char *>(data);
    if (isFloat()) {
      if (numBytes())
        std::memcpy(p, floats_.data(), numBytes());
      return;
    }
    for (int64_t k = 0; k < numElements(); ++k, p += dtypeSize(dtype))
      store(dtype, p, ints_[k]);
  }

private:
  std::vector<float> floats_; // float32 elements
  std::vector<int64_t> ints_; // integer and bool elements, each in its type's range

  template <typename T> static T read(const char *p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  }
  template <typename T> static void write(char *p, T v) { std::memcpy(p, &v, sizeof(T)); }
  static int64_t load(DType t, const char *p) {
    switch (t) {
    case DType::I64: return read<int64_t>(p);
    case DType::I32: return read<int32_t>(p);
    case DType::Bool: return read<uint8_t>(p) != 0;
    case DType::I8: return read<int8_t>(p);
    case DType::U8: return read<uint8_t>(p);
    case DType::I16: return read<int16_t>(p);
    case DType::U16: return read<uint16_t>(p);
    case DType::U32: return read<uint32_t>(p);
    case DType::F32: break;
    }
    return 0;
  }
  static void store(DType t, char *p, int64_t v) {
    switch (t) {
    case DType::I64: write<int64_t>(p, v); break;
    case DType::I32: write<int32_t>(p, (int32_t)v); break;
    case DType::Bool: write<uint8_t>(p, v != 0); break;
    case DType::I8: write<int8_t>(p, (int8_t)v); break;
    case DType::U8: write<uint8_t>(p, (uint8_t)v); break;
    case DType::I16: write<int16_t>(p, (int16_t)v); break;
    case DType::U16: write<uint16_t>(p, (uint16_t)v); break;
    case DType::U32: write<uint32_t>(p, (uint32_t)v); break;
    case DType::F32: break;
    }
  }
};

} // namespace strata
