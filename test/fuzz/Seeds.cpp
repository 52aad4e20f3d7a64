//===- Seeds.cpp - writes the fuzz targets' seed corpora --------------------===//
//
// fuzz_seeds OUT SOURCE_DIR NODE_TEST_DIR fills OUT/onnx, OUT/json and OUT/npy:
//   onnx: the repository's .onnx files and every model.onnx of ONNX's node tests;
//   json: the repository's .json models and each node test's model rewritten in
//         Strata's JSON format (so the JSON target starts from every op);
//   npy:  each node test's input and output tensors (up to 4 KiB) written as .npy;
// plus the hand-made seeds in test/fuzz/seeds/<target>. Generated at build time
// into the build folder; nothing here is committed in bulk.
//
//===----------------------------------------------------------------------===//
#include "compiler/Npy.h"
#include "compiler/frontends/OnnxReader.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace strata;

namespace {

/// The tensor's elements as JSON numbers, read from its in-memory bytes.
json elements(const HostTensor &t) {
  std::string bytes(t.numBytes(), '\0');
  t.toBytes(bytes.data());
  json data = json::array();
  const char *p = bytes.data();
  auto add = [&](auto zero) {
    for (size_t i = 0; i < bytes.size(); i += sizeof(zero)) {
      std::memcpy(&zero, p + i, sizeof(zero));
      data.push_back(zero);
    }
  };
  switch (t.dtype) {
  case DType::F32: add(float()); break;
  case DType::I64: add(int64_t()); break;
  case DType::I32: add(int32_t()); break;
  case DType::Bool: add(uint8_t()); break;
  case DType::I8: add(int8_t()); break;
  case DType::U8: add(uint8_t()); break;
  case DType::I16: add(int16_t()); break;
  case DType::U16: add(uint16_t()); break;
  case DType::U32: add(uint32_t()); break;
  }
  return data;
}

json tensorJson(const HostTensor &t) {
  return {{"shape", t.shape}, {"dtype", dtypeName(t.dtype)}, {"data", elements(t)}};
}

json modelJson(const frontend::ModelDesc &m) {
  using Kind = frontend::AttrValue::Kind;
  json root = {{"opset", m.opset}, {"outputs", m.outputs}};
  root["inputs"] = json::array();
  for (const auto &in : m.inputs) {
    std::vector<int64_t> shape = in.shape;
    for (int64_t &d : shape)
      d = d < 0 ? 1 : d; // JSON models are static
    root["inputs"].push_back({{"name", in.name}, {"shape", shape}, {"dtype", dtypeName(in.dtype)}});
  }
  root["initializers"] = json::object();
  for (const auto &[name, t] : m.initializers)
    root["initializers"][name] = tensorJson(t);
  root["nodes"] = json::array();
  for (const auto &n : m.nodes) {
    json node = {{"op", n.op}, {"name", n.name}, {"inputs", n.inputs}, {"outputs", n.outputs}};
    json attrs = json::object();
    for (const auto &[key, a] : n.attrs) {
      switch (a.kind) {
      case Kind::Int: attrs[key] = a.i; break;
      case Kind::Float: attrs[key] = a.f; break;
      case Kind::Ints: attrs[key] = a.ints; break;
      case Kind::Floats: attrs[key] = a.floats; break;
      case Kind::String: attrs[key] = a.s; break;
      case Kind::Tensor: attrs[key] = tensorJson(a.tensor); break;
      }
    }
    if (!attrs.empty())
      node["attrs"] = attrs;
    root["nodes"].push_back(node);
  }
  return root;
}

void copyInto(const fs::path &from, const fs::path &dir, const std::string &name) {
  fs::copy_file(from, dir / name, fs::copy_options::overwrite_existing);
}

/// Files with one of `extensions` in `dir` (not recursive), sorted.
std::vector<fs::path> filesIn(const fs::path &dir, std::vector<std::string> extensions) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto &e : fs::directory_iterator(dir))
      for (const auto &ext : extensions)
        if (e.is_regular_file() && (ext.empty() || e.path().extension() == ext))
          files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::cerr << "usage: fuzz_seeds OUT SOURCE_DIR NODE_TEST_DIR\n";
    return 2;
  }
  fs::path out = argv[1], src = argv[2], nodeTests = argv[3];
  for (const char *target : {"onnx", "json", "npy"}) {
    fs::remove_all(out / target);
    fs::create_directories(out / target);
    for (const auto &f : filesIn(src / "test/fuzz/seeds" / target, {""}))
      copyInto(f, out / target, "seed_" + f.filename().string());
  }
  for (const char *dir : {"test/models", "test/errors/Inputs", "test/lit/Inputs"}) {
    for (const auto &f : filesIn(src / dir, {".onnx"}))
      copyInto(f, out / "onnx", f.filename().string());
    for (const auto &f : filesIn(src / dir, {".json"}))
      copyInto(f, out / "json", f.filename().string());
  }
  size_t counts[3] = {0, 0, 0};
  if (fs::is_directory(nodeTests)) {
    std::vector<fs::path> tests;
    for (const auto &e : fs::directory_iterator(nodeTests))
      if (fs::exists(e.path() / "model.onnx"))
        tests.push_back(e.path());
    std::sort(tests.begin(), tests.end());
    for (const auto &t : tests) {
      std::string name = t.filename().string();
      copyInto(t / "model.onnx", out / "onnx", name + ".onnx");
      ++counts[0];
      if (auto desc = frontend::readOnnx((t / "model.onnx").string())) {
        std::ofstream(out / "json" / (name + ".json")) << modelJson(*desc).dump();
        ++counts[1];
      } else {
        llvm::consumeError(desc.takeError());
      }
      for (const auto &pb : filesIn(t / "test_data_set_0", {".pb"})) {
        auto tensor = frontend::readTensorFile(pb.string());
        if (!tensor) {
          llvm::consumeError(tensor.takeError());
          continue;
        }
        if (tensor->numBytes() > 4096)
          continue; // big ones only slow the fuzzer down: the header is what it explores
        fs::path npy = out / "npy" / (name + "_" + pb.stem().string() + ".npy");
        if (auto err = writeNpy(npy.string(), *tensor))
          llvm::consumeError(std::move(err));
        else
          ++counts[2];
      }
    }
  }
  std::cout << "fuzz seeds from node tests: " << counts[0] << " onnx, " << counts[1] << " json, "
            << counts[2] << " npy\n";
  return 0;
}
