/* The checks every NAME_run makes before a kernel touches its arguments. */
#include <stdint.h>

#include "runtime_internal.h"

STRATA_RT_WEAK int strata_check_run_args(const char *model, const void *const *inputs, int32_t num_inputs,
                                         void *const *outputs, int32_t num_outputs, const void *workspace,
                                         const char *(*input_name)(int), const char *(*output_name)(int)) {
  if (num_inputs > 0 && !inputs)
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "%s_run: inputs is NULL (the model has %d inputs)",
                            model, (int)num_inputs);
  if (num_outputs > 0 && !outputs)
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "%s_run: outputs is NULL (the model has %d outputs)",
                            model, (int)num_outputs);
  for (int i = 0; i < num_inputs; ++i)
    if (!inputs[i])
      return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "%s_run: input %d ('%s') is NULL", model, i,
                              input_name(i));
  for (int i = 0; i < num_outputs; ++i)
    if (!outputs[i])
      return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "%s_run: output %d ('%s') is NULL", model, i,
                              output_name(i));
  if ((uintptr_t)workspace % 64 != 0)
    return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT,
                            "%s_run: workspace %p is not 64-byte aligned (pass NULL to let the run allocate)",
                            model, workspace);
  return STRATA_OK;
}
