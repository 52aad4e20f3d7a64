/* strata_cuda_run: runs a model compiled for CUDA (PTX kernels; see strata_runtime.h).
 *
 * Nothing links against CUDA: the driver (libcuda.so.1) is dlopen'ed on first use, so the runtime
 * (and every AOT archive carrying it) still links and runs on machines without an NVIDIA driver,
 * which get STRATA_ERROR_UNSUPPORTED instead. For the same reason this file declares the few
 * driver API types and constants it needs itself (values from the CUDA driver API's cuda.h)
 * instead of including <cuda.h>, which build and cross-build machines need not have. The
 * functions are looked up by their exported names, which for some are the _v2 entry points that
 * cuda.h's macros map the plain names to.
 *
 * Threading: the driver is loaded once (pthread_once); a model's state is set up under one static
 * mutex; after that, each model has its own mutex held for a whole run, because the device
 * buffers (and the kernel parameter arrays) are reused by every run. Each run makes the device's
 * primary context current on the calling thread (push) and restores the thread's previous one
 * (pop), so callers may use CUDA themselves around it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

/* ---- The CUDA driver API subset we use -------------------------------------------------------- */
typedef int CUresult;
typedef int CUdevice;
typedef int CUjit_option; /* an enum in cuda.h */
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;

#define CUDA_SUCCESS 0
#define CUDA_ERROR_OUT_OF_MEMORY 2
#define CUDA_ERROR_NO_DEVICE 100
#define CU_JIT_ERROR_LOG_BUFFER 5
#define CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES 6

/* X(name, parameter list) for every entry point we dlsym; all return CUresult. */
#define STRATA_CUDA_FUNCTIONS(X)                                                                   \
  X(cuInit, (unsigned int))                                                                        \
  X(cuDeviceGetCount, (int *))                                                                     \
  X(cuDeviceGet, (CUdevice *, int))                                                                \
  X(cuDeviceGetName, (char *, int, CUdevice))                                                      \
  X(cuDevicePrimaryCtxRetain, (CUcontext *, CUdevice))                                             \
  X(cuDevicePrimaryCtxRelease_v2, (CUdevice))                                                      \
  X(cuCtxPushCurrent_v2, (CUcontext))                                                              \
  X(cuCtxPopCurrent_v2, (CUcontext *))                                                             \
  X(cuCtxSynchronize, (void))                                                                      \
  X(cuModuleLoadDataEx, (CUmodule *, const void *, unsigned int, CUjit_option *, void **))         \
  X(cuModuleGetFunction, (CUfunction *, CUmodule, const char *))                                   \
  X(cuModuleUnload, (CUmodule))                                                                    \
  X(cuMemAlloc_v2, (CUdeviceptr *, size_t))                                                        \
  X(cuMemFree_v2, (CUdeviceptr))                                                                   \
  X(cuMemGetAddressRange_v2, (CUdeviceptr *, size_t *, CUdeviceptr))                               \
  X(cuMemcpyHtoD_v2, (CUdeviceptr, const void *, size_t))                                          \
  X(cuMemcpyDtoH_v2, (void *, CUdeviceptr, size_t))                                                \
  X(cuLaunchKernel, (CUfunction, unsigned int, unsigned int, unsigned int, unsigned int,           \
                     unsigned int, unsigned int, unsigned int, CUstream, void **, void **))        \
  X(cuGetErrorName, (CUresult, const char **))                                                     \
  X(cuGetErrorString, (CUresult, const char **))

#define STRATA_CUDA_FIELD(name, params) CUresult(*name) params;
static struct {
  STRATA_CUDA_FUNCTIONS(STRATA_CUDA_FIELD)
} cuda_api;
#undef STRATA_CUDA_FIELD

static pthread_once_t cuda_loader_once = PTHREAD_ONCE_INIT;
static char cuda_loader_error[768]; /* "" once every function is loaded */

static void cuda_load_driver(void) {
  /* Only the versioned name: libcuda.so is the toolkit's link-time stub, which must not run. */
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *reason = dlerror();
    snprintf(cuda_loader_error, sizeof cuda_loader_error,
             "cannot load the CUDA driver (libcuda.so.1): %s; a machine with an NVIDIA GPU and its "
             "driver is needed for --target cuda-*", reason ? reason : "unknown error");
    return;
  }
#define STRATA_CUDA_LOAD(name, params)                                                             \
  if (!(cuda_api.name = (CUresult(*) params)dlsym(lib, #name))) {                                  \
    snprintf(cuda_loader_error, sizeof cuda_loader_error,                                          \
             "the CUDA driver (libcuda.so.1) has no %s; it is too old, update it", #name);          \
    return;                                                                                        \
  }
  STRATA_CUDA_FUNCTIONS(STRATA_CUDA_LOAD)
#undef STRATA_CUDA_LOAD
}

/* ---- Errors ----------------------------------------------------------------------------------- */
/* "CUDA_ERROR_X (description)", from the driver's own tables. */
static void cuda_describe(CUresult err, char *out, size_t size) {
  const char *name = NULL, *text = NULL;
  if (cuda_api.cuGetErrorName(err, &name) != CUDA_SUCCESS || !name) name = NULL;
  if (cuda_api.cuGetErrorString(err, &text) != CUDA_SUCCESS || !text) text = "unknown error";
  if (name) snprintf(out, size, "%s (%s)", name, text);
  else snprintf(out, size, "CUDA error %d (%s)", (int)err, text);
}

/* A failed driver call, naming the call and the driver's error: STRATA_ERROR_OUT_OF_MEMORY for
 * an allocation, else STRATA_ERROR_GPU_DRIVER, as for OpenCL. */
static int32_t cuda_fail(const char *model, CUresult err, const char *call_fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int32_t cuda_fail(const char *model, CUresult err, const char *call_fmt, ...) {
  char call[256], what[256];
  va_list args;
  va_start(args, call_fmt);
  vsnprintf(call, sizeof call, call_fmt, args);
  va_end(args);
  cuda_describe(err, what, sizeof what);
  int32_t status = err == CUDA_ERROR_OUT_OF_MEMORY ? STRATA_ERROR_OUT_OF_MEMORY : STRATA_ERROR_GPU_DRIVER;
  return strata_set_error(status, "model '%s': %s failed: %s", model, call, what);
}

/* ---- Device selection ------------------------------------------------------------------------- */
static void cuda_device_name(int index, char *out, int size) {
  CUdevice dev;
  if (cuda_api.cuDeviceGet(&dev, index) != CUDA_SUCCESS ||
      cuda_api.cuDeviceGetName(out, size, dev) != CUDA_SUCCESS)
    snprintf(out, (size_t)size, "?");
  out[size - 1] = '\0';
}

/* "0 (NVIDIA H100), 1 (...)": what STRATA_CUDA_DEVICE may name. */
static void cuda_list_devices(int count, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < count && used < size; ++i) {
    char name[128];
    cuda_device_name(i, name, (int)sizeof name);
    int w = snprintf(out + used, size - used, "%s%d (%s)", used ? ", " : "", i, name);
    if (w > 0) used += (size_t)w;
  }
  if (!out[0]) snprintf(out, size, "none");
}

static int32_t cuda_select_device(const char *model, CUdevice *device) {
  CUresult err = cuda_api.cuInit(0);
  int count = 0;
  if (err == CUDA_SUCCESS) err = cuda_api.cuDeviceGetCount(&count);
  if (err == CUDA_ERROR_NO_DEVICE || (err == CUDA_SUCCESS && count <= 0))
    return strata_set_error(STRATA_ERROR_UNSUPPORTED,
                            "model '%s': no CUDA device (the driver is installed but finds no GPU; "
                            "check nvidia-smi and the device's permissions)", model);
  if (err != CUDA_SUCCESS) return cuda_fail(model, err, "cuInit");

  int index = 0;
  const char *env = getenv("STRATA_CUDA_DEVICE");
  if (env && *env) {
    char *end = NULL;
    long n = strtol(env, &end, 10);
    int digits = env[0] >= '0' && env[0] <= '9' && *end == '\0';
    if (!digits || n >= count) {
      char available[640];
      cuda_list_devices(count, available, sizeof available);
      return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT,
                              "model '%s': STRATA_CUDA_DEVICE='%s' %s; available: %s", model, env,
                              digits ? "is out of range: no such CUDA device" : "is not a device index",
                              available);
    }
    index = (int)n;
  }
  err = cuda_api.cuDeviceGet(device, index);
  return err == CUDA_SUCCESS ? STRATA_OK : cuda_fail(model, err, "cuDeviceGet(%d)", index);
}

/* ---- Per-model state -------------------------------------------------------------------------- */
typedef struct strata_cuda_impl {
  strata_rt_gpu_impl base; /* first: the run lock and the owner (see runtime_internal.h) */
  CUdevice device;
  CUcontext context; /* the device's primary context, retained */
  CUmodule module;
  int32_t num_kernels, num_buffers, max_args;
  CUfunction *functions;
  CUdeviceptr *buffers; /* by strata buffer index: workspace, constants, inputs, outputs */
  CUdeviceptr *arg_values; /* a launch's kernel parameters (max_args), and pointers to them */
  void **arg_pointers;
} strata_cuda_impl;

static void cuda_impl_destroy(strata_cuda_impl *impl) {
  CUcontext popped;
  if (impl->context && cuda_api.cuCtxPushCurrent_v2(impl->context) == CUDA_SUCCESS) {
    for (int32_t i = 0; impl->buffers && i < impl->num_buffers; ++i)
      if (impl->buffers[i]) cuda_api.cuMemFree_v2(impl->buffers[i]);
    if (impl->module) cuda_api.cuModuleUnload(impl->module);
    cuda_api.cuCtxPopCurrent_v2(&popped);
  }
  if (impl->context) cuda_api.cuDevicePrimaryCtxRelease_v2(impl->device);
  free(impl->functions);
  free(impl->buffers);
  free(impl->arg_values);
  free(impl->arg_pointers);
  free(impl);
}

/* Loads the PTX, finds the kernels, allocates the buffers and uploads the constants; the
 * primary context is current. */
static int32_t cuda_impl_fill(strata_cuda_impl *impl, const strata_gpu_program *prog, const char *model) {
  char log[4096] = "";
  CUjit_option options[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[2] = {log, (void *)(uintptr_t)sizeof log};
  CUresult err = cuda_api.cuModuleLoadDataEx(&impl->module, prog->source, 2, options, values);
  if (err != CUDA_SUCCESS) {
    char dname[128], what[256];
    impl->module = NULL;
    log[sizeof log - 1] = '\0';
    cuda_device_name((int)impl->device, dname, (int)sizeof dname);
    cuda_describe(err, what, sizeof what);
    return strata_set_error(STRATA_ERROR_KERNEL, "model '%s': the PTX kernels failed to load on %s: %s:\n%s",
                            model, dname, what, log[0] ? log : "(no JIT log)");
  }
  for (int32_t k = 0; k < prog->num_kernels; ++k)
    if ((err = cuda_api.cuModuleGetFunction(&impl->functions[k], impl->module, prog->kernel_names[k])) !=
        CUDA_SUCCESS)
      return cuda_fail(model, err, "cuModuleGetFunction('%s')", prog->kernel_names[k]);
  for (int32_t b = 0; b < impl->num_buffers; ++b) {
    int64_t bytes = strata_rt_gpu_buffer_bytes(prog, b);
    /* Kernels take every buffer as an argument, so even an empty one gets an address. */
    if ((err = cuda_api.cuMemAlloc_v2(&impl->buffers[b], bytes > 0 ? (size_t)bytes : 1)) != CUDA_SUCCESS) {
      impl->buffers[b] = 0;
      return cuda_fail(model, err, "cuMemAlloc(buffer %d, %lld bytes)", (int)b, (long long)bytes);
    }
  }
  if (prog->constants_bytes > 0 &&
      (err = cuda_api.cuMemcpyHtoD_v2(impl->buffers[STRATA_GPU_CONSTANTS], prog->constants,
                                      (size_t)prog->constants_bytes)) != CUDA_SUCCESS)
    return cuda_fail(model, err, "cuMemcpyHtoD(constants, %lld bytes)", (long long)prog->constants_bytes);
  return STRATA_OK;
}

/* Creates everything a model needs. On failure, releases what it made and returns the error;
 * *out stays NULL, so the next run retries from scratch. */
static int32_t cuda_impl_create(const strata_gpu_program *prog, const char *model, strata_rt_gpu_impl **out) {
  CUdevice device;
  int32_t status = cuda_select_device(model, &device);
  if (status != STRATA_OK) return status;

  strata_cuda_impl *impl = calloc(1, sizeof *impl);
  if (impl) {
    impl->device = device;
    impl->num_kernels = prog->num_kernels;
    impl->num_buffers = strata_rt_gpu_num_buffers(prog);
    for (int32_t l = 0; l < prog->num_launches; ++l)
      if (prog->launches[l].num_args > impl->max_args) impl->max_args = prog->launches[l].num_args;
    impl->functions = calloc((size_t)prog->num_kernels + 1, sizeof *impl->functions);
    impl->buffers = calloc((size_t)impl->num_buffers, sizeof *impl->buffers);
    impl->arg_values = calloc((size_t)impl->max_args + 1, sizeof *impl->arg_values);
    impl->arg_pointers = calloc((size_t)impl->max_args + 1, sizeof *impl->arg_pointers);
  }
  if (!impl || !impl->functions || !impl->buffers || !impl->arg_values || !impl->arg_pointers) {
    if (impl) cuda_impl_destroy(impl);
    return strata_set_error(STRATA_ERROR_OUT_OF_MEMORY, "model '%s': out of memory setting up CUDA", model);
  }
  for (int32_t a = 0; a < impl->max_args; ++a) impl->arg_pointers[a] = &impl->arg_values[a];

  CUresult err = cuda_api.cuDevicePrimaryCtxRetain(&impl->context, device);
  if (err != CUDA_SUCCESS) {
    impl->context = NULL;
    status = cuda_fail(model, err, "cuDevicePrimaryCtxRetain(device %d)", (int)device);
  } else if ((err = cuda_api.cuCtxPushCurrent_v2(impl->context)) != CUDA_SUCCESS) {
    status = cuda_fail(model, err, "cuCtxPushCurrent");
  } else {
    CUcontext popped;
    status = cuda_impl_fill(impl, prog, model);
    cuda_api.cuCtxPopCurrent_v2(&popped);
  }
  if (status == STRATA_OK) status = strata_rt_gpu_impl_init(&impl->base, prog, model);
  if (status != STRATA_OK) {
    cuda_impl_destroy(impl);
    return status;
  }
  *out = &impl->base;
  return STRATA_OK;
}

/* ---- Runs ------------------------------------------------------------------------------------- */
/* A caller's device pointer must be aligned and lie in an allocation of this context with the
 * whole tensor after it. */
static int32_t cuda_check_device_buffer(const char *model, const char *kind, int32_t i, CUdeviceptr ptr,
                                        int64_t bytes) {
  CUdeviceptr base = 0;
  size_t size = 0;
  CUresult err;
  if (ptr % STRATA_GPU_BUFFER_ALIGNMENT != 0)
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT,
                            "model '%s': %s %d (0x%llx) is not %d-byte aligned, as its kernels' 16-byte "
                            "loads need (cudaMalloc returns 256-byte aligned memory)",
                            model, kind, (int)i, (unsigned long long)ptr, STRATA_GPU_BUFFER_ALIGNMENT);
  err = cuda_api.cuMemGetAddressRange_v2(&base, &size, ptr);
  if (err != CUDA_SUCCESS)
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT,
                            "model '%s': %s %d (0x%llx) is not device memory of the model's device (its primary "
                            "context): cuMemGetAddressRange failed", model, kind, (int)i, (unsigned long long)ptr);
  if ((int64_t)(base + size - ptr) < bytes)
    return strata_set_error(STRATA_ERROR_SHAPE,
                            "model '%s': %s %d (0x%llx) has %lld bytes of its allocation left; the tensor needs %lld",
                            model, kind, (int)i, (unsigned long long)ptr, (long long)(base + size - ptr),
                            (long long)bytes);
  return STRATA_OK;
}

/* The device address behind a strata buffer index: the model's own buffers, or in a run on
 * device buffers the caller's inputs and outputs. */
static CUdeviceptr cuda_run_buffer(const strata_cuda_impl *impl, const strata_gpu_program *p, int32_t buffer,
                                   int device, const void *const *inputs, void *const *outputs) {
  int32_t io = buffer - STRATA_GPU_FIRST_INPUT;
  if (!device || io < 0) return impl->buffers[buffer];
  return (CUdeviceptr)(uintptr_t)(io < p->num_inputs ? inputs[io] : outputs[io - p->num_inputs]);
}

/* One run; the model's lock is held and its context is current. Host buffers: inputs copied in,
 * outputs copied out. Device buffers (device != 0): the caller's device pointers are the
 * kernels' arguments. */
static int32_t cuda_run_locked(strata_cuda_impl *impl, const strata_gpu_program *p, const char *model,
                               int device, const void *const *inputs, void *const *outputs) {
  CUresult err;
  int32_t status;
  if (device) {
    for (int32_t i = 0; i < p->num_inputs; ++i)
      if ((status = cuda_check_device_buffer(model, "input", i, (CUdeviceptr)(uintptr_t)inputs[i],
                                             p->input_bytes[i])))
        return status;
    for (int32_t i = 0; i < p->num_outputs; ++i)
      if ((status = cuda_check_device_buffer(model, "output", i, (CUdeviceptr)(uintptr_t)outputs[i],
                                             p->output_bytes[i])))
        return status;
  }
  for (int32_t i = 0; !device && i < p->num_inputs; ++i) {
    if (p->input_bytes[i] == 0) continue;
    /* Synchronous for pageable memory, so the caller may reuse its buffer as soon as we return. */
    err = cuda_api.cuMemcpyHtoD_v2(impl->buffers[STRATA_GPU_FIRST_INPUT + i], inputs[i],
                                   (size_t)p->input_bytes[i]);
    if (err != CUDA_SUCCESS) return cuda_fail(model, err, "cuMemcpyHtoD(input %d)", (int)i);
  }
  for (int32_t l = 0; l < p->num_launches; ++l) {
    const strata_gpu_launch *launch = &p->launches[l];
    for (int32_t a = 0; a < launch->num_args; ++a)
      impl->arg_values[a] = cuda_run_buffer(impl, p, launch->args[a].buffer, device, inputs, outputs) +
                            (CUdeviceptr)launch->args[a].offset;
    unsigned int grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
    for (int32_t d = 0; d < launch->dims; ++d) {
      grid[d] = (unsigned int)(launch->global[d] / launch->local[d]);
      block[d] = (unsigned int)launch->local[d];
    }
    /* The legacy default stream: launches run in order, after the copies before them (and, in a
     * device run, after the caller's work on blocking streams). */
    err = cuda_api.cuLaunchKernel(impl->functions[launch->kernel], grid[0], grid[1], grid[2], block[0], block[1],
                                  block[2], 0, NULL, launch->num_args > 0 ? impl->arg_pointers : NULL, NULL);
    if (err != CUDA_SUCCESS)
      return cuda_fail(model, err, "cuLaunchKernel(kernel '%s', launch %d)", p->kernel_names[launch->kernel],
                       (int)l);
  }
  /* Surfaces errors of the kernels themselves (a launch only reports bad configurations), and in a
   * device run makes the outputs complete before we return. */
  if ((err = cuda_api.cuCtxSynchronize()) != CUDA_SUCCESS) return cuda_fail(model, err, "cuCtxSynchronize");
  for (int32_t i = 0; !device && i < p->num_outputs; ++i) {
    if (p->output_bytes[i] == 0) continue;
    err = cuda_api.cuMemcpyDtoH_v2(outputs[i], impl->buffers[STRATA_GPU_FIRST_INPUT + p->num_inputs + i],
                                   (size_t)p->output_bytes[i]);
    if (err != CUDA_SUCCESS) return cuda_fail(model, err, "cuMemcpyDtoH(output %d)", (int)i);
  }
  return STRATA_OK;
}

static pthread_mutex_t cuda_setup_lock = PTHREAD_MUTEX_INITIALIZER;

/* The checked program's state (and with_buffers, the checked buffer arrays), set up on first use,
 * with its lock held (the caller unlocks). Checks come before the driver is loaded. */
static int32_t cuda_lock_model(strata_gpu_state *state, const strata_gpu_program *program, const char *api,
                               int with_buffers, const void *const *inputs, void *const *outputs,
                               strata_cuda_impl **out) {
  /* UINT32_MAX: cuLaunchKernel's grid and block sizes are unsigned ints. */
  int32_t status = strata_rt_gpu_check_program(state, program, api, UINT32_MAX);
  if (status == STRATA_OK && with_buffers) status = strata_rt_gpu_check_buffers(program, inputs, outputs);
  if (status != STRATA_OK) return status;
  const char *model = strata_rt_gpu_model_name(program);
  pthread_once(&cuda_loader_once, cuda_load_driver);
  if (cuda_loader_error[0])
    return strata_set_error(STRATA_ERROR_UNSUPPORTED, "model '%s': %s", model, cuda_loader_error);
  strata_rt_gpu_impl *base;
  status = strata_rt_gpu_lock_impl(state, &cuda_setup_lock, program, model, cuda_impl_create, &base);
  if (status == STRATA_OK) *out = (strata_cuda_impl *)base;
  return status;
}

/* A run with the primary context current on this thread (and the thread's own restored after). */
static int32_t cuda_run(strata_gpu_state *state, const strata_gpu_program *program, const char *api,
                        int device, const void *const *inputs, void *const *outputs) {
  strata_cuda_impl *impl;
  int32_t status = cuda_lock_model(state, program, api, 1, inputs, outputs, &impl);
  if (status != STRATA_OK) return status;
  const char *model = strata_rt_gpu_model_name(program);
  CUresult err;
  if ((err = cuda_api.cuCtxPushCurrent_v2(impl->context)) != CUDA_SUCCESS) {
    status = cuda_fail(model, err, "cuCtxPushCurrent");
  } else {
    CUcontext popped;
    status = cuda_run_locked(impl, program, model, device, inputs, outputs);
    cuda_api.cuCtxPopCurrent_v2(&popped);
  }
  pthread_mutex_unlock(&impl->base.lock);
  return status;
}

STRATA_RT_WEAK int32_t strata_cuda_run(strata_gpu_state *state, const strata_gpu_program *program,
                                       const void *const *inputs, void *const *outputs) {
  return cuda_run(state, program, "strata_cuda_run", 0, inputs, outputs);
}

STRATA_RT_WEAK int32_t strata_cuda_run_device(strata_gpu_state *state, const strata_gpu_program *program,
                                              void *const *inputs, void *const *outputs) {
  return cuda_run(state, program, "strata_cuda_run_device", 1, (const void *const *)inputs, outputs);
}

STRATA_RT_WEAK int32_t strata_cuda_context(strata_gpu_state *state, const strata_gpu_program *program,
                                           void **context) {
  if (!context)
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "strata_cuda_context: context is NULL");
  *context = NULL;
  strata_cuda_impl *impl;
  int32_t status = cuda_lock_model(state, program, "strata_cuda_context", 0, NULL, NULL, &impl);
  if (status == STRATA_OK) {
    *context = impl->context;
    pthread_mutex_unlock(&impl->base.lock);
  }
  return status;
}

STRATA_RT_WEAK void strata_cuda_release(strata_gpu_state *state) {
  strata_rt_gpu_impl *impl = strata_rt_gpu_take_impl(state, &cuda_setup_lock);
  if (impl) cuda_impl_destroy((strata_cuda_impl *)impl);
}
