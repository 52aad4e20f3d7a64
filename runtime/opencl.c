/* strata_cl_run: runs a model compiled for OpenCL (see strata_runtime.h).
 *
 * Nothing links against OpenCL: the ICD loader is dlopen'ed on first use, so the runtime (and
 * every AOT archive carrying it) still links and runs on machines without OpenCL, which get
 * STRATA_ERROR_UNSUPPORTED instead. For the same reason this file declares the few OpenCL 1.2
 * types and constants it needs itself (values from the OpenCL 1.2 headers) instead of
 * including <CL/cl.h>, which build and cross-build machines need not have.
 *
 * Threading: the loader is loaded once (pthread_once); a model's state is set up under one
 * static mutex; after that, each model has its own mutex held for a whole run, because a
 * cl_kernel's arguments are shared state (clSetKernelArg is not safe on one kernel from
 * several threads) and the device buffers are reused by every run. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

/* ---- The OpenCL 1.2 subset we use ---------------------------------------------------------- */
typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint64_t cl_ulong;
typedef cl_uint cl_bool;
typedef cl_ulong cl_bitfield;
typedef cl_bitfield cl_device_type;
typedef cl_bitfield cl_mem_flags;
typedef cl_bitfield cl_command_queue_properties;
typedef cl_uint cl_platform_info;
typedef cl_uint cl_device_info;
typedef cl_uint cl_program_build_info;
typedef cl_uint cl_mem_info;
typedef intptr_t cl_context_properties;
typedef struct _cl_platform_id *cl_platform_id;
typedef struct _cl_device_id *cl_device_id;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;
typedef struct _cl_event *cl_event;

#define CL_SUCCESS 0
#define CL_DEVICE_NOT_FOUND -1
#define CL_OUT_OF_RESOURCES -5
#define CL_MEM_OBJECT_ALLOCATION_FAILURE -4
#define CL_OUT_OF_HOST_MEMORY -6
#define CL_BUILD_PROGRAM_FAILURE -11
#define CL_PLATFORM_NOT_FOUND_KHR -1001 /* what ICD loaders return when no driver is installed */
#define CL_FALSE 0
#define CL_TRUE 1
#define CL_DEVICE_TYPE_GPU (1u << 2)
#define CL_DEVICE_TYPE_ALL 0xFFFFFFFFu
#define CL_MEM_READ_WRITE (1u << 0)
#define CL_MEM_READ_ONLY (1u << 2)
#define CL_MEM_COPY_HOST_PTR (1u << 5)
#define CL_PLATFORM_NAME 0x0902
#define CL_DEVICE_NAME 0x102B
#define CL_DEVICE_SINGLE_FP_CONFIG 0x101B
#define CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT (1u << 7)
#define CL_CONTEXT_PLATFORM 0x1084
#define CL_PROGRAM_BUILD_LOG 0x1183
#define CL_MEM_SIZE 0x1102
#define CL_MEM_CONTEXT 0x1106

/* X(name, return type, parameter list) for every entry point we dlsym. */
#define STRATA_CL_FUNCTIONS(X)                                                                     \
  X(clGetPlatformIDs, cl_int, (cl_uint, cl_platform_id *, cl_uint *))                              \
  X(clGetPlatformInfo, cl_int, (cl_platform_id, cl_platform_info, size_t, void *, size_t *))       \
  X(clGetDeviceIDs, cl_int, (cl_platform_id, cl_device_type, cl_uint, cl_device_id *, cl_uint *))  \
  X(clGetDeviceInfo, cl_int, (cl_device_id, cl_device_info, size_t, void *, size_t *))             \
  X(clCreateContext, cl_context,                                                                   \
    (const cl_context_properties *, cl_uint, const cl_device_id *,                                 \
     void (*)(const char *, const void *, size_t, void *), void *, cl_int *))                      \
  X(clCreateCommandQueue, cl_command_queue,                                                        \
    (cl_context, cl_device_id, cl_command_queue_properties, cl_int *))                             \
  X(clCreateProgramWithSource, cl_program,                                                         \
    (cl_context, cl_uint, const char **, const size_t *, cl_int *))                                \
  X(clBuildProgram, cl_int,                                                                        \
    (cl_program, cl_uint, const cl_device_id *, const char *, void (*)(cl_program, void *), void *)) \
  X(clGetProgramBuildInfo, cl_int,                                                                 \
    (cl_program, cl_device_id, cl_program_build_info, size_t, void *, size_t *))                   \
  X(clCreateKernel, cl_kernel, (cl_program, const char *, cl_int *))                               \
  X(clCreateBuffer, cl_mem, (cl_context, cl_mem_flags, size_t, void *, cl_int *))                  \
  X(clSetKernelArg, cl_int, (cl_kernel, cl_uint, size_t, const void *))                            \
  X(clGetMemObjectInfo, cl_int, (cl_mem, cl_mem_info, size_t, void *, size_t *))                   \
  X(clEnqueueWriteBuffer, cl_int,                                                                  \
    (cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *, cl_uint, const cl_event *,   \
     cl_event *))                                                                                  \
  X(clEnqueueReadBuffer, cl_int,                                                                   \
    (cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint, const cl_event *,         \
     cl_event *))                                                                                  \
  X(clEnqueueNDRangeKernel, cl_int,                                                                \
    (cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, const size_t *,         \
     cl_uint, const cl_event *, cl_event *))                                                       \
  X(clFinish, cl_int, (cl_command_queue))                                                          \
  X(clReleaseMemObject, cl_int, (cl_mem))                                                          \
  X(clReleaseKernel, cl_int, (cl_kernel))                                                          \
  X(clReleaseProgram, cl_int, (cl_program))                                                        \
  X(clReleaseCommandQueue, cl_int, (cl_command_queue))                                             \
  X(clReleaseContext, cl_int, (cl_context))

#define STRATA_CL_FIELD(name, ret, params) ret(*name) params;
static struct {
  STRATA_CL_FUNCTIONS(STRATA_CL_FIELD)
} cl;
#undef STRATA_CL_FIELD

static pthread_once_t loader_once = PTHREAD_ONCE_INIT;
static char loader_error[768]; /* "" once every function is loaded */

static void load_loader(void) {
  void *lib = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    /* Report the first failure: it names the library users should install. */
    char first[512];
    const char *reason = dlerror();
    snprintf(first, sizeof first, "%s", reason ? reason : "unknown error");
    lib = dlopen("libOpenCL.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      snprintf(loader_error, sizeof loader_error,
               "cannot load the OpenCL ICD loader (libOpenCL.so.1): %s; install one "
               "(Debian: ocl-icd-libopencl1) and a driver (e.g. pocl-opencl-icd)", first);
      return;
    }
  }
#define STRATA_CL_LOAD(name, ret, params)                                                          \
  if (!(cl.name = (ret(*) params)dlsym(lib, #name))) {                                            \
    snprintf(loader_error, sizeof loader_error, "the OpenCL ICD loader has no %s", #name);       \
    return;                                                                                        \
  }
  STRATA_CL_FUNCTIONS(STRATA_CL_LOAD)
#undef STRATA_CL_LOAD
}

/* ---- Errors ---------------------------------------------------------------------------------- */
static const char *cl_error_name(cl_int err, char unknown[24]) {
  switch (err) {
#define N(code, name) case code: return #name;
    N(-1, CL_DEVICE_NOT_FOUND) N(-2, CL_DEVICE_NOT_AVAILABLE) N(-3, CL_COMPILER_NOT_AVAILABLE)
    N(-4, CL_MEM_OBJECT_ALLOCATION_FAILURE) N(-5, CL_OUT_OF_RESOURCES) N(-6, CL_OUT_OF_HOST_MEMORY)
    N(-7, CL_PROFILING_INFO_NOT_AVAILABLE) N(-8, CL_MEM_COPY_OVERLAP) N(-9, CL_IMAGE_FORMAT_MISMATCH)
    N(-10, CL_IMAGE_FORMAT_NOT_SUPPORTED) N(-11, CL_BUILD_PROGRAM_FAILURE) N(-12, CL_MAP_FAILURE)
    N(-13, CL_MISALIGNED_SUB_BUFFER_OFFSET) N(-14, CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
    N(-15, CL_COMPILE_PROGRAM_FAILURE) N(-16, CL_LINKER_NOT_AVAILABLE) N(-17, CL_LINK_PROGRAM_FAILURE)
    N(-18, CL_DEVICE_PARTITION_FAILED) N(-19, CL_KERNEL_ARG_INFO_NOT_AVAILABLE)
    N(-30, CL_INVALID_VALUE) N(-31, CL_INVALID_DEVICE_TYPE) N(-32, CL_INVALID_PLATFORM)
    N(-33, CL_INVALID_DEVICE) N(-34, CL_INVALID_CONTEXT) N(-35, CL_INVALID_QUEUE_PROPERTIES)
    N(-36, CL_INVALID_COMMAND_QUEUE) N(-37, CL_INVALID_HOST_PTR) N(-38, CL_INVALID_MEM_OBJECT)
    N(-39, CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) N(-40, CL_INVALID_IMAGE_SIZE) N(-41, CL_INVALID_SAMPLER)
    N(-42, CL_INVALID_BINARY) N(-43, CL_INVALID_BUILD_OPTIONS) N(-44, CL_INVALID_PROGRAM)
    N(-45, CL_INVALID_PROGRAM_EXECUTABLE) N(-46, CL_INVALID_KERNEL_NAME)
    N(-47, CL_INVALID_KERNEL_DEFINITION) N(-48, CL_INVALID_KERNEL) N(-49, CL_INVALID_ARG_INDEX)
    N(-50, CL_INVALID_ARG_VALUE) N(-51, CL_INVALID_ARG_SIZE) N(-52, CL_INVALID_KERNEL_ARGS)
    N(-53, CL_INVALID_WORK_DIMENSION) N(-54, CL_INVALID_WORK_GROUP_SIZE) N(-55, CL_INVALID_WORK_ITEM_SIZE)
    N(-56, CL_INVALID_GLOBAL_OFFSET) N(-57, CL_INVALID_EVENT_WAIT_LIST) N(-58, CL_INVALID_EVENT)
    N(-59, CL_INVALID_OPERATION) N(-60, CL_INVALID_GL_OBJECT) N(-61, CL_INVALID_BUFFER_SIZE)
    N(-62, CL_INVALID_MIP_LEVEL) N(-63, CL_INVALID_GLOBAL_WORK_SIZE) N(-64, CL_INVALID_PROPERTY)
    N(-65, CL_INVALID_IMAGE_DESCRIPTOR) N(-66, CL_INVALID_COMPILER_OPTIONS)
    N(-67, CL_INVALID_LINKER_OPTIONS) N(-68, CL_INVALID_DEVICE_PARTITION_COUNT)
    N(-1001, CL_PLATFORM_NOT_FOUND_KHR)
#undef N
  default: snprintf(unknown, 24, "OpenCL error %d", (int)err); return unknown;
  }
}

/* A failed cl call: allocation failures are STRATA_ERROR_OUT_OF_MEMORY, everything else
 * STRATA_ERROR_GPU_DRIVER, as for CUDA. */
static int32_t cl_fail(const char *model, cl_int err, const char *call_fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int32_t cl_fail(const char *model, cl_int err, const char *call_fmt, ...) {
  char call[256], unknown[24];
  va_list args;
  va_start(args, call_fmt);
  vsnprintf(call, sizeof call, call_fmt, args);
  va_end(args);
  int32_t status = err == CL_OUT_OF_HOST_MEMORY || err == CL_MEM_OBJECT_ALLOCATION_FAILURE
                       ? STRATA_ERROR_OUT_OF_MEMORY
                       : STRATA_ERROR_GPU_DRIVER;
  return strata_set_error(status, "model '%s': %s failed: %s", model, call, cl_error_name(err, unknown));
}

/* ---- Device selection ------------------------------------------------------------------------ */
static void platform_name(cl_platform_id p, char *out, size_t size) {
  if (cl.clGetPlatformInfo(p, CL_PLATFORM_NAME, size, out, NULL) != CL_SUCCESS) snprintf(out, size, "?");
  out[size - 1] = '\0';
}

static void device_name(cl_device_id d, char *out, size_t size) {
  if (cl.clGetDeviceInfo(d, CL_DEVICE_NAME, size, out, NULL) != CL_SUCCESS) snprintf(out, size, "?");
  out[size - 1] = '\0';
}

/* The devices of `type` on platform p (at most `max`); a platform without any is not an error. */
static cl_uint platform_devices(cl_platform_id p, cl_device_type type, cl_device_id *out, cl_uint max) {
  cl_uint n = 0;
  if (cl.clGetDeviceIDs(p, type, max, out, &n) != CL_SUCCESS) return 0;
  return n < max ? n : max;
}

#define MAX_PLATFORMS 16
#define MAX_DEVICES 64

/* "0:0 (Platform: Device), 0:1 (...)": what STRATA_OPENCL_DEVICE may name. */
static void list_devices(const cl_platform_id *platforms, cl_uint num_platforms, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (cl_uint p = 0; p < num_platforms; ++p) {
    char pname[128], dname[128];
    cl_device_id devices[MAX_DEVICES];
    cl_uint n = platform_devices(platforms[p], CL_DEVICE_TYPE_ALL, devices, MAX_DEVICES);
    platform_name(platforms[p], pname, sizeof pname);
    for (cl_uint d = 0; d < n && used < size; ++d) {
      device_name(devices[d], dname, sizeof dname);
      int w = snprintf(out + used, size - used, "%s%u:%u (%s: %s)", used ? ", " : "", p, d, pname, dname);
      if (w > 0) used += (size_t)w;
    }
  }
  if (!out[0]) snprintf(out, size, "none");
}

static int32_t select_device(const char *model, cl_platform_id *platform, cl_device_id *device) {
  cl_platform_id platforms[MAX_PLATFORMS];
  cl_uint num_platforms = 0;
  cl_int err = cl.clGetPlatformIDs(MAX_PLATFORMS, platforms, &num_platforms);
  if (err == CL_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && num_platforms == 0))
    return strata_set_error(STRATA_ERROR_UNSUPPORTED,
                            "model '%s': no OpenCL platform found (the ICD loader found no driver; "
                            "install one, e.g. pocl-opencl-icd)", model);
  if (err != CL_SUCCESS) return cl_fail(model, err, "clGetPlatformIDs");
  if (num_platforms > MAX_PLATFORMS) num_platforms = MAX_PLATFORMS;

  const char *env = getenv("STRATA_OPENCL_DEVICE");
  if (env && *env) {
    unsigned p = 0, d = 0;
    int consumed = 0;
    char available[640];
    if (sscanf(env, "%u:%u%n", &p, &d, &consumed) != 2 || env[consumed] != '\0' || env[0] == '-') {
      list_devices(platforms, num_platforms, available, sizeof available);
      return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT,
                              "model '%s': STRATA_OPENCL_DEVICE='%s' is not 'P:D' (platform and device "
                              "index); available: %s", model, env, available);
    }
    cl_device_id devices[MAX_DEVICES];
    cl_uint n = 0;
    if (p < num_platforms) n = platform_devices(platforms[p], CL_DEVICE_TYPE_ALL, devices, MAX_DEVICES);
    if (d >= n) {
      list_devices(platforms, num_platforms, available, sizeof available);
      return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT,
                              "model '%s': STRATA_OPENCL_DEVICE='%s': no such OpenCL device; available: %s",
                              model, env, available);
    }
    *platform = platforms[p];
    *device = devices[d];
    return STRATA_OK;
  }

  /* A GPU anywhere beats any other device type (PoCL's CPU device is often platform 0). */
  const cl_device_type types[2] = {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ALL};
  for (int t = 0; t < 2; ++t)
    for (cl_uint p = 0; p < num_platforms; ++p)
      if (platform_devices(platforms[p], types[t], device, 1) > 0) {
        *platform = platforms[p];
        return STRATA_OK;
      }
  return strata_set_error(STRATA_ERROR_UNSUPPORTED,
                          "model '%s': no OpenCL device found on %u platform(s) (install a driver, "
                          "e.g. pocl-opencl-icd, or check the device's permissions)", model, num_platforms);
}

/* ---- Per-model state ------------------------------------------------------------------------- */
typedef struct strata_cl_impl {
  strata_rt_gpu_impl base; /* first: the run lock and the owner (see runtime_internal.h) */
  cl_context context;
  cl_command_queue queue;
  cl_program program;
  int32_t num_kernels, num_buffers;
  cl_kernel *kernels;
  cl_mem *buffers; /* by strata buffer index: workspace, constants, inputs, outputs */
} strata_cl_impl;

static void impl_destroy(strata_cl_impl *impl) {
  for (int32_t i = 0; impl->buffers && i < impl->num_buffers; ++i)
    if (impl->buffers[i]) cl.clReleaseMemObject(impl->buffers[i]);
  for (int32_t i = 0; impl->kernels && i < impl->num_kernels; ++i)
    if (impl->kernels[i]) cl.clReleaseKernel(impl->kernels[i]);
  if (impl->program) cl.clReleaseProgram(impl->program);
  if (impl->queue) cl.clReleaseCommandQueue(impl->queue);
  if (impl->context) cl.clReleaseContext(impl->context);
  free(impl->kernels);
  free(impl->buffers);
  free(impl);
}

static int32_t build_failure(const char *model, cl_program program, cl_device_id device) {
  char dname[128];
  device_name(device, dname, sizeof dname);
  /* The driver refuses a buffer shorter than the whole log, so fetch all of it; only its start
   * fits the 1023-byte message. */
  size_t size = 0;
  char *log = NULL;
  if (cl.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) == CL_SUCCESS &&
      (log = calloc(size + 1, 1)) != NULL &&
      cl.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, size, log, NULL) != CL_SUCCESS)
    log[0] = '\0';
  int32_t status = strata_set_error(STRATA_ERROR_KERNEL,
                                    "model '%s': OpenCL kernels failed to build on %s:\n%s", model, dname,
                                    log && log[0] ? log : "(no build log)");
  free(log);
  return status;
}

/* Creates everything a model needs. On failure, releases what it made and returns the error;
 * *out stays NULL, so the next run retries from scratch (nothing is cached: a retry may
 * succeed after a transient failure such as CL_OUT_OF_RESOURCES). */
static int32_t impl_create(const strata_gpu_program *prog, const char *model, strata_rt_gpu_impl **out) {
  cl_platform_id platform;
  cl_device_id device;
  int32_t status = select_device(model, &platform, &device);
  if (status != STRATA_OK) return status;

  strata_cl_impl *impl = calloc(1, sizeof *impl);
  int32_t num_buffers = strata_rt_gpu_num_buffers(prog);
  if (impl) {
    impl->num_kernels = prog->num_kernels;
    impl->num_buffers = num_buffers;
    impl->kernels = calloc((size_t)prog->num_kernels + 1, sizeof *impl->kernels);
    impl->buffers = calloc((size_t)num_buffers, sizeof *impl->buffers);
  }
  if (!impl || !impl->kernels || !impl->buffers) {
    if (impl) impl_destroy(impl);
    return strata_set_error(STRATA_ERROR_OUT_OF_MEMORY, "model '%s': out of memory setting up OpenCL", model);
  }

  cl_int err = CL_SUCCESS;
  const cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)platform, 0};
  if (!(impl->context = cl.clCreateContext(props, 1, &device, NULL, NULL, &err))) {
    status = cl_fail(model, err, "clCreateContext");
    goto fail;
  }
  if (!(impl->queue = cl.clCreateCommandQueue(impl->context, device, 0, &err))) { /* 0: in order */
    status = cl_fail(model, err, "clCreateCommandQueue");
    goto fail;
  }
  const char *source = prog->source;
  if (!(impl->program = cl.clCreateProgramWithSource(impl->context, 1, &source, NULL, &err))) {
    status = cl_fail(model, err, "clCreateProgramWithSource");
    goto fail;
  }
  /* Division and sqrt as on the CPU (IEEE, correctly rounded) where the device offers it;
   * elsewhere OpenCL allows them 2.5 and 3 ulp. */
  cl_bitfield fp = 0;
  int exact = cl.clGetDeviceInfo(device, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, NULL) == CL_SUCCESS &&
              (fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT);
  err = cl.clBuildProgram(impl->program, 1, &device,
                          exact ? "-cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt" : "-cl-std=CL1.2", NULL, NULL);
  if (err != CL_SUCCESS) {
    status = err == CL_BUILD_PROGRAM_FAILURE ? build_failure(model, impl->program, device)
                                             : cl_fail(model, err, "clBuildProgram");
    goto fail;
  }
  for (int32_t k = 0; k < prog->num_kernels; ++k)
    if (!(impl->kernels[k] = cl.clCreateKernel(impl->program, prog->kernel_names[k], &err))) {
      status = cl_fail(model, err, "clCreateKernel('%s')", prog->kernel_names[k]);
      goto fail;
    }

  for (int32_t b = 0; b < num_buffers; ++b) {
    int64_t bytes = strata_rt_gpu_buffer_bytes(prog, b);
    /* OpenCL refuses empty buffers, and kernels still take every buffer as an argument. */
    size_t size = bytes > 0 ? (size_t)bytes : 1;
    cl_mem_flags flags = CL_MEM_READ_WRITE;
    void *host = NULL;
    if (b == STRATA_GPU_CONSTANTS) {
      flags = CL_MEM_READ_ONLY | (bytes > 0 ? CL_MEM_COPY_HOST_PTR : 0);
      /* Copied now; OpenCL takes a non-const pointer but never writes through it. */
      host = bytes > 0 ? (void *)(uintptr_t)prog->constants : NULL;
    }
    if (!(impl->buffers[b] = cl.clCreateBuffer(impl->context, flags, size, host, &err))) {
      status = cl_fail(model, err, "clCreateBuffer(buffer %d, %lld bytes)", (int)b, (long long)bytes);
      goto fail;
    }
  }
  if ((status = strata_rt_gpu_impl_init(&impl->base, prog, model)) != STRATA_OK) goto fail;
  *out = &impl->base;
  return STRATA_OK;
fail:
  impl_destroy(impl);
  return status;
}

/* ---- Runs ------------------------------------------------------------------------------------ */
/* The cl_mem behind a strata buffer index: the model's own, or in a run on device buffers the
 * caller's inputs and outputs. */
static cl_mem run_buffer(const strata_cl_impl *impl, const strata_gpu_program *p, int32_t buffer,
                         int device, const void *const *inputs, void *const *outputs) {
  int32_t io = buffer - STRATA_GPU_FIRST_INPUT;
  if (!device || io < 0) return impl->buffers[buffer];
  return (cl_mem)(io < p->num_inputs ? (void *)(uintptr_t)inputs[io] : outputs[io - p->num_inputs]);
}

/* A caller's device buffer must belong to the model's context and hold the whole tensor. */
static int32_t check_device_buffer(const strata_cl_impl *impl, const char *model, const char *kind, int32_t i,
                                   cl_mem buffer, int64_t bytes) {
  cl_context context = NULL;
  size_t size = 0;
  cl_int err = cl.clGetMemObjectInfo(buffer, CL_MEM_CONTEXT, sizeof context, &context, NULL);
  if (err == CL_SUCCESS) err = cl.clGetMemObjectInfo(buffer, CL_MEM_SIZE, sizeof size, &size, NULL);
  if (err != CL_SUCCESS) return cl_fail(model, err, "clGetMemObjectInfo(%s %d)", kind, (int)i);
  if (context != impl->context)
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT,
                            "model '%s': %s %d is a cl_mem of another OpenCL context; create device buffers "
                            "in the model's context (NAME_device_context)", model, kind, (int)i);
  if ((int64_t)size < bytes)
    return strata_set_error(STRATA_ERROR_SHAPE, "model '%s': %s %d is a cl_mem of %lld bytes; the tensor needs %lld",
                            model, kind, (int)i, (long long)size, (long long)bytes);
  return STRATA_OK;
}

/* One run, the model's lock held. Host buffers: inputs copied in, outputs copied out. Device
 * buffers (device != 0): the caller's cl_mem handles are the kernels' arguments. */
static int32_t run_locked(strata_cl_impl *impl, const strata_gpu_program *p, const char *model,
                          int device, const void *const *inputs, void *const *outputs) {
  cl_int err;
  int32_t status;
  if (device) {
    for (int32_t i = 0; i < p->num_inputs; ++i)
      if ((status = check_device_buffer(impl, model, "input", i, (cl_mem)(uintptr_t)inputs[i], p->input_bytes[i])))
        return status;
    for (int32_t i = 0; i < p->num_outputs; ++i)
      if ((status = check_device_buffer(impl, model, "output", i, (cl_mem)outputs[i], p->output_bytes[i])))
        return status;
  }
  for (int32_t i = 0; !device && i < p->num_inputs; ++i) {
    if (p->input_bytes[i] == 0) continue; /* OpenCL rejects empty transfers */
    /* Blocking, so the caller may reuse its buffer as soon as we return. */
    err = cl.clEnqueueWriteBuffer(impl->queue, impl->buffers[STRATA_GPU_FIRST_INPUT + i], CL_TRUE, 0,
                                  (size_t)p->input_bytes[i], inputs[i], 0, NULL, NULL);
    if (err != CL_SUCCESS) return cl_fail(model, err, "clEnqueueWriteBuffer(input %d)", (int)i);
  }
  for (int32_t l = 0; l < p->num_launches; ++l) {
    const strata_gpu_launch *launch = &p->launches[l];
    cl_kernel kernel = impl->kernels[launch->kernel];
    const char *name = p->kernel_names[launch->kernel];
    for (int32_t a = 0; a < launch->num_args; ++a) {
      const strata_gpu_arg *arg = &launch->args[a];
      cl_mem buffer = run_buffer(impl, p, arg->buffer, device, inputs, outputs);
      cl_ulong offset = (cl_ulong)arg->offset;
      err = cl.clSetKernelArg(kernel, (cl_uint)(2 * a), sizeof(cl_mem), &buffer);
      if (err == CL_SUCCESS) err = cl.clSetKernelArg(kernel, (cl_uint)(2 * a + 1), sizeof(cl_ulong), &offset);
      if (err != CL_SUCCESS)
        return cl_fail(model, err, "clSetKernelArg(kernel '%s', argument %d, launch %d)", name, (int)a, (int)l);
    }
    size_t global[3], local[3];
    for (int32_t d = 0; d < launch->dims; ++d) {
      global[d] = (size_t)launch->global[d];
      local[d] = (size_t)launch->local[d];
    }
    err = cl.clEnqueueNDRangeKernel(impl->queue, kernel, (cl_uint)launch->dims, NULL, global, local, 0, NULL,
                                    NULL);
    if (err != CL_SUCCESS)
      return cl_fail(model, err, "clEnqueueNDRangeKernel(kernel '%s', launch %d)", name, (int)l);
  }
  /* The queue is in order, so a blocking read also waits for every launch before it. */
  for (int32_t i = 0; !device && i < p->num_outputs; ++i) {
    if (p->output_bytes[i] == 0) continue;
    cl_mem buffer = impl->buffers[STRATA_GPU_FIRST_INPUT + p->num_inputs + i];
    err = cl.clEnqueueReadBuffer(impl->queue, buffer, CL_TRUE, 0, (size_t)p->output_bytes[i], outputs[i], 0,
                                 NULL, NULL);
    if (err != CL_SUCCESS) return cl_fail(model, err, "clEnqueueReadBuffer(output %d)", (int)i);
  }
  /* Also surfaces errors of kernels whose results nobody read back, and in a device run makes
   * the outputs complete before we return. */
  err = cl.clFinish(impl->queue);
  return err == CL_SUCCESS ? STRATA_OK : cl_fail(model, err, "clFinish");
}

static pthread_mutex_t setup_lock = PTHREAD_MUTEX_INITIALIZER;

/* The checked program's state (and with_buffers, the checked buffer arrays), set up on first use,
 * with its lock held (the caller unlocks). Checks come before the driver is loaded. */
static int32_t lock_model(strata_gpu_state *state, const strata_gpu_program *program, const char *api,
                          int with_buffers, const void *const *inputs, void *const *outputs,
                          strata_cl_impl **out) {
  /* INT64_MAX: no launch size limit of our own (the driver checks the device's). */
  int32_t status = strata_rt_gpu_check_program(state, program, api, INT64_MAX);
  if (status == STRATA_OK && with_buffers) status = strata_rt_gpu_check_buffers(program, inputs, outputs);
  if (status != STRATA_OK) return status;
  const char *model = strata_rt_gpu_model_name(program);
  pthread_once(&loader_once, load_loader);
  if (loader_error[0]) return strata_set_error(STRATA_ERROR_UNSUPPORTED, "model '%s': %s", model, loader_error);
  strata_rt_gpu_impl *base;
  status = strata_rt_gpu_lock_impl(state, &setup_lock, program, model, impl_create, &base);
  if (status == STRATA_OK) *out = (strata_cl_impl *)base;
  return status;
}

STRATA_RT_WEAK int32_t strata_cl_run(strata_gpu_state *state, const strata_gpu_program *program,
                                     const void *const *inputs, void *const *outputs) {
  strata_cl_impl *impl;
  int32_t status = lock_model(state, program, "strata_cl_run", 1, inputs, outputs, &impl);
  if (status == STRATA_OK) {
    status = run_locked(impl, program, strata_rt_gpu_model_name(program), 0, inputs, outputs);
    pthread_mutex_unlock(&impl->base.lock);
  }
  return status;
}

STRATA_RT_WEAK int32_t strata_cl_run_device(strata_gpu_state *state, const strata_gpu_program *program,
                                            void *const *inputs, void *const *outputs) {
  strata_cl_impl *impl;
  int32_t status = lock_model(state, program, "strata_cl_run_device", 1, (const void *const *)inputs, outputs, &impl);
  if (status == STRATA_OK) {
    status = run_locked(impl, program, strata_rt_gpu_model_name(program), 1, (const void *const *)inputs, outputs);
    pthread_mutex_unlock(&impl->base.lock);
  }
  return status;
}

STRATA_RT_WEAK int32_t strata_cl_context(strata_gpu_state *state, const strata_gpu_program *program,
                                         void **context) {
  if (!context)
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "strata_cl_context: context is NULL");
  *context = NULL;
  strata_cl_impl *impl;
  int32_t status = lock_model(state, program, "strata_cl_context", 0, NULL, NULL, &impl);
  if (status == STRATA_OK) {
    *context = impl->context;
    pthread_mutex_unlock(&impl->base.lock);
  }
  return status;
}

STRATA_RT_WEAK void strata_cl_release(strata_gpu_state *state) {
  strata_rt_gpu_impl *impl = strata_rt_gpu_take_impl(state, &setup_lock);
  if (impl) impl_destroy((strata_cl_impl *)impl);
}
