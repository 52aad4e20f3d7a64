/* The runtime, prebuilt as static libraries and embedded into the compiler, so that AOT
 * compilation can put a copy of it into every model archive (see compiler/aot/Archive.h)
 * without depending on files of the build tree at run time.
 *
 * Each is the bytes of a GNU `ar` archive of the runtime's object files (-O2 -fPIC). A
 * size of 0 means that flavour was not built (e.g. no aarch64 cross compiler was found). */
#ifndef STRATA_RUNTIME_EMBEDDED_ARCHIVES_H
#define STRATA_RUNTIME_EMBEDDED_ARCHIVES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

extern const unsigned char strata_runtime_archive_host_data[];
extern const size_t strata_runtime_archive_host_size;
extern const unsigned char strata_runtime_archive_aarch64_data[];
extern const size_t strata_runtime_archive_aarch64_size;

#ifdef __cplusplus
}
#endif

#endif
