/* Calls mixed_run (the AOT library of mixed_dtypes.onnx) with bad arguments: each call must
 * return a non-zero status whose message names the argument, and touch nothing. */
#include "mixed.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void report(const char *what, int status) {
  printf("%s: status %d: %s\n", what, status, status ? mixed_error_message(status) : "ok");
}

int main(void) {
  int32_t ids[6] = {0};
  uint8_t mask[6] = {0};
  float x[6] = {0};
  int32_t ids_plus[6];
  uint8_t sel[6];
  float y[6];
  const void *inputs[3] = {ids, mask, x};
  void *outputs[3] = {ids_plus, sel, y};
  const void *null_mask[3] = {ids, NULL, x};
  void *null_y[3] = {ids_plus, sel, NULL};

  report("inputs array", mixed_run(NULL, outputs, NULL));
  report("outputs array", mixed_run(inputs, NULL, NULL));
  report("input buffer", mixed_run(null_mask, outputs, NULL));
  report("output buffer", mixed_run(inputs, null_y, NULL));
  size_t bytes = mixed_workspace_size() + 128;
  char *ws = aligned_alloc(64, (bytes + 63) / 64 * 64);
  report("misaligned workspace", mixed_run(inputs, outputs, ws + 8));
  report("aligned workspace", mixed_run(inputs, outputs, ws));
  free(ws);
  report("valid", mixed_run(inputs, outputs, NULL));
  return 0;
}
