"""The Python package against Strata's reference data: compiled models' outputs compared with
ONNX Runtime's (test/models/ref) and with the host-buffer C++ path, every input form, errors as
strata.Error with Strata's message, the AOT export, and the tuner."""
import os
import subprocess

import numpy as np
import pytest

import strata

MODELS = os.environ.get("STRATA_MODELS_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "test", "models"))
CLS = os.path.join(MODELS, "ppocr_cls_mobilenetv3.onnx")
CLS_SHAPE = {"x": [1, 3, 48, 192]}


def ref(name):
    return np.fromfile(os.path.join(MODELS, "ref", name), dtype=np.float32)


@pytest.fixture(scope="module")
def cls():
    return strata.compile(CLS, input_shapes=CLS_SHAPE)


def test_version():
    assert strata.__version__.count(".") == 2


def test_cls_matches_onnx_runtime(cls):
    x = ref("cls_1x3x48x192.input.bin").reshape(1, 3, 48, 192)
    y = cls(x)
    assert y.dtype == np.float32 and y.shape == (1, 2)
    np.testing.assert_allclose(y.ravel(), ref("cls_1x3x48x192.output0.bin"), atol=1e-4, rtol=0)


def test_metadata(cls):
    assert cls.inputs == [{"name": "x", "dtype": "float32", "shape": (1, 3, 48, 192)}]
    assert cls.outputs[0]["shape"] == (1, 2)
    assert "strata.Executable" in repr(cls)


def test_inputs_by_name_position_and_dict_agree(cls):
    x = np.random.default_rng(1).uniform(-1, 1, (1, 3, 48, 192)).astype(np.float32)
    a = cls(x)
    b = cls(x=x)
    (c,) = cls.run({"x": x})
    (d,) = cls.run([np.asfortranarray(x)])  # not C-contiguous: copied once, same values
    for other in (b, c, d):
        np.testing.assert_array_equal(a, other)


def test_bytes_and_model_proto_compile_the_same(cls):
    onnx = pytest.importorskip("onnx")
    x = ref("cls_1x3x48x192.input.bin").reshape(1, 3, 48, 192)
    with open(CLS, "rb") as f:
        data = f.read()
    from_bytes = strata.compile(data, input_shapes=CLS_SHAPE)
    from_proto = strata.compile(onnx.load(CLS), input_shapes=CLS_SHAPE)
    np.testing.assert_array_equal(from_bytes(x), cls(x))
    np.testing.assert_array_equal(from_proto(x), cls(x))


def test_dtypes_kept_exactly(tmp_path):
    # int64 in, int64 out, through Strata's JSON graph format: values that float32 cannot hold.
    model = tmp_path / "add.json"
    model.write_text('{"opset": 17, "inputs": [{"name": "a", "shape": [3], "dtype": "int64"}, '
                     '{"name": "b", "shape": [3], "dtype": "int64"}], "nodes": [{"op": "Add", '
                     '"inputs": ["a", "b"], "outputs": ["y"], "attrs": {}}], "outputs": ["y"]}')
    exe = strata.compile(str(model))
    a = np.array([2**40 + 1, -5, 7], dtype=np.int64)
    y = exe(a, np.array([1, 2, 3], dtype=np.int64))
    assert y.dtype == np.int64
    assert y.tolist() == [2**40 + 2, -3, 10]
    with pytest.raises(strata.Error, match="input 'a' is float64; the model expects int64"):
        exe(a.astype(np.float64), a)


def test_errors_carry_strata_messages(cls, tmp_path):
    with pytest.raises(strata.Error, match="input 'x' has dynamic shape"):
        strata.compile(CLS)
    with pytest.raises(strata.Error, match="unknown target 'sparc'"):
        strata.compile(CLS, target="sparc", input_shapes=CLS_SHAPE)
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(strata.Error):
        strata.compile(str(bad))
    with pytest.raises(strata.Error, match=r"input 'x' has shape \(1, 3, 48, 96\); the model expects \(1, 3, 48, 192\)"):
        cls(np.zeros((1, 3, 48, 96), np.float32))
    with pytest.raises(strata.Error, match="the model has no input 'y'"):
        cls(y=np.zeros((1, 3, 48, 192), np.float32))
    with pytest.raises(strata.Error, match="2 inputs given, the model has 1"):
        cls(np.zeros((1, 3, 48, 192), np.float32), np.zeros((1, 3, 48, 192), np.float32))
    with pytest.raises(TypeError):
        strata.compile(12345)


def test_export_library_links_and_matches(tmp_path):
    strata.export_library(CLS, tmp_path / "cls", name="cls", input_shapes=CLS_SHAPE)
    assert (tmp_path / "cls.a").exists() and "cls_run" in (tmp_path / "cls.h").read_text()
    demo = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "aot", "main.c")
    exe = tmp_path / "demo"
    subprocess.run(["cc", "-O2", "-I", str(tmp_path), demo, str(tmp_path / "cls.a"), "-lpthread", "-lm",
                    "-o", str(exe)], check=True)
    out = tmp_path / "out.bin"
    subprocess.run([str(exe), os.path.join(MODELS, "ref", "cls_1x3x48x192.input.bin"), str(out), "1"],
                   check=True, capture_output=True)
    np.testing.assert_allclose(np.fromfile(out, np.float32), ref("cls_1x3x48x192.output0.bin"), atol=1e-4, rtol=0)
    with pytest.raises(strata.Error, match="is not a C identifier"):
        strata.export_library(CLS, tmp_path / "bad", name="9lives", input_shapes=CLS_SHAPE)


def test_tune_writes_a_log_that_compile_applies(tmp_path):
    model = tmp_path / "mm.json"
    model.write_text('{"opset": 17, "inputs": [{"name": "x", "shape": [16, 32], "dtype": "float32"}], '
                     '"nodes": [{"op": "MatMul", "inputs": ["x", "w"], "outputs": ["y"], "attrs": {}}], '
                     '"outputs": ["y"], "initializers": {"w": {"shape": [32, 24], '
                     '"random": {"seed": 1, "min": -1, "max": 1}}}}')
    log = tmp_path / "mm.jsonl"
    strata.tune(str(model), log, trials=4, simulate=True)
    assert log.read_text().count("\n") >= 1
    exe = strata.compile(str(model), tuning_log=log)
    x = np.random.default_rng(2).uniform(-1, 1, (16, 32)).astype(np.float32)
    plain = strata.compile(str(model))
    np.testing.assert_allclose(exe(x), plain(x), rtol=1e-5, atol=1e-5)
    with pytest.raises(strata.Error, match="unknown option '--bogus-flag'"):
        strata.tune(str(model), log, bogus_flag=3)
