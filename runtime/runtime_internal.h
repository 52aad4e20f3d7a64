/* Private helpers shared by the runtime's .c files. Not installed, not used by kernels. */
#ifndef STRATA_RUNTIME_INTERNAL_H
#define STRATA_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "strata_runtime.h"

/* Every exported runtime definition is weak: each AOT archive carries a copy of the
 * runtime, and weak definitions let any number of identical copies coexist in one link
 * (the linker keeps the first one) instead of failing with "multiple definition". */
#define STRATA_RT_WEAK __attribute__((weak))

/* ---- GPU models (gpu_program.c): what strata_cl_run and strata_cuda_run share --------------- */

/* The model's name for messages: the program's name, or "(unnamed)". */
const char *strata_rt_gpu_model_name(const strata_gpu_program *p);

/* How many device buffers the program has: workspace, constants, inputs, outputs. */
int32_t strata_rt_gpu_num_buffers(const strata_gpu_program *p);

/* The size the program declares for a device buffer index (see STRATA_GPU_WORKSPACE). */
int64_t strata_rt_gpu_buffer_bytes(const strata_gpu_program *p, int32_t buffer);

/* Checks a run's state and program, and the program against itself, before the driver is
 * touched, so a bad program is reported the same way on machines with and without one.
 * STRATA_ERROR_INVALID_ARGUMENT with a message naming the model (or, where state or p is NULL,
 * api_name_for_messages, e.g. "strata_cl_run"). max_launch_size: the largest work-group size and
 * work-group count per dimension the API can launch (CUDA: UINT32_MAX; INT64_MAX for no limit). */
int32_t strata_rt_gpu_check_program(const strata_gpu_state *state, const strata_gpu_program *p,
                                    const char *api_name_for_messages, int64_t max_launch_size);

/* Checks that a run has an input and an output array with no NULL entry (host pointers, or
 * device buffer handles); p has passed strata_rt_gpu_check_program. */
int32_t strata_rt_gpu_check_buffers(const strata_gpu_program *p, const void *const *inputs, void *const *outputs);

/* The start of each backend's per-model state (strata_gpu_state.impl): a backend's struct has
 * this as its first member, so a pointer to one is a pointer to the other. */
typedef struct strata_rt_gpu_impl {
  pthread_mutex_t lock;            /* held for a whole run */
  const strata_gpu_program *owner; /* the program this state was set up for */
} strata_rt_gpu_impl;

/* The last step of a backend's setup: creates impl's lock and binds impl to program p. */
int32_t strata_rt_gpu_impl_init(strata_rt_gpu_impl *impl, const strata_gpu_program *p, const char *model);

/* A backend's setup: on success, *out is a complete state (strata_rt_gpu_impl_init done); on
 * failure it releases what it made, reports the error and leaves *out alone. */
typedef int32_t (*strata_rt_gpu_create_fn)(const strata_gpu_program *p, const char *model,
                                           strata_rt_gpu_impl **out);

/* The model's state with its lock held, in *out: the caller runs, then unlocks (*out)->lock. The
 * first run sets the state up with create(), under *setup_lock; a failed setup is not kept, so
 * the next run retries it. A state set up for another program is an invalid argument. */
int32_t strata_rt_gpu_lock_impl(strata_gpu_state *state, pthread_mutex_t *setup_lock,
                                const strata_gpu_program *p, const char *model,
                                strata_rt_gpu_create_fn create, strata_rt_gpu_impl **out);

/* Takes a model's state away (NULL again, so a later run sets it up anew) once no run of it is in
 * progress, and returns it for the backend to destroy; NULL when there was none. */
strata_rt_gpu_impl *strata_rt_gpu_take_impl(strata_gpu_state *state, pthread_mutex_t *setup_lock);

#endif /* STRATA_RUNTIME_INTERNAL_H */
