/* Private helpers shared by the runtime's .c files. Not installed, not used by kernels. */
#ifndef STRATA_RUNTIME_INTERNAL_H
#define STRATA_RUNTIME_INTERNAL_H

#include "strata_runtime.h"

/* Every exported runtime definition is weak: each AOT archive carries a copy of the
 * runtime, and weak definitions let any number of identical copies coexist in one link
 * (the linker keeps the first one) instead of failing with "multiple definition". */
#define STRATA_RT_WEAK __attribute__((weak))

#endif /* STRATA_RUNTIME_INTERNAL_H */
