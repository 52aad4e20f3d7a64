//===- module.cpp - strata._strata: the Python binding of the C++ API -----===//
//
// A thin layer over include/strata/strata.h (compile, run) and the AOT compiler
// (export_library) and the tuner's command (tune). The Python package
// (python/strata/__init__.py) accepts the model forms and the inputs by name or
// position; here arrays are checked, never converted: each input must already
// be a C-contiguous array of the model's dtype and shape, which the run reads in
// place, and each output is a fresh array the run writes in place. The GIL is
// released while compiling, running and tuning. Errors raise strata.Error with
// Strata's message.
//
//===----------------------------------------------------------------------===//
#include "compiler/Pipeline.h"
#include "compiler/aot/AotCompiler.h"
#include "compiler/tuning/TuningLog.h"
#include "strata/strata.h"
#include "targets/Target.h"
#include "tools/strata/TuneCommand.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <thread>
#include <unistd.h>
#include <string>
#include <vector>

namespace py = pybind11;
using strata::ElementType;
using Shapes = std::map<std::string, std::vector<int64_t>>;

namespace {

py::object errorType; // strata.Error, set at import

[[noreturn]] void raise(const std::string &message) {
  PyErr_SetString(errorType.ptr(), message.c_str());
  throw py::error_already_set();
}

const char *numpyName(ElementType t) {
  switch (t) {
  case ElementType::Float32: return "float32";
  case ElementType::Int64: return "int64";
  case ElementType::Int32: return "int32";
  case ElementType::Bool: return "bool";
  case ElementType::Int8: return "int8";
  case ElementType::UInt8: return "uint8";
  case ElementType::Int16: return "int16";
  case ElementType::UInt16: return "uint16";
  case ElementType::UInt32: return "uint32";
  }
  return "?";
}

py::dict tensorInfo(const strata::TensorInfo &t) {
  py::dict d;
  d["name"] = t.name;
  d["dtype"] = numpyName(t.dtype);
  d["shape"] = py::tuple(py::cast(t.shape));
  return d;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]) + (shape.size() == 1 ? "," : "");
  return s + ")";
}

class Executable {
public:
  explicit Executable(strata::Executable exe) : exe_(std::move(exe)) {}

  py::list inputs() const { return infos(exe_.inputs()); }
  py::list outputs() const { return infos(exe_.outputs()); }

  /// Runs on arrays in model order; returns the outputs in model order.
  py::list run(const std::vector<py::array> &inputs) const {
    const auto &specs = exe_.inputs();
    if (inputs.size() != specs.size())
      raise("run: " + std::to_string(inputs.size()) + " inputs given, the model has " +
            std::to_string(specs.size()));
    std::vector<const void *> in;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const py::array &a = inputs[i];
      const strata::TensorInfo &t = specs[i];
      if (!a.dtype().is(py::dtype(numpyName(t.dtype))))
        raise("input '" + t.name + "' is " + std::string(py::str(a.dtype())) + "; the model expects " +
              numpyName(t.dtype));
      std::vector<int64_t> shape(a.shape(), a.shape() + a.ndim());
      if (shape != t.shape)
        raise("input '" + t.name + "' has shape " + shapeText(shape) + "; the model expects " + shapeText(t.shape));
      if (!(a.flags() & py::array::c_style))
        raise("input '" + t.name + "' is not C-contiguous");
      in.push_back(a.data());
    }
    std::vector<py::array> outs;
    std::vector<void *> out;
    for (const strata::TensorInfo &t : exe_.outputs()) {
      outs.emplace_back(py::dtype(numpyName(t.dtype)), t.shape);
      out.push_back(outs.back().mutable_data());
    }
    strata::Status status;
    {
      py::gil_scoped_release release;
      status = exe_.run(in, out);
    }
    if (!status.ok())
      raise(status.message());
    py::list result;
    for (py::array &a : outs)
      result.append(a);
    return result;
  }

private:
  static py::list infos(const std::vector<strata::TensorInfo> &ts) {
    py::list l;
    for (const strata::TensorInfo &t : ts)
      l.append(tensorInfo(t));
    return l;
  }
  strata::Executable exe_;
};

Executable compileModel(const std::string &path, const std::string &target, const Shapes &inputShapes,
                        const std::string &tuningLog, int threads) {
  strata::CompileOptions options;
  options.target = target;
  options.input_shapes = inputShapes;
  options.tuning_log = tuningLog;
  options.num_threads = threads;
  strata::Result<strata::Executable> exe = strata::Status();
  {
    py::gil_scoped_release release;
    exe = strata::compile(path, options);
  }
  if (!exe.ok())
    raise(exe.error());
  return Executable(*exe);
}

void exportLibrary(const std::string &path, const std::string &out, const std::string &name,
                   const std::string &target, const Shapes &inputShapes, const std::string &tuningLog) {
  auto build = [&]() -> llvm::Error {
    auto t = strata::targets::parseTarget(target);
    if (!t)
      return t.takeError();
    strata::PipelineOptions po;
    po.target = *t;
    po.name = name;
    po.import.inputShapes = inputShapes;
    if (!tuningLog.empty()) {
      std::vector<std::string> warnings;
      auto db = strata::tuning::loadDatabase(tuningLog, warnings);
      if (!db)
        return db.takeError();
      po.tuning = *db;
    }
    return strata::aot::compileToStaticLibrary(path, out, po);
  };
  std::string error;
  {
    py::gil_scoped_release release;
    if (llvm::Error err = build())
      error = llvm::toString(std::move(err));
  }
  if (!error.empty())
    raise(error);
}

/// Copies everything written to stderr (fd 2, also by child processes) to where it went before,
/// keeping the last error line ("strata tune: error: ..."), while in scope.
class StderrTee {
public:
  StderrTee() {
    int fds[2];
    if (::pipe(fds) != 0)
      return;
    saved_ = ::dup(2);
    ::dup2(fds[1], 2);
    ::close(fds[1]);
    read_ = fds[0];
    reader_ = std::thread([this] {
      char buf[4096];
      std::string line;
      for (ssize_t n; (n = ::read(read_, buf, sizeof buf)) > 0;) {
        (void)!::write(saved_, buf, (size_t)n);
        for (ssize_t i = 0; i < n; ++i) {
          if (buf[i] != '\n') {
            line += buf[i];
            continue;
          }
          if (line.find("error: ") != std::string::npos)
            error_ = line;
          line.clear();
        }
      }
    });
  }
  /// Restores stderr and returns the last error line ("" if none).
  std::string finish() {
    if (read_ < 0)
      return "";
    ::dup2(saved_, 2); // the pipe's last writer in this process goes away: the reader sees EOF
    reader_.join();
    ::close(read_), ::close(saved_);
    read_ = -1;
    return error_;
  }
  ~StderrTee() { finish(); }

private:
  int read_ = -1, saved_ = -1;
  std::thread reader_;
  std::string error_;
};

/// `strata tune ARGS...`: the CLI's own command, its progress display on stderr; a failure raises
/// with its error message.
void tune(const std::vector<std::string> &args) {
  std::vector<std::string> argv = {"strata", "tune"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char *> ptrs;
  for (std::string &a : argv)
    ptrs.push_back(a.data());
  ptrs.push_back(nullptr);
  int status;
  std::string error;
  {
    py::gil_scoped_release release;
    StderrTee tee;
    status = commandTune((int)argv.size(), ptrs.data());
    error = tee.finish();
  }
  if (status != 0)
    raise(error.empty() ? "strata tune failed (exit status " + std::to_string(status) + ")" : error);
}

} // namespace

PYBIND11_MODULE(_strata, m) {
  m.doc() = "Strata's C++ API (use the strata package, not this module)";
  errorType = py::reinterpret_borrow<py::object>(PyExc_RuntimeError);
  m.def("_set_error_type", [](py::object type) { errorType = type; });
  py::class_<Executable>(m, "Executable")
      .def_property_readonly("inputs", &Executable::inputs)
      .def_property_readonly("outputs", &Executable::outputs)
      .def("run", &Executable::run, py::arg("inputs"));
  m.def("compile", &compileModel, py::arg("path"), py::arg("target"), py::arg("input_shapes"),
        py::arg("tuning_log"), py::arg("threads"));
  m.def("export_library", &exportLibrary, py::arg("path"), py::arg("out"), py::arg("name"), py::arg("target"),
        py::arg("input_shapes"), py::arg("tuning_log"));
  m.def("tune", &tune, py::arg("args"));
  m.def("version", [] { return std::string(strata::version()); });
  // pybind11 before 2.12 reads NumPy 2's arrays wrong; the package refuses that pairing.
  m.attr("pybind11_version") = py::make_tuple(PYBIND11_VERSION_MAJOR, PYBIND11_VERSION_MINOR);
  m.def("set_num_threads", &strata::set_num_threads, py::arg("n"));
}
