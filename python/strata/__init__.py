"""Strata: a deep learning compiler. Compile a model (ONNX, Strata's JSON graph, MLIR graph
dialect) for this machine and run it on NumPy arrays, write it out as a static library and C
header, or autotune its kernels.

    import numpy as np, strata
    exe = strata.compile("model.onnx", input_shapes={"x": [1, 3, 48, 192]})
    y = exe(np.zeros((1, 3, 48, 192), np.float32))   # or exe(x=...), exe.run({...})
    strata.export_library("model.onnx", "out/model", name="model", target="aarch64")
"""
import os
import tempfile

import numpy as np

from . import _strata

if int(np.__version__.split(".")[0]) >= 2 and tuple(_strata.pybind11_version) < (2, 12):
    # Such a module misreads NumPy 2's arrays: wrong results, silently.
    raise ImportError("strata's native module was built with pybind11 %d.%d, which does not support "
                      "NumPy %s; rebuild it with pybind11 >= 2.12 (pip install . does) or use NumPy 1.x"
                      % (tuple(_strata.pybind11_version) + (np.__version__,)))

__all__ = ["Error", "Executable", "compile", "export_library", "tune", "set_num_threads", "__version__"]

__version__ = _strata.version()


class Error(RuntimeError):
    """A Strata error: a model Strata cannot read or compile, bad inputs, a failed run."""


_strata._set_error_type(Error)


def _model_path(model, scratch):
    """A path for model: a path as given, or bytes / an onnx.ModelProto written to scratch."""
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model)
    if isinstance(model, (bytes, bytearray, memoryview)):
        data = bytes(model)
    elif hasattr(model, "SerializeToString"):  # onnx.ModelProto
        data = model.SerializeToString()
    else:
        raise TypeError("model must be a path, bytes or an onnx.ModelProto, not %s" % type(model).__name__)
    path = os.path.join(scratch, "model.onnx")
    with open(path, "wb") as f:
        f.write(data)
    return path


def _shapes(input_shapes):
    if input_shapes is None:
        return {}
    return {str(k): [int(d) for d in v] for k, v in dict(input_shapes).items()}


class Executable:
    """A compiled model. Call it with the inputs by position or by name (NumPy arrays of the
    model's dtypes and shapes; a C-contiguous array is read in place, another one of the right
    dtype copied once); it returns the outputs, one array or a tuple. `inputs` and `outputs`
    describe the model's tensors: dicts with name, dtype and shape."""

    def __init__(self, impl):
        self._impl = impl

    @property
    def inputs(self):
        return self._impl.inputs

    @property
    def outputs(self):
        return self._impl.outputs

    def run(self, inputs):
        """Runs on a list of arrays in model order, or a dict by input name; returns the list of
        outputs in model order."""
        specs = self._impl.inputs
        if isinstance(inputs, dict):
            names = [s["name"] for s in specs]
            unknown = [k for k in inputs if k not in names]
            if unknown:
                raise Error("the model has no input %r (inputs: %s)" % (unknown[0], ", ".join(names)))
            missing = [n for n in names if n not in inputs]
            if missing:
                raise Error("missing input %r" % missing[0])
            inputs = [inputs[n] for n in names]
        inputs = list(inputs)
        if len(inputs) != len(specs):
            raise Error("%d inputs given, the model has %d (%s)"
                        % (len(inputs), len(specs), ", ".join(s["name"] for s in specs)))
        arrays = []
        for value, spec in zip(inputs, specs):
            if isinstance(value, np.ndarray):
                if value.dtype != np.dtype(spec["dtype"]):
                    # Never converted: a silent cast would change the values.
                    raise Error("input %r is %s; the model expects %s" % (spec["name"], value.dtype, spec["dtype"]))
                value = np.ascontiguousarray(value)
            else:
                value = np.ascontiguousarray(np.asarray(value, dtype=spec["dtype"]))
            arrays.append(value)
        return self._impl.run(arrays)

    def __call__(self, *args, **kwargs):
        if args and kwargs:
            raise Error("give the inputs by position or by name, not both")
        outputs = self.run(kwargs if kwargs else list(args))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def __repr__(self):
        fmt = lambda ts: ", ".join("%s: %s%s" % (t["name"], t["dtype"], list(t["shape"])) for t in ts)
        return "<strata.Executable (%s) -> (%s)>" % (fmt(self.inputs), fmt(self.outputs))


def compile(model, target="host", input_shapes=None, tuning_log=None, threads=None):
    """Compiles model (a path to .onnx/.json/.mlir, ONNX bytes, or an onnx.ModelProto) for
    target ("host", "x86-64", "x86-64-avx2", "x86-64-avx512", "opencl", "cuda-sm80",
    "cuda-sm90"). input_shapes fixes dynamic dimensions ({"x": [1, 3, 48, 192]}); tuning_log
    applies a log from strata.tune; threads sets the threads of parallel loops (default: all
    cores). Returns an Executable."""
    with tempfile.TemporaryDirectory(prefix="strata-") as scratch:
        impl = _strata.compile(_model_path(model, scratch), str(target), _shapes(input_shapes),
                               os.fspath(tuning_log) if tuning_log else "", int(threads or 0))
    return Executable(impl)


def export_library(model, path, name="model", target="host", input_shapes=None, tuning_log=None):
    """Compiles model ahead of time into path.a and path.h, as `strata compile -o path` does: a
    static library with the kernels, the weights and the runtime (links with -lpthread -lm, and
    -ldl for a GPU target) whose functions start with name."""
    with tempfile.TemporaryDirectory(prefix="strata-") as scratch:
        _strata.export_library(_model_path(model, scratch), os.fspath(path), str(name), str(target),
                               _shapes(input_shapes), os.fspath(tuning_log) if tuning_log else "")


def tune(model, output, target="host", input_shapes=None, trials=None, time_budget=None, threads=None,
         **options):
    """Tunes model's kernels as `strata tune MODEL -o OUTPUT` does, with its progress display;
    the log (JSON Lines) is resumable and applies through compile(tuning_log=...). Further
    options are the CLI's, by their flag names with '_' for '-' (jobs=1, simulate=True,
    report="tune.html"); a flag that takes no value is given True."""
    with tempfile.TemporaryDirectory(prefix="strata-") as scratch:
        args = [_model_path(model, scratch), "-o", os.fspath(output), "--target", str(target)]
        for name, dims in _shapes(input_shapes).items():
            args += ["--input-shape", "%s=%s" % (name, ",".join(str(d) for d in dims))]
        named = dict(options, trials=trials, time_budget=time_budget, threads=threads)
        for key, value in named.items():
            if value is None or value is False:
                continue
            flag = "--" + key.replace("_", "-")
            args += [flag] if value is True else [flag, str(value)]
        _strata.tune(args)


def set_num_threads(n):
    """Sets the threads of parallel loops, process-wide (0: the default, all cores)."""
    _strata.set_num_threads(int(n))
