//===- Npy.cpp ------------------------------------------------------------===//
#include "compiler/Npy.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace strata {

static llvm::Error npyError(const std::string &path, const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + msg);
}

llvm::Expected<HostTensor> readNpy(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return npyError(path, "cannot open file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseNpy(buffer.str(), path);
}

/// Where the value of 'key' starts in a .npy header ({'descr': '<f4', ...}), or npos.
static size_t headerValue(const std::string &header, const std::string &key) {
  size_t p = header.find("'" + key + "'");
  if (p == std::string::npos)
    return p;
  p += key.size() + 2;
  auto skipSpace = [&] {
    while (p < header.size() && std::isspace((unsigned char)header[p]))
      ++p;
  };
  skipSpace();
  if (p >= header.size() || header[p] != ':')
    return std::string::npos;
  ++p;
  skipSpace();
  return p;
}

llvm::Expected<HostTensor> parseNpy(const std::string &bytes, const std::string &path) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return npyError(path, "not a .npy file (bad magic)");
  int major = (unsigned char)bytes[6];
  size_t headerLen, pos;
  if (major == 1) {
    headerLen = (unsigned char)bytes[8] | ((unsigned char)bytes[9] << 8);
    pos = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return npyError(path, "truncated header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= (size_t)(unsigned char)bytes[8 + i] << (8 * i);
    pos = 12;
  } else {
    return npyError(path, "unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < pos + headerLen)
    return npyError(path, "truncated header");
  std::string header = bytes.substr(pos, headerLen);
  pos += headerLen;

  // The header is a Python dict literal. It is scanned by hand: std::regex
  // recurses once per character and overflowed the stack on a long header.
  size_t descrAt = headerValue(header, "descr"), descrEnd = std::string::npos;
  if (descrAt < header.size() && header[descrAt] == '\'')
    descrEnd = header.find('\'', descrAt + 1);
  if (descrEnd == std::string::npos)
    return npyError(path, "header has no 'descr'");
  std::string descr = header.substr(descrAt + 1, descrEnd - descrAt - 1);
  size_t fortranAt = headerValue(header, "fortran_order");
  if (fortranAt != std::string::npos && header.compare(fortranAt, 4, "True") == 0)
    return npyError(path, "Fortran-order arrays are not supported (save with np.ascontiguousarray)");
  size_t shapeAt = headerValue(header, "shape"), shapeEnd = std::string::npos;
  if (shapeAt < header.size() && header[shapeAt] == '(')
    shapeEnd = header.find(')', shapeAt);
  if (shapeEnd == std::string::npos)
    return npyError(path, "header has no 'shape'");
  std::vector<int64_t> shape;
  std::string dims = header.substr(shapeAt + 1, shapeEnd - shapeAt - 1);
  int64_t count = 1; // checked against the data size below, so it cannot ask for more memory
  for (size_t i = 0; i < dims.size();) {
    if (!std::isdigit((unsigned char)dims[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < dims.size() && std::isdigit((unsigned char)dims[end]))
      ++end;
    std::string digits = dims.substr(i, end - i);
    i = end;
    int64_t d = 0;
    for (char c : digits)
      if (__builtin_mul_overflow(d, 10, &d) || __builtin_add_overflow(d, c - '0', &d))
        return npyError(path, "dimension " + digits + " is too large");
    if (__builtin_mul_overflow(count, d, &count) || count > (int64_t)bytes.size())
      return npyError(path, "shape (" + dims + ") needs more data than the file holds");
    shape.push_back(d);
  }

  // float64 is read as float32 (Strata computes in float32).
  DType dtype;
  if (descr == "<f4" || descr == "<f8")
    dtype = DType::F32;
  else if (descr == "<i4")
    dtype = DType::I32;
  else if (descr == "<i8")
    dtype = DType::I64;
  else if (descr == "|b1")
    dtype = DType::Bool;
  else if (descr == "|i1")
    dtype = DType::I8;
  else if (descr == "|u1")
    dtype = DType::U8;
  else if (descr == "<i2")
    dtype = DType::I16;
  else if (descr == "<u2")
    dtype = DType::U16;
  else if (descr == "<u4")
    dtype = DType::U32;
  else
    return npyError(path, "unsupported dtype '" + descr +
                              "' (float32, float64, int64, int32, int16, int8, uint32, uint16, uint8, bool)");
  size_t elem = descr == "<f8" ? 8 : dtypeSize(dtype);
  if (bytes.size() - pos != (size_t)count * elem)
    return npyError(path, "expected " + std::to_string((size_t)count * elem) + " data bytes for shape, found " +
                              std::to_string(bytes.size() - pos));
  const char *p = bytes.data() + pos;
  if (descr != "<f8")
    return HostTensor::fromBytes(dtype, shape, p);
  HostTensor t(dtype, shape);
  for (int64_t i = 0; i < t.numElements(); ++i, p += elem) {
    double v;
    std::memcpy(&v, p, 8);
    t.setF(i, v);
  }
  return t;
}

static const char *descrOf(DType t) {
  switch (t) {
  case DType::F32: return "<f4";
  case DType::I64: return "<i8";
  case DType::I32: return "<i4";
  case DType::Bool: return "|b1";
  case DType::I8: return "|i1";
  case DType::U8: return "|u1";
  case DType::I16: return "<i2";
  case DType::U16: return "<u2";
  case DType::U32: return "<u4";
  }
  return "";
}

llvm::Error writeNpy(const std::string &path, const HostTensor &t) {
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i)
    shape += std::to_string(t.shape[i]) + (t.shape.size() == 1 || i + 1 < t.shape.size() ? "," : "");
  shape += ")";
  std::string header = std::string("{'descr': '") + descrOf(t.dtype) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += (char)1;
  out += (char)0;
  out += (char)(header.size() & 0xff);
  out += (char)(header.size() >> 8);
  out += header;
  size_t start = out.size();
  out.resize(start + t.numBytes());
  t.toBytes(out.data() + start);
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f || !f.write(out.data(), out.size()))
      return npyError(path, "cannot write file");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return npyError(path, "cannot write file");
  }
  return llvm::Error::success();
}

} // namespace strata
