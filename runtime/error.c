/* Status strings and the thread-local "last error" message. */
#include <stdarg.h>
#include <stdio.h>

#include "runtime_internal.h"

/* One message slot per thread, so concurrent callers never see each other's errors. The
 * slot is internal to this object file; see strata_runtime.h for why that is enough. */
static _Thread_local char strata_rt_last_error[1024];

STRATA_RT_WEAK const char *strata_status_string(int status) {
  switch (status) {
  case STRATA_OK: return "ok";
  case STRATA_ERROR_INVALID_ARGUMENT: return "invalid argument";
  case STRATA_ERROR_OUT_OF_MEMORY: return "out of memory";
  case STRATA_ERROR_THREAD: return "thread creation failed";
  case STRATA_ERROR_SHAPE: return "shape mismatch";
  case STRATA_ERROR_UNSUPPORTED: return "unsupported";
  case STRATA_ERROR_GPU_DRIVER: return "GPU driver error";
  case STRATA_ERROR_INTERNAL: return "internal error";
  case STRATA_ERROR_KERNEL: return "kernel failed";
  default: return "unknown status";
  }
}

STRATA_RT_WEAK const char *strata_last_error(void) { return strata_rt_last_error; }

STRATA_RT_WEAK int strata_set_error(int status, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(strata_rt_last_error, sizeof strata_rt_last_error, fmt, args);
  va_end(args);
  return status;
}

STRATA_RT_WEAK void strata_clear_error(void) { strata_rt_last_error[0] = '\0'; }
