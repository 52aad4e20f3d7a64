/* 64-byte aligned allocation for buffers and kernel scratch space. */
#define _POSIX_C_SOURCE 200112L
#include <stdlib.h>

#include "runtime_internal.h"

STRATA_RT_WEAK void *strata_aligned_alloc(size_t size) {
  /* Round up to whole cache lines: kernels may load full vectors at the tail of a buffer,
   * and a zero-size request must still give a unique, freeable pointer. */
  size_t rounded = (size + STRATA_ALIGNMENT - 1) & ~(size_t)(STRATA_ALIGNMENT - 1);
  if (rounded < size) { /* overflow */
    strata_set_error(STRATA_ERROR_OUT_OF_MEMORY, "allocation of %zu bytes is too large", size);
    return NULL;
  }
  if (rounded == 0) rounded = STRATA_ALIGNMENT;
  void *ptr = NULL;
  if (posix_memalign(&ptr, STRATA_ALIGNMENT, rounded) != 0) {
    strata_set_error(STRATA_ERROR_OUT_OF_MEMORY, "out of memory allocating %zu bytes", size);
    return NULL;
  }
  return ptr;
}

STRATA_RT_WEAK void strata_aligned_free(void *ptr) { free(ptr); }
