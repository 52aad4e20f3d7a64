/* Per-kernel timing for models compiled with profiling on, and the FMA peak the profile
 * compares against (see strata_runtime.h). */
#define _POSIX_C_SOURCE 200809L
#include "runtime_internal.h"
#include "strata_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

STRATA_RT_WEAK uint64_t strata_profile_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

STRATA_RT_WEAK void strata_profile_add(uint64_t *slot, uint64_t start) {
  uint64_t elapsed = strata_profile_now() - start;
  __atomic_fetch_add(&slot[0], elapsed, __ATOMIC_RELAXED);
  __atomic_fetch_add(&slot[1], 1, __ATOMIC_RELAXED);
}

STRATA_RT_WEAK void strata_profile_reset(uint64_t *slots, int32_t num_kernels) {
  for (int32_t i = 0; i < 2 * num_kernels; ++i)
    __atomic_store_n(&slots[i], 0, __ATOMIC_RELAXED);
}

/* ---- FMA peak -------------------------------------------------------------------------------
 * Enough independent accumulators to cover the FMA latency on every port (latency 4-5 x 2
 * ports); each kernel returns the FLOPs it did. The accumulators feed the result so the loop
 * is not optimized away. */

#define PEAK_ITERS 4096

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static double peak_avx512(float *sink) {
  __m512 acc[16], m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps((float)i);
  for (int it = 0; it < PEAK_ITERS; ++it)
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
  for (int i = 1; i < 16; ++i) acc[0] = _mm512_add_ps(acc[0], acc[i]);
  *sink += _mm512_reduce_add_ps(acc[0]);
  return 2.0 * 16 * 16 * PEAK_ITERS;
}

__attribute__((target("avx2,fma"))) static double peak_avx2(float *sink) {
  __m256 acc[12], m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps((float)i);
  for (int it = 0; it < PEAK_ITERS; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, c);
  for (int i = 1; i < 12; ++i) acc[0] = _mm256_add_ps(acc[0], acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, acc[0]);
  for (int i = 0; i < 8; ++i) *sink += lanes[i];
  return 2.0 * 12 * 8 * PEAK_ITERS;
}
#elif defined(__aarch64__)
static double peak_neon(float *sink) {
  float32x4_t acc[16], m = vdupq_n_f32(0.999999f), c = vdupq_n_f32(1e-7f);
  for (int i = 0; i < 16; ++i) acc[i] = vdupq_n_f32((float)i);
  for (int it = 0; it < PEAK_ITERS; ++it)
    for (int i = 0; i < 16; ++i) acc[i] = vfmaq_f32(c, acc[i], m);
  for (int i = 1; i < 16; ++i) acc[0] = vaddq_f32(acc[0], acc[i]);
  *sink += vaddvq_f32(acc[0]);
  return 2.0 * 16 * 4 * PEAK_ITERS;
}
#endif

static double peak_scalar(float *sink) {
  float acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = (float)i;
  for (int it = 0; it < PEAK_ITERS; ++it)
    for (int i = 0; i < 8; ++i) acc[i] = acc[i] * 0.999999f + 1e-7f;
  for (int i = 0; i < 8; ++i) *sink += acc[i];
  return 2.0 * 8 * PEAK_ITERS;
}

STRATA_RT_WEAK double strata_measure_peak_gflops(void) {
  double (*kernel)(float *) = peak_scalar;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    kernel = peak_avx512;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    kernel = peak_avx2;
#elif defined(__aarch64__)
  kernel = peak_neon;
#endif
  volatile float sink = 0;
  float local = 0;
  double best = 0;
  uint64_t deadline = strata_profile_now() + 50000000u; /* 50 ms: the best of many short runs */
  do {
    uint64_t t0 = strata_profile_now();
    double flops = kernel(&local);
    double seconds = (double)(strata_profile_now() - t0) * 1e-9;
    if (seconds > 0 && flops / seconds > best)
      best = flops / seconds;
  } while (strata_profile_now() < deadline);
  sink = local;
  (void)sink;
  return best * 1e-9;
}

/* ---- The table --------------------------------------------------------------------------- */

STRATA_RT_WEAK void strata_profile_print(const char *model, int32_t num_kernels, const char *const *names,
                          const char *const *schedules, const char *const *nodes,
                          const int64_t *flops, const uint64_t *slots, double peak_gflops) {
  if (peak_gflops <= 0)
    peak_gflops = strata_measure_peak_gflops();
  int32_t *order = malloc(sizeof(int32_t) * (num_kernels > 0 ? num_kernels : 1));
  if (!order)
    return;
  double total_ms = 0;
  uint64_t runs = 0;
  for (int32_t i = 0; i < num_kernels; ++i) {
    order[i] = i;
    if (slots[2 * i + 1]) {
      total_ms += (double)slots[2 * i] * 1e-6 / (double)slots[2 * i + 1];
      if (slots[2 * i + 1] > runs)
        runs = slots[2 * i + 1];
    }
  }
  for (int32_t i = 1; i < num_kernels; ++i) /* by time, longest first; stable */
    for (int32_t j = i; j > 0 && slots[2 * order[j]] > slots[2 * order[j - 1]]; --j) {
      int32_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  printf("profile of %s: %d kernels, %llu runs, %.3f ms per run in kernels; peak %.1f GFLOP/s\n",
         model, num_kernels, (unsigned long long)runs, total_ms, peak_gflops);
  printf("%10s %6s %8s %6s  %-20s %-44s %s\n", "ms/call", "share", "GFLOP/s", "%peak", "kernel",
         "schedule", "nodes");
  for (int32_t k = 0; k < num_kernels; ++k) {
    int32_t i = order[k];
    uint64_t calls = slots[2 * i + 1];
    double ms = calls ? (double)slots[2 * i] * 1e-6 / (double)calls : 0;
    double gflops = ms > 0 ? (double)flops[i] / (ms * 1e6) : 0;
    printf("%10.4f %5.1f%% %8.2f %5.1f%%  %-20s %-44s %s\n", ms,
           total_ms > 0 ? 100 * ms / total_ms : 0, gflops,
           peak_gflops > 0 ? 100 * gflops / peak_gflops : 0, names[i], schedules[i],
           nodes[i][0] ? nodes[i] : "-");
  }
  fflush(stdout);
  free(order);
}
