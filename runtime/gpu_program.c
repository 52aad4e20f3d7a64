/* What strata_cl_run (opencl.c) and strata_cuda_run (cuda.c) share: a strata_gpu_program's
 * buffers and checks, and the per-model state's one-time setup and run lock (see
 * strata_runtime.h, "GPU models"). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>

#include "runtime_internal.h"

STRATA_RT_WEAK const char *strata_rt_gpu_model_name(const strata_gpu_program *p) {
  return p->name ? p->name : "(unnamed)";
}

STRATA_RT_WEAK int32_t strata_rt_gpu_num_buffers(const strata_gpu_program *p) {
  return STRATA_GPU_FIRST_INPUT + p->num_inputs + p->num_outputs;
}

STRATA_RT_WEAK int64_t strata_rt_gpu_buffer_bytes(const strata_gpu_program *p, int32_t buffer) {
  if (buffer == STRATA_GPU_WORKSPACE) return p->workspace_bytes;
  if (buffer == STRATA_GPU_CONSTANTS) return p->constants_bytes;
  buffer -= STRATA_GPU_FIRST_INPUT;
  return buffer < p->num_inputs ? p->input_bytes[buffer] : p->output_bytes[buffer - p->num_inputs];
}

STRATA_RT_WEAK int32_t strata_rt_gpu_check_program(const strata_gpu_state *state, const strata_gpu_program *p,
                                                   const char *api_name_for_messages, int64_t max_launch_size) {
#define BAD(...) strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, __VA_ARGS__)
  if (!state || !p) return BAD("%s: %s is NULL", api_name_for_messages, state ? "program" : "state");
  const char *model = strata_rt_gpu_model_name(p);
  if (!p->source || p->num_kernels < 0 || (p->num_kernels > 0 && !p->kernel_names) || p->num_launches < 0 ||
      (p->num_launches > 0 && !p->launches))
    return BAD("model '%s': the program has no source, kernel names or launches", model);
  if (p->workspace_bytes < 0 || p->constants_bytes < 0 || (p->constants_bytes > 0 && !p->constants))
    return BAD("model '%s': bad workspace or constants (%lld and %lld bytes)", model,
               (long long)p->workspace_bytes, (long long)p->constants_bytes);
  if (p->num_inputs < 0 || p->num_outputs < 0 || (p->num_inputs > 0 && !p->input_bytes) ||
      (p->num_outputs > 0 && !p->output_bytes))
    return BAD("model '%s': bad input or output counts or sizes", model);
  for (int32_t k = 0; k < p->num_kernels; ++k)
    if (!p->kernel_names[k]) return BAD("model '%s': kernel name %d is NULL", model, (int)k);
  for (int32_t i = 0; i < p->num_inputs; ++i)
    if (p->input_bytes[i] < 0) return BAD("model '%s': input %d has a negative size", model, (int)i);
  for (int32_t i = 0; i < p->num_outputs; ++i)
    if (p->output_bytes[i] < 0) return BAD("model '%s': output %d has a negative size", model, (int)i);

  const int32_t num_buffers = strata_rt_gpu_num_buffers(p);
  for (int32_t l = 0; l < p->num_launches; ++l) {
    const strata_gpu_launch *launch = &p->launches[l];
    if (launch->kernel < 0 || launch->kernel >= p->num_kernels)
      return BAD("model '%s': launch %d: kernel index %d is out of range (the program has %d kernels)", model,
                 (int)l, (int)launch->kernel, (int)p->num_kernels);
    if (launch->dims < 1 || launch->dims > 3)
      return BAD("model '%s': launch %d: dims is %d, not 1..3", model, (int)l, (int)launch->dims);
    for (int32_t d = 0; d < launch->dims; ++d) {
      if (launch->global[d] <= 0 || launch->local[d] <= 0 || launch->global[d] % launch->local[d] != 0)
        return BAD("model '%s': launch %d: global size %lld in dimension %d is not a positive multiple of "
                   "the local size %lld", model, (int)l, (long long)launch->global[d], (int)d,
                   (long long)launch->local[d]);
      /* Only CUDA has a limit here (INT64_MAX never trips): cuLaunchKernel takes unsigned ints, and
       * the driver checks its own, smaller limits. */
      if (launch->local[d] > max_launch_size || launch->global[d] / launch->local[d] > max_launch_size)
        return BAD("model '%s': launch %d: grid or block size in dimension %d is too large", model, (int)l,
                   (int)d);
    }
    if (launch->num_args < 0 || (launch->num_args > 0 && !launch->args))
      return BAD("model '%s': launch %d: bad argument list (%d arguments)", model, (int)l,
                 (int)launch->num_args);
    for (int32_t a = 0; a < launch->num_args; ++a) {
      const strata_gpu_arg *arg = &launch->args[a];
      if (arg->buffer < 0 || arg->buffer >= num_buffers)
        return BAD("model '%s': launch %d: argument %d: buffer index %d is out of range (the model has %d "
                   "buffers)", model, (int)l, (int)a, (int)arg->buffer, (int)num_buffers);
      if (arg->offset < 0 || arg->offset > strata_rt_gpu_buffer_bytes(p, arg->buffer))
        return BAD("model '%s': launch %d: argument %d: offset %lld is outside buffer %d (%lld bytes)", model,
                   (int)l, (int)a, (long long)arg->offset, (int)arg->buffer,
                   (long long)strata_rt_gpu_buffer_bytes(p, arg->buffer));
    }
  }
  return STRATA_OK;
#undef BAD
}

STRATA_RT_WEAK int32_t strata_rt_gpu_check_buffers(const strata_gpu_program *p, const void *const *inputs,
                                                   void *const *outputs) {
  const char *model = strata_rt_gpu_model_name(p);
  if ((p->num_inputs > 0 && !inputs) || (p->num_outputs > 0 && !outputs))
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "model '%s': %s is NULL", model,
                            p->num_inputs > 0 && !inputs ? "inputs" : "outputs");
  for (int32_t i = 0; i < p->num_inputs; ++i)
    if (!inputs[i]) return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "model '%s': input %d is NULL", model, (int)i);
  for (int32_t i = 0; i < p->num_outputs; ++i)
    if (!outputs[i])
      return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "model '%s': output %d is NULL", model, (int)i);
  return STRATA_OK;
}

STRATA_RT_WEAK int32_t strata_rt_gpu_impl_init(strata_rt_gpu_impl *impl, const strata_gpu_program *p,
                                               const char *model) {
  if (pthread_mutex_init(&impl->lock, NULL) != 0)
    return strata_set_error(STRATA_ERROR_THREAD, "model '%s': cannot create a mutex", model);
  impl->owner = p;
  return STRATA_OK;
}

STRATA_RT_WEAK int32_t strata_rt_gpu_lock_impl(strata_gpu_state *state, pthread_mutex_t *setup_lock,
                                               const strata_gpu_program *p, const char *model,
                                               strata_rt_gpu_create_fn create, strata_rt_gpu_impl **out) {
  /* Double-checked: once set up, runs of different models never contend for the setup lock. The
   * acquire load pairs with the release store, so a thread that sees impl sees it complete. */
  int32_t status = STRATA_OK;
  strata_rt_gpu_impl *impl = __atomic_load_n(&state->impl, __ATOMIC_ACQUIRE);
  if (!impl) {
    pthread_mutex_lock(setup_lock);
    impl = __atomic_load_n(&state->impl, __ATOMIC_ACQUIRE);
    if (!impl) {
      status = create(p, model, &impl);
      if (status == STRATA_OK) __atomic_store_n(&state->impl, (void *)impl, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(setup_lock);
    if (status != STRATA_OK) return status;
  }

  /* The kernels and buffers were made for one program; another would index past them. */
  if (impl->owner != p)
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT,
                            "model '%s': this strata_gpu_state was set up for another program", model);
  pthread_mutex_lock(&impl->lock);
  *out = impl;
  return STRATA_OK;
}

STRATA_RT_WEAK strata_rt_gpu_impl *strata_rt_gpu_take_impl(strata_gpu_state *state,
                                                           pthread_mutex_t *setup_lock) {
  if (!state) return NULL;
  pthread_mutex_lock(setup_lock);
  strata_rt_gpu_impl *impl = __atomic_exchange_n((strata_rt_gpu_impl **)&state->impl, NULL, __ATOMIC_ACQ_REL);
  pthread_mutex_unlock(setup_lock);
  if (impl) { /* a run that holds the lock finishes first */
    pthread_mutex_lock(&impl->lock);
    pthread_mutex_unlock(&impl->lock);
    pthread_mutex_destroy(&impl->lock);
  }
  return impl;
}
