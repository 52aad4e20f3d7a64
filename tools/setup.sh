#!/usr/bin/env bash
# Installs what Strata builds and tests with (Debian 12 packages). Quick when already installed.
set -euo pipefail

PACKAGES=(
  # LLVM + MLIR 19
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools clang-19 lld-19
  # sanitizer runtimes and libFuzzer (tools/run-tests.sh --sanitize, tools/fuzz.sh)
  libclang-rt-19-dev
  # build, JSON, tests
  cmake ninja-build ccache nlohmann-json3-dev libgtest-dev python3
  # ONNX node tests of newer opsets from pip onnx (tools/gen-onnx-node-tests.sh)
  python3-venv
  # the tuner's cost model (XGBoost's C API)
  libxgboost-dev
  # OpenCL: the ICD loader the runtime loads with dlopen, and PoCL (OpenCL on the CPU) for
  # the --target opencl tests
  ocl-icd-libopencl1 pocl-opencl-icd
  # the device-buffer tests create cl_mem buffers themselves (headers and the loader to link)
  ocl-icd-opencl-dev
  # the Python package: its module (pybind11) and its pytest suite; pip install . builds with
  # scikit-build-core and pybind11 from PyPI instead
  python3-dev pybind11-dev python3-numpy python3-pytest python3-onnx
  # ONNX frontend
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  # AArch64 cross-linking and emulation (for the aarch64 target tests)
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  # peers for benchmarks
  libopenblas-dev libdnnl-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
