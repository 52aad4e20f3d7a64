//===- DeviceBufferTests.cpp - GPU models on caller-owned device buffers ---===//
//
// Executable::run_device runs a GPU model on buffers the caller keeps on the
// device (OpenCL cl_mem handles in the model's context), with no copies. On
// this machine's OpenCL device (PoCL in CI) the cls model's outputs from device
// buffers must be bit-equal to run()'s from host buffers (the same kernels on
// the same inputs); buffers that are too small or from another context, CPU
// models and a missing CUDA driver are errors that say so. Labelled opencl;
// skipped where the machine has no OpenCL device.
//
//===----------------------------------------------------------------------===//
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "compiler/frontends/JsonReader.h"
#include "strata/strata.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace strata;

namespace {

const std::string kCls = std::string(STRATA_MODELS_DIR) + "/ppocr_cls_mobilenetv3.onnx";

Executable compileCls(const std::string &target) {
  CompileOptions options;
  options.target = target;
  options.input_shapes["x"] = {1, 3, 48, 192};
  auto exe = compile(kCls, options);
  EXPECT_TRUE(exe.ok()) << exe.error();
  return exe.ok() ? *exe : Executable();
}

/// The model's OpenCL context, or a skip where the machine has no OpenCL device.
#define CONTEXT_OR_SKIP(exe, context)                                                              \
  auto context##_result = (exe).device_context();                                                  \
  if (!context##_result.ok() && context##_result.error().find("no OpenCL") != std::string::npos)   \
    GTEST_SKIP() << context##_result.error();                                                      \
  ASSERT_TRUE(context##_result.ok()) << context##_result.error();                                  \
  cl_context context = (cl_context)*context##_result

/// A device buffer holding `bytes` (written from `data` unless null), released at scope end.
struct DeviceBuffer {
  cl_mem mem = nullptr;
  DeviceBuffer(cl_context context, size_t bytes, const void *data = nullptr) {
    cl_int err = CL_SUCCESS;
    cl_mem_flags flags = CL_MEM_READ_WRITE | (data ? CL_MEM_COPY_HOST_PTR : 0);
    mem = clCreateBuffer(context, flags, bytes, const_cast<void *>(data), &err);
    EXPECT_EQ(err, CL_SUCCESS);
  }
  ~DeviceBuffer() {
    if (mem)
      clReleaseMemObject(mem);
  }
};

cl_device_id deviceOf(cl_context context) {
  cl_device_id device = nullptr;
  EXPECT_EQ(clGetContextInfo(context, CL_CONTEXT_DEVICES, sizeof device, &device, nullptr), CL_SUCCESS);
  return device;
}

TEST(DeviceBufferTest, RunDeviceMatchesHostRun) {
  Executable exe = compileCls("opencl");
  ASSERT_EQ(exe.inputs().size(), 1u);
  CONTEXT_OR_SKIP(exe, context);
  const TensorInfo &in = exe.inputs()[0], &out = exe.outputs()[0];
  std::vector<float> x = frontend::mulberry32Uniform(7, in.num_elements());

  std::vector<float> expected(out.num_elements());
  const void *hostIn[] = {x.data()};
  void *hostOut[] = {expected.data()};
  Status s = exe.run(hostIn, hostOut);
  ASSERT_TRUE(s.ok()) << s.message();

  DeviceBuffer input(context, in.num_bytes(), x.data()), output(context, out.num_bytes());
  for (int run = 0; run < 2; ++run) { // the second reuses the set-up model
    s = exe.run_device({input.mem}, {output.mem});
    ASSERT_TRUE(s.ok()) << s.message();
    // The outputs are complete when run_device returns: read them on a queue of our own.
    cl_int err = CL_SUCCESS;
    cl_command_queue queue = clCreateCommandQueue(context, deviceOf(context), 0, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    std::vector<float> actual(out.num_elements(), -1.0f);
    ASSERT_EQ(clEnqueueReadBuffer(queue, output.mem, CL_TRUE, 0, out.num_bytes(), actual.data(), 0, nullptr,
                                  nullptr),
              CL_SUCCESS);
    clReleaseCommandQueue(queue);
    ASSERT_EQ(std::memcmp(actual.data(), expected.data(), out.num_bytes()), 0)
        << "run " << run << ": " << actual[0] << " vs " << expected[0];
  }
}

TEST(DeviceBufferTest, BadDeviceBuffersAreErrors) {
  Executable exe = compileCls("opencl");
  CONTEXT_OR_SKIP(exe, context);
  const TensorInfo &in = exe.inputs()[0], &out = exe.outputs()[0];
  DeviceBuffer input(context, in.num_bytes()), output(context, out.num_bytes());

  DeviceBuffer small(context, in.num_bytes() - 4);
  Status s = exe.run_device({small.mem}, {output.mem});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("input 0 is a cl_mem of " + std::to_string(in.num_bytes() - 4) + " bytes"),
            std::string::npos)
      << s.message();

  cl_device_id device = deviceOf(context);
  cl_int err = CL_SUCCESS;
  cl_context other = clCreateContext(nullptr, 1, &device, nullptr, nullptr, &err);
  ASSERT_EQ(err, CL_SUCCESS);
  {
    DeviceBuffer foreign(other, out.num_bytes());
    s = exe.run_device({input.mem}, {foreign.mem});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("output 0 is a cl_mem of another OpenCL context"), std::string::npos)
        << s.message();
  }
  clReleaseContext(other);

  s = exe.run_device({input.mem}, {nullptr});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("output 0 is NULL"), std::string::npos) << s.message();
  s = exe.run_device({input.mem, input.mem}, {output.mem});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("2 input buffers given, but the model has 1 inputs (x)"), std::string::npos)
      << s.message();
}

TEST(DeviceBufferTest, CpuModelsHaveNoDeviceBuffers) {
  Executable exe = compileCls("host");
  void *none[] = {nullptr};
  Status s = exe.run_device(none, none);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("compiled for the CPU"), std::string::npos) << s.message();
  auto context = exe.device_context();
  ASSERT_FALSE(context.ok());
  EXPECT_NE(context.error().find("compiled for the CPU"), std::string::npos) << context.error();
}

TEST(DeviceBufferTest, CudaWithoutADriverSaysSo) {
  Executable exe = compileCls("cuda-sm80");
  auto context = exe.device_context();
  if (context.ok())
    GTEST_SKIP() << "a CUDA driver and device are present";
  // Either no driver library, or a driver without a device: a message, not a crash.
  EXPECT_TRUE(context.error().find("cannot load the CUDA driver") != std::string::npos ||
              context.error().find("no CUDA device") != std::string::npos)
      << context.error();
}

} // namespace
