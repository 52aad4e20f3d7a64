/* Strata runtime: the small C library that every compiled Strata kernel calls into.
 *
 * It is shipped inside every AOT static library (for the host and for aarch64) and linked
 * into the JIT, so it is plain C11 with no C++ runtime dependency; it needs only libc,
 * -lpthread and -lm.
 *
 * Linking several models into one program: every AOT archive carries its own copy of the
 * runtime. All symbols are prefixed (strata_ / strata_rt_) and every definition is weak
 * (STRATA_RT_WEAK in runtime_internal.h), so copies from several archives never clash, even
 * under --whole-archive; the linker keeps one. Each object file keeps its state (the thread
 * pool, the error slot) next to the functions that use it, so whichever copy of an object
 * the linker keeps, all of its functions see the same state.
 */
#ifndef STRATA_RUNTIME_H
#define STRATA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes and errors --------------------------------------------------------------
 * Every fallible runtime function (and every compiled kernel) returns an int status: 0 is
 * success. A detailed message for the last failure on the calling thread is kept in a
 * thread-local slot, read with strata_last_error(). */
typedef enum strata_status {
  STRATA_OK = 0,
  STRATA_ERROR_INVALID_ARGUMENT = 1,
  STRATA_ERROR_OUT_OF_MEMORY = 2,
  STRATA_ERROR_THREAD = 3,      /* a thread could not be created */
  STRATA_ERROR_SHAPE = 4,       /* a buffer has the wrong shape or size */
  STRATA_ERROR_UNSUPPORTED = 5, /* feature not available (e.g. no CUDA driver) */
  STRATA_ERROR_GPU_DRIVER = 6,  /* a CUDA or OpenCL driver call failed (the message names it) */
  STRATA_ERROR_CUDA = STRATA_ERROR_GPU_DRIVER, /* its former name */
  STRATA_ERROR_INTERNAL = 7,
  STRATA_ERROR_KERNEL = 8,      /* a kernel task reported failure */
} strata_status;

/* A fixed, static description of a status code ("out of memory"). Never NULL. */
const char *strata_status_string(int status);

/* The message of the last error recorded on this thread, or "" if none. The pointer stays
 * valid until the next strata_set_error / strata_clear_error on this thread. */
const char *strata_last_error(void);

/* Records a printf-style message for `status` on this thread and returns `status`, so
 * callers can write `return strata_set_error(STRATA_ERROR_SHAPE, "...", ...);`.
 * Messages longer than 1023 bytes are truncated. */
int strata_set_error(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

void strata_clear_error(void);

/* NAME_run's argument checks: non-NULL input and output arrays and buffers, and a workspace
 * that is NULL or 64-byte aligned. Returns STRATA_OK, or STRATA_ERROR_INVALID_ARGUMENT with a
 * message naming the argument ("m_run: input 1 ('mask') is NULL"). */
int strata_check_run_args(const char *model, const void *const *inputs, int32_t num_inputs,
                          void *const *outputs, int32_t num_outputs, const void *workspace,
                          const char *(*input_name)(int), const char *(*output_name)(int));

/* ---- Aligned allocation -------------------------------------------------------------------
 * All buffers Strata allocates are 64-byte aligned (one cache line, one AVX-512 vector).
 * strata_aligned_alloc(0) returns a valid, unique pointer. Returns NULL (and records
 * STRATA_ERROR_OUT_OF_MEMORY) on failure. */
#define STRATA_ALIGNMENT 64
void *strata_aligned_alloc(size_t size);
void strata_aligned_free(void *ptr);

/* ---- Parallel loops -----------------------------------------------------------------------
 * Runs body(task, closure) for every task in [0, num_tasks) on a persistent pool of threads
 * (created on first use; the calling thread works too) and returns when all have finished.
 *
 * - Returns 0 if every task returned 0. Otherwise returns the status of the failing task
 *   with the lowest index among those that ran; once a task fails, tasks not yet started
 *   are skipped.
 * - A parallel_for issued from inside a task runs its tasks serially on that thread.
 * - Safe to call from several host threads at once: whole jobs are serialized, so the
 *   pool works on one job at a time (the next caller waits).
 * - num_tasks <= 0 is a no-op returning 0. */
typedef int (*strata_task_fn)(int32_t task, void *closure);
int strata_parallel_for(strata_task_fn body, void *closure, int32_t num_tasks);

/* Sets the number of threads parallel loops use, counting the caller (1 = serial).
 * n <= 0 restores the default: $STRATA_NUM_THREADS if set and positive, otherwise the
 * number of online cores. Takes effect at the start of the next parallel loop (so it is
 * safe to call at any time, even from a task). Returns the previous setting. */
int strata_set_num_threads(int n);

/* The number of threads the next parallel loop will use (>= 1). */
int strata_get_num_threads(void);

/* ---- Profiling (models compiled with profiling on) -----------------------------------------
 * Each kernel of such a model owns two counters: nanoseconds spent in it and calls; runs from
 * several threads add to them atomically. */

/* A monotonic clock in nanoseconds. */
uint64_t strata_profile_now(void);

/* Adds the time since `start` (strata_profile_now) and one call to slot[0] and slot[1]. */
void strata_profile_add(uint64_t *slot, uint64_t start);

/* Zeroes the counters of `num_kernels` kernels. */
void strata_profile_reset(uint64_t *slots, int32_t num_kernels);

/* Prints one row per kernel to stdout, sorted by time: time per call, share of the model,
 * GFLOP/s and % of `peak_gflops` (the machine's FMA peak for the threads used; <= 0 measures
 * one core's), the kernel's name, schedule and the model nodes it covers. */
void strata_profile_print(const char *model, int32_t num_kernels, const char *const *names,
                          const char *const *schedules, const char *const *nodes,
                          const int64_t *flops, const uint64_t *slots, double peak_gflops);

/* One core's peak single-precision FMA throughput in GFLOP/s, measured for about 50 ms with
 * the widest vector FMA this CPU has (AVX-512, AVX2+FMA, NEON; else scalar). */
double strata_measure_peak_gflops(void);

/* ---- GPU models (--target opencl, --target cuda-sm80/cuda-sm90) ------------------------------
 * A model compiled for a GPU is a fixed program: the device code of all its kernels (OpenCL C,
 * or PTX) and the list of launches, with every buffer argument placed in one of the model's
 * device buffers. NAME_run calls strata_cl_run or strata_cuda_run with it. The driver library
 * (libOpenCL.so.1, libcuda.so.1) is loaded with dlopen on first use, so nothing links against
 * it; a machine without it, or without a device, gets STRATA_ERROR_UNSUPPORTED and a message
 * saying what is missing. A kernel that fails to build gives STRATA_ERROR_KERNEL with the log.
 *
 * OpenCL device selection: the first GPU of the first platform that has one, else the first
 * device of any type; $STRATA_OPENCL_DEVICE = "P:D" (platform and device index) picks one.
 * CUDA: device 0's primary context; $STRATA_CUDA_DEVICE = N picks another. */

/* Device buffers of a model, by index: */
#define STRATA_GPU_WORKSPACE 0 /* workspace_bytes: intermediate tensors and kernel scratch */
#define STRATA_GPU_CONSTANTS 1 /* the weights, uploaded once */
#define STRATA_GPU_FIRST_INPUT 2 /* inputs 0..num_inputs-1, then outputs 0..num_outputs-1 */
/* Every device buffer starts at a multiple of this many bytes, and every launch argument's offset
 * into one is a multiple of STRATA_ALIGNMENT, so kernels may load 16 bytes at a time: the
 * runtime's own buffers are (cuMemAlloc: 256 bytes; OpenCL: the device's base address
 * alignment), and a caller's device buffers must be (strata_cuda_run_device checks). */
#define STRATA_GPU_BUFFER_ALIGNMENT 16

typedef struct strata_gpu_arg {
  int32_t buffer; /* a device buffer index (above) */
  int32_t reserved;
  int64_t offset; /* bytes from the buffer's start */
} strata_gpu_arg;

/* One kernel launch. OpenCL: kernel parameter 2i is arg i's buffer (__global T *), parameter
 * 2i+1 its byte offset (ulong). CUDA: parameter i is arg i's device address (buffer + offset);
 * global / local are the grid size in threads and the block size. */
typedef struct strata_gpu_launch {
  int32_t kernel;   /* index into strata_gpu_program.kernel_names */
  int32_t num_args;
  const strata_gpu_arg *args;
  int32_t dims;     /* 1..3 */
  int32_t reserved;
  int64_t global[3]; /* global work size per dimension (work-groups x local) */
  int64_t local[3];  /* work-group size per dimension */
} strata_gpu_launch;

typedef struct strata_gpu_program {
  const char *name;   /* the model's name, for messages */
  const char *source; /* every kernel: OpenCL C, or PTX (NUL-terminated text) */
  int32_t num_kernels;
  const char *const *kernel_names;
  int32_t num_launches;
  const strata_gpu_launch *launches; /* in order */
  int64_t workspace_bytes;
  const void *constants;
  int64_t constants_bytes;
  int32_t num_inputs, num_outputs;
  const int64_t *input_bytes;  /* per input */
  const int64_t *output_bytes; /* per output */
} strata_gpu_program;

/* Per-model state: a zero-initialized static object, set up on the first run (device, context,
 * queue, built program, device buffers, uploaded constants) and kept until released. */
typedef struct strata_gpu_state {
  void *impl;
} strata_gpu_state;

/* Copies the inputs (host memory) to the device, runs every launch in order, and copies the
 * outputs back (blocking). Safe to call from several threads: runs of one model serialize. */
int32_t strata_cl_run(strata_gpu_state *state, const strata_gpu_program *program,
                      const void *const *inputs, void *const *outputs);

/* The same for a program of PTX kernels, through the CUDA driver API. */
int32_t strata_cuda_run(strata_gpu_state *state, const strata_gpu_program *program,
                        const void *const *inputs, void *const *outputs);

/* Runs on buffers already on the device, with no copies: inputs[i] and outputs[i] are cl_mem
 * handles created in the model's context (strata_cl_context), or for CUDA device pointers
 * (CUdeviceptr values cast to void *) on the model's device. Each must hold the whole tensor
 * (checked: STRATA_ERROR_SHAPE names the buffer). The caller's writes to the inputs must be
 * complete before the call (OpenCL: a blocking write or clFinish on the caller's queue; CUDA: work
 * on the legacy default stream or a blocking stream is ordered before the model's launches); the
 * outputs are complete when it returns. CUDA device pointers must be STRATA_GPU_BUFFER_ALIGNMENT
 * aligned (cudaMalloc's are; checked: STRATA_ERROR_INVALID_ARGUMENT names the buffer). */
int32_t strata_cl_run_device(strata_gpu_state *state, const strata_gpu_program *program,
                             void *const *inputs, void *const *outputs);
int32_t strata_cuda_run_device(strata_gpu_state *state, const strata_gpu_program *program,
                               void *const *inputs, void *const *outputs);

/* The context the model runs in, setting the model up if needed: a cl_context (OpenCL; create
 * the device buffers of strata_cl_run_device in it), or the device's primary CUcontext (CUDA; the
 * one the CUDA runtime API uses, so cudaMalloc'ed memory on that device works). Owned by the
 * model: valid until it is released. */
int32_t strata_cl_context(strata_gpu_state *state, const strata_gpu_program *program, void **context);
int32_t strata_cuda_context(strata_gpu_state *state, const strata_gpu_program *program, void **context);

/* Frees a model's device resources (context or module, buffers, kernels), waiting for a run in
 * progress; the state is as new, and the next run sets it up again. A NULL or never-used state
 * is fine. (NAME_release of a GPU model calls it.) */
void strata_cl_release(strata_gpu_state *state);
void strata_cuda_release(strata_gpu_state *state);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STRATA_RUNTIME_H */
