//===- Npy.cpp ------------------------------------------------------------===//
#include "compiler/Npy.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
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
  std::string bytes = buffer.str();
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

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    return npyError(path, "header has no 'descr'");
  std::string descr = m[1];
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
    return npyError(path, "Fortran-order arrays are not supported (save with np.ascontiguousarray)");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    return npyError(path, "header has no 'shape'");
  std::vector<int64_t> shape;
  std::string dims = m[1];
  std::regex num("[0-9]+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it)
    shape.push_back(std::stoll(it->str()));

  size_t elem;
  DType dtype;
  if (descr == "<f4") {
    elem = 4;
    dtype = DType::F32;
  } else if (descr == "<f8") {
    elem = 8;
    dtype = DType::F32;
  } else if (descr == "<i4") {
    elem = 4;
    dtype = DType::I64;
  } else if (descr == "<i8") {
    elem = 8;
    dtype = DType::I64;
  } else {
    return npyError(path, "unsupported dtype '" + descr + "' (float32, float64, int32, int64)");
  }
  HostTensor t(dtype, shape);
  size_t need = (size_t)t.numElements() * elem;
  if (bytes.size() - pos != need)
    return npyError(path, "expected " + std::to_string(need) + " data bytes for shape, found " +
                              std::to_string(bytes.size() - pos));
  const char *p = bytes.data() + pos;
  for (int64_t i = 0; i < t.numElements(); ++i, p += elem) {
    if (descr == "<f4") {
      float v;
      std::memcpy(&v, p, 4);
      t.set(i, v);
    } else if (descr == "<f8") {
      double v;
      std::memcpy(&v, p, 8);
      t.set(i, v);
    } else if (descr == "<i4") {
      int32_t v;
      std::memcpy(&v, p, 4);
      t.set(i, v);
    } else {
      int64_t v;
      std::memcpy(&v, p, 8);
      t.set(i, (double)v);
    }
  }
  return t;
}

llvm::Error writeNpy(const std::string &path, const HostTensor &t) {
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i)
    shape += std::to_string(t.shape[i]) + (t.shape.size() == 1 || i + 1 < t.shape.size() ? "," : "");
  shape += ")";
  std::string header = std::string("{'descr': '") + (t.dtype == DType::F32 ? "<f4" : "<i8") +
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
  for (int64_t i = 0; i < t.numElements(); ++i) {
    if (t.dtype == DType::F32) {
      float v = (float)t.values[i];
      out.append((const char *)&v, 4);
    } else {
      int64_t v = (int64_t)t.values[i];
      out.append((const char *)&v, 8);
    }
  }
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
