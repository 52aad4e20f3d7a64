/* Drives the AOT library of mixed_dtypes.onnx with int32, bool and float32 buffers. */
#include "mixed.h"

#include <stdint.h>
#include <stdio.h>

int main(void) {
  int32_t ids[6] = {0, 1, 2, 3, 4, 5};
  uint8_t mask[6] = {1, 0, 1, 1, 1, 0};
  float x[6] = {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f};
  int32_t ids_plus[6];
  uint8_t sel[6];
  float y[6];
  const void *inputs[3] = {ids, mask, x};
  void *outputs[3] = {ids_plus, sel, y};
  for (int i = 0; i < mixed_num_inputs(); ++i)
    printf("input %s dtype %d\n", mixed_input_name(i), mixed_input_dtype(i));
  for (int i = 0; i < mixed_num_outputs(); ++i)
    printf("output %s dtype %d\n", mixed_output_name(i), mixed_output_dtype(i));
  int status = mixed_run(inputs, outputs, NULL);
  if (status != 0) {
    printf("error: %s\n", mixed_error_message(status));
    return 1;
  }
  for (int i = 0; i < 6; ++i)
    printf("%d %d %g\n", ids_plus[i], sel[i], y[i]);
  return 0;
}
