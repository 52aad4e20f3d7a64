/* Runs a model compiled with --profile five times on zeros and prints its profile. */
#include "wake.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  void *in[8], *out[8];
  for (int i = 0; i < wake_num_inputs(); ++i) in[i] = calloc(1 << 20, 1);
  for (int i = 0; i < wake_num_outputs(); ++i) out[i] = calloc(1 << 20, 1);
  wake_run((const void *const *)in, out, NULL); /* warm-up, not counted */
  wake_profile_reset();
  for (int r = 0; r < 5; ++r)
    if (wake_run((const void *const *)in, out, NULL) != 0) return 1;
  wake_profile_print(100.0);
  const uint64_t *c = wake_profile_counters();
  int n = wake_num_kernels(), same = 1;
  for (int k = 0; k < n; ++k) same &= c[2 * k + 1] == 5;
  printf("counters: %d kernels, %s\n", n, same ? "5 calls each" : "WRONG call counts");
  return 0;
}
