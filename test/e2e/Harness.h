//===- Harness.h - compiled code vs. the reference interpreter ------------===//
#pragma once

#include "dialects/graph/reference/HostTensor.h"
#include "strata/strata.h"

#include <string>
#include <vector>

namespace strata::testing {

/// Seeded inputs for every model input (uniform in [-1, 1) for floats).
std::vector<HostTensor> randomInputs(const Executable &exe, uint32_t seed);

/// Runs a JIT-compiled model on host tensors.
std::vector<HostTensor> runCompiled(const Executable &exe, const std::vector<HostTensor> &inputs);

/// Imports a model without optimizing it and runs the reference interpreter.
std::vector<HostTensor> runReference(const std::string &path, const std::vector<HostTensor> &inputs,
                                     const CompileOptions &options = {});

/// Asserts |a - b| <= atol + rtol * |b| elementwise, with the worst element named.
void expectClose(const std::vector<HostTensor> &actual, const std::vector<HostTensor> &expected,
                 double atol, double rtol);

/// `options` with the target $STRATA_E2E_TARGET (e.g. "opencl") where it says "host": the
/// suite runs once per target (ctest registers it again with the variable set).
CompileOptions withTestTarget(CompileOptions options);

/// For a cuda-* target on a machine without a CUDA driver: compiles `path` to PTX and checks
/// it with ptxas for the target's SM, and for cuda-sm80 also for sm_90 (a note, not a failure,
/// when ptxas is not installed), and returns true; false otherwise (the caller runs the model).
bool checkPtxInstead(const std::string &path, const CompileOptions &options);

/// With $STRATA_E2E_EXPORT=DIR and a GPU target: compiles `path` ahead of time into a shared
/// library DIR/<test>.so, writes `inputs` and the `expected` outputs beside it as raw bytes and
/// appends a line for them to DIR/manifest.tsv, for bench/gpu's device_check to run on a
/// machine with the GPU; returns true (the test has nothing left to do here). Returns false
/// when the variable is unset or the target is the CPU.
bool exportForDevice(const std::string &path, const CompileOptions &options, const std::vector<HostTensor> &inputs,
                     const std::vector<HostTensor> &expected, double atol, double rtol);

/// Whether `options.target` is a CPU this machine runs only under qemu-user (aarch64): its
/// models' signatures and inputs come from a compile for the host.
bool isEmulated(const CompileOptions &options);

/// For an emulated target: compiles `path` ahead of time for it, links it by the cross
/// compiler, runs it under qemu-user on `inputs`, compares with `expected` and returns true (a
/// failure names a missing cross compiler or emulator). False for targets that run here.
bool runEmulatedInstead(const std::string &path, const CompileOptions &options, const std::vector<HostTensor> &inputs,
                        const std::vector<HostTensor> &expected, double atol, double rtol);

/// Compiles `path` (for withTestTarget(options)), runs it on seeded inputs, and compares with
/// the reference (or exports all three for the device, see exportForDevice).
void expectMatchesReference(const std::string &path, double atol = 1e-4, double rtol = 1e-4,
                            const CompileOptions &options = {}, uint32_t seed = 1);

/// `s` with every character that is not a letter or digit made '_' (file names, C identifiers).
std::string identifierOf(std::string s);

/// Writes text to a fresh file in the test's temporary directory.
std::string writeTempFile(const std::string &name, const std::string &text);

/// Reads raw little-endian float32 data.
HostTensor readRawF32(const std::string &path, std::vector<int64_t> shape);

} // namespace strata::testing
