// strata_cuda_run (runtime/cuda.c). Where the CUDA driver (libcuda.so.1) or a device is missing,
// a run must report STRATA_ERROR_UNSUPPORTED saying which, and the argument checks must still work
// (they come before the driver is loaded). With a driver and a device, a hand-written PTX kernel
// runs and its numbers are checked exactly.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "GpuProgramBuilder.h"
#include "strata_runtime.h"

namespace {

using namespace strata::testing;

constexpr int kN = 256;
constexpr int64_t kLocal = 64;
constexpr int64_t kGlobal = 320;     // more threads than elements: the kernel's bound check matters
constexpr int64_t kInOffset = 64;    // the input's values start 64 bytes into its buffer
constexpr int kPad = kInOffset / 4;  // floats before them

// out[i] = in[i] + 1 for i < 256. Parameter i is argument i's device address (buffer + offset).
const char *kPtx = R"PTX(
.version 7.0
.target sm_52
.address_size 64

.visible .entry add1(.param .u64 out_param, .param .u64 in_param)
{
  .reg .pred %p<2>;
  .reg .b32 %r<5>;
  .reg .f32 %f<3>;
  .reg .b64 %rd<8>;

  ld.param.u64 %rd1, [out_param];
  ld.param.u64 %rd2, [in_param];
  mov.u32 %r1, %ctaid.x;
  mov.u32 %r2, %ntid.x;
  mov.u32 %r3, %tid.x;
  mad.lo.s32 %r4, %r1, %r2, %r3;
  setp.ge.u32 %p1, %r4, 256;
  @%p1 bra DONE;
  cvta.to.global.u64 %rd3, %rd1;
  cvta.to.global.u64 %rd4, %rd2;
  mul.wide.u32 %rd5, %r4, 4;
  add.s64 %rd6, %rd4, %rd5;
  ld.global.f32 %f1, [%rd6];
  add.f32 %f2, %f1, 0f3F800000;
  add.s64 %rd7, %rd3, %rd5;
  st.global.f32 [%rd7], %f2;
DONE:
  ret;
}
)PTX";

const char *const kKernelNames[] = {"add1"};

// Buffers: 0 workspace, 1 constants, 2 the input, 3 the output.
const strata_gpu_arg kArgs[] = {{STRATA_GPU_FIRST_INPUT + 1, 0, 0}, {STRATA_GPU_FIRST_INPUT, 0, kInOffset}};
const int64_t kInputBytes = kInOffset + kN * sizeof(float);
const int64_t kOutputBytes = kN * sizeof(float);

// The one-launch model; `launch` must outlive the program.
struct Model {
  strata_gpu_launch launch{};
  strata_gpu_program program{};

  explicit Model(const char *source = kPtx)
      : launch(launch1d(0, kArgs, 2, kGlobal, kLocal)),
        // The workspace is empty, but still gets a (1-byte) buffer.
        program(gpuProgram("cuda_add1", source, kKernelNames, 1, &launch, 1, &kInputBytes, &kOutputBytes)) {}
};

// NaN padding before the values, so reading at the wrong offset cannot give the right numbers.
std::vector<float> makeInput(int seed) {
  std::vector<float> in(kPad + kN, __builtin_nanf(""));
  for (int i = 0; i < kN; ++i) in[kPad + i] = float((i * 7 + seed) % 101) - 50.5f;
  return in;
}

int32_t run(strata_gpu_state *state, const strata_gpu_program &program, const float *in, float *out) {
  return runGpu(strata_cuda_run, state, program, in, out);
}

// What a machine without the driver or a device must say.
void expectUnsupportedMessage() {
  std::string message = strata_last_error();
  EXPECT_TRUE(message.find("libcuda.so.1") != std::string::npos ||
              message.find("no CUDA device") != std::string::npos)
      << message;
  EXPECT_NE(message.find("model 'cuda_add1'"), std::string::npos) << message;
}

#define SKIP_IF_NO_CUDA(status)                                                                    \
  if ((status) == STRATA_ERROR_UNSUPPORTED) GTEST_SKIP() << "no CUDA driver/device: " << strata_last_error()

TEST(CudaRuntimeTest, Add1OrUnsupported) {
  Model model;
  strata_gpu_state state{};
  for (int seed = 0; seed < 2; ++seed) { // the second run reuses the set-up state
    std::vector<float> in = makeInput(seed), out(kN, -7.0f);
    int32_t status = run(&state, model.program, in.data(), out.data());
    if (status == STRATA_ERROR_UNSUPPORTED) { // no driver or no device: said so, and nothing set up
      expectUnsupportedMessage();
      EXPECT_EQ(state.impl, nullptr);
      return;
    }
    ASSERT_EQ(status, STRATA_OK) << strata_last_error();
    ASSERT_NE(state.impl, nullptr);
    for (int i = 0; i < kN; ++i) ASSERT_EQ(out[i], in[kPad + i] + 1.0f) << "element " << i << ", run " << seed;
  }
  // The state is bound to that program.
  Model other;
  std::vector<float> in = makeInput(0), out(kN);
  EXPECT_EQ(run(&state, other.program, in.data(), out.data()), STRATA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(strata_last_error()).find("another program"), std::string::npos) << strata_last_error();
}

TEST(CudaRuntimeTest, ConcurrentRunsOfOneModel) {
  Model model;
  auto [failures, messages] =
      runConcurrently(strata_cuda_run, model.program, kN, makeInput,
                      [](const std::vector<float> &in, int i) { return in[kPad + i] + 1.0f; });
  SKIP_IF_NO_CUDA(failures[0]);
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t << ": " << messages[t];
}

TEST(CudaRuntimeTest, BadPtxReportsTheJitLog) {
  Model model(".version 7.0\n.target sm_52\n.address_size 64\n.visible .entry add1() { this is not PTX; }\n");
  strata_gpu_state state{};
  std::vector<float> in = makeInput(0), out(kN);
  int32_t status = run(&state, model.program, in.data(), out.data());
  SKIP_IF_NO_CUDA(status);
  ASSERT_EQ(status, STRATA_ERROR_KERNEL) << strata_last_error();
  std::string message = strata_last_error();
  EXPECT_NE(message.find("model 'cuda_add1'"), std::string::npos) << message;
  EXPECT_NE(message.find("failed to load"), std::string::npos) << message;
  // From the JIT's log ("ptxas application ptx input, line 4; fatal : Parsing error ...").
  EXPECT_TRUE(message.find("ptxas") != std::string::npos || message.find("line 4") != std::string::npos)
      << message;
  EXPECT_EQ(state.impl, nullptr);
}

// Each case gets a fresh state. These fail before the driver is loaded, so they hold everywhere.
void expectInvalid(const strata_gpu_program &program, const char *expected) {
  strata_gpu_state state{};
  std::vector<float> in = makeInput(0), out(kN);
  EXPECT_EQ(run(&state, program, in.data(), out.data()), STRATA_ERROR_INVALID_ARGUMENT) << strata_last_error();
  EXPECT_NE(std::string(strata_last_error()).find(expected), std::string::npos) << strata_last_error();
  EXPECT_EQ(state.impl, nullptr);
}

TEST(CudaRuntimeTest, BadArgumentsAreRejected) {
  {
    Model model;
    model.launch.kernel = 1;
    expectInvalid(model.program, "kernel index 1 is out of range");
  }
  {
    Model model;
    model.launch.dims = 0;
    expectInvalid(model.program, "dims is 0");
  }
  {
    Model model;
    model.launch.dims = 4;
    expectInvalid(model.program, "dims is 4");
  }
  {
    Model model;
    const strata_gpu_arg args[] = {{STRATA_GPU_FIRST_INPUT + 1, 0, 0}, {4, 0, 0}};
    model.launch.args = args;
    expectInvalid(model.program, "buffer index 4 is out of range");
  }
  {
    Model model;
    const strata_gpu_arg args[] = {{STRATA_GPU_FIRST_INPUT + 1, 0, 0},
                                   {STRATA_GPU_FIRST_INPUT, 0, kInputBytes + 4}};
    model.launch.args = args;
    expectInvalid(model.program, "is outside buffer 2");
  }
  {
    Model model;
    model.launch.global[0] = 300; // not a multiple of 64
    expectInvalid(model.program, "not a positive multiple of the local size");
  }
  {
    Model model;
    model.launch.local[0] = int64_t(1) << 33; // does not fit cuLaunchKernel's unsigned int
    model.launch.global[0] = int64_t(1) << 33;
    expectInvalid(model.program, "too large");
  }
  {
    Model model;
    strata_gpu_state state{};
    float out[1];
    void *outputs[] = {out};
    EXPECT_EQ(strata_cuda_run(&state, &model.program, nullptr, outputs), STRATA_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(strata_last_error()).find("inputs is NULL"), std::string::npos) << strata_last_error();
    EXPECT_EQ(strata_cuda_run(nullptr, &model.program, nullptr, outputs), STRATA_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(strata_cuda_run(&state, nullptr, nullptr, outputs), STRATA_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(strata_last_error()).find("program is NULL"), std::string::npos) << strata_last_error();
    EXPECT_EQ(state.impl, nullptr);
  }
  { // Device buffers: the same checks, before any driver is needed.
    Model model;
    strata_gpu_state state{};
    void *inputs[] = {reinterpret_cast<void *>(uintptr_t(0x1000))}, *outputs[] = {nullptr};
    EXPECT_EQ(strata_cuda_run_device(&state, &model.program, inputs, outputs), STRATA_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(strata_last_error()).find("output 0 is NULL"), std::string::npos) << strata_last_error();
    EXPECT_EQ(strata_cuda_context(&state, &model.program, nullptr), STRATA_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(strata_last_error()).find("context is NULL"), std::string::npos) << strata_last_error();
    EXPECT_EQ(state.impl, nullptr);
  }
}

// Without a driver or device the variable is never read (UNSUPPORTED); with one, a bad value
// is an invalid argument naming the variable and listing the devices.
void expectBadDevice(const char *value, const char *expected) {
  ScopedEnv env("STRATA_CUDA_DEVICE", value);
  Model model;
  strata_gpu_state state{};
  std::vector<float> in = makeInput(0), out(kN);
  int32_t status = run(&state, model.program, in.data(), out.data());
  std::string message = strata_last_error();
  ASSERT_TRUE(status == STRATA_ERROR_UNSUPPORTED || status == STRATA_ERROR_INVALID_ARGUMENT)
      << status << ": " << message;
  if (status == STRATA_ERROR_UNSUPPORTED) {
    expectUnsupportedMessage();
  } else {
    EXPECT_NE(message.find(std::string("STRATA_CUDA_DEVICE='") + value + "'"), std::string::npos) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_NE(message.find("available: 0 ("), std::string::npos) << message;
  }
  EXPECT_EQ(state.impl, nullptr);
}

TEST(CudaRuntimeTest, DeviceVariableBadFormat) { expectBadDevice("x", "is not a device index"); }

TEST(CudaRuntimeTest, DeviceVariableOutOfRange) { expectBadDevice("99", "no such CUDA device"); }

} // namespace
