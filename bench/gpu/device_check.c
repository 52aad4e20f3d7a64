/* device_check: what bench/gpu/prepare.sh built, run on the machine with the GPU. It needs no
 * LLVM and no Strata build there: every model is a shared library with its PTX inside (linked from
 * an AOT archive), and the CUDA driver and cuBLAS are loaded with dlopen.
 *
 *   device_check e2e MANIFEST      every exported e2e case: run, compared with the reference
 *                                  interpreter's outputs (the tolerances of the test)
 *   device_check sgemm MANIFEST    Strata's sgemm on device buffers vs cuBLAS (FP32, no tensor
 *                                  cores), as GFLOP/s, ratio and % of the FMA peak measured here
 *   device_check models MANIFEST   model latency on the GPU vs the same model on this CPU, the
 *                                  outputs compared with each other and with ONNX Runtime's
 *
 * Manifests are tab-separated (prepare.sh writes them; paths relative to the manifest's folder):
 *   e2e:    NAME LIB ATOL RTOL NIN IN... NOUT OUT...
 *   sgemm:  NAME LIB N
 *   models: NAME GPU_LIB CPU_LIB INPUT EXPECTED ATOL
 * Exit status: 0 when every case passed, 1 otherwise. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- A model in a shared library (the AOT header's functions, looked up by prefix) ---------- */
typedef struct model {
  void *lib;
  char name[256];
  int (*num_inputs)(void), (*num_outputs)(void), (*input_rank)(int), (*output_rank)(int);
  int (*input_dtype)(int), (*output_dtype)(int);
  const int64_t *(*input_shape)(int), *(*output_shape)(int);
  int (*run)(const void *const *, void *const *, void *);
  int (*run_device)(void *const *, void *const *);
  int (*device_context)(void **);
  const char *(*error_message)(int);
  void (*release)(void);
} model;

static void *sym(model *m, const char *suffix, int required) {
  char full[320];
  snprintf(full, sizeof full, "%s_%s", m->name, suffix);
  void *p = dlsym(m->lib, full);
  if (!p && required) fprintf(stderr, "%s: no symbol %s\n", m->name, full);
  return p;
}

/* Loads DIR/LIB and its NAME_* functions; 0 on failure (with a message). */
static int model_open(model *m, const char *dir, const char *name, const char *lib) {
  char path[1024];
  memset(m, 0, sizeof *m);
  snprintf(m->name, sizeof m->name, "%s", name);
  snprintf(path, sizeof path, "%s/%s", dir, lib);
  if (!(m->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
    fprintf(stderr, "%s: %s\n", name, dlerror());
    return 0;
  }
#define LOAD(field, suffix, required) *(void **)&m->field = sym(m, suffix, required)
  LOAD(num_inputs, "num_inputs", 1); LOAD(num_outputs, "num_outputs", 1);
  LOAD(input_rank, "input_rank", 1); LOAD(output_rank, "output_rank", 1);
  LOAD(input_dtype, "input_dtype", 1); LOAD(output_dtype, "output_dtype", 1);
  LOAD(input_shape, "input_shape", 1); LOAD(output_shape, "output_shape", 1);
  LOAD(run, "run", 1); LOAD(error_message, "error_message", 1);
  LOAD(run_device, "run_device", 0); LOAD(device_context, "device_context", 0); LOAD(release, "release", 0);
#undef LOAD
  return m->num_inputs && m->num_outputs && m->input_rank && m->output_rank && m->input_dtype &&
         m->output_dtype && m->input_shape && m->output_shape && m->run && m->error_message;
}

static void model_close(model *m) {
  if (m->release) m->release();
  if (m->lib) dlclose(m->lib);
  m->lib = NULL;
}

static size_t dtype_bytes(int dtype) {
  switch (dtype) {
  case 1: return 8;          /* int64 */
  case 3: case 4: case 5: return 1; /* bool, int8, uint8 */
  case 6: case 7: return 2;  /* int16, uint16 */
  default: return 4;         /* float32, int32, uint32 */
  }
}

static size_t tensor_bytes(const int64_t *shape, int rank, int dtype) {
  size_t n = dtype_bytes(dtype);
  for (int i = 0; i < rank; ++i) n *= (size_t)shape[i];
  return n;
}

static size_t input_bytes(const model *m, int i) { return tensor_bytes(m->input_shape(i), m->input_rank(i), m->input_dtype(i)); }
static size_t output_bytes(const model *m, int i) { return tensor_bytes(m->output_shape(i), m->output_rank(i), m->output_dtype(i)); }

/* The whole file, which must hold exactly `bytes`; NULL (with a message) otherwise. */
static void *read_file(const char *dir, const char *file, size_t bytes) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "rb");
  void *data = malloc(bytes ? bytes : 1);
  size_t got = f && data ? fread(data, 1, bytes, f) : 0;
  int extra = f ? fgetc(f) != EOF : 0;
  if (f) fclose(f);
  if (!f || got != bytes || extra) {
    fprintf(stderr, "%s: not %zu bytes (or unreadable)\n", path, bytes);
    free(data);
    return NULL;
  }
  return data;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Compares float32 with |a - b| <= atol + rtol |b| (NaN matches NaN, an infinity only itself), other
 * types bit for bit.
 * Returns the number of mismatches; describes the worst float one in `why`. */
static size_t compare(const void *actual, const void *expected, size_t bytes, int dtype, double atol, double rtol,
                      char *why, size_t why_size) {
  size_t bad = 0;
  if (dtype != 0) {
    const unsigned char *a = actual, *e = expected;
    for (size_t i = 0; i < bytes; ++i) bad += a[i] != e[i];
    if (bad) snprintf(why, why_size, "%zu bytes differ", bad);
    return bad;
  }
  const float *a = actual, *e = expected;
  double worst = -1;
  size_t at = 0;
  for (size_t i = 0; i < bytes / 4; ++i) {
    if (isnan(a[i]) && isnan(e[i])) continue;
    if (isinf(a[i]) || isinf(e[i])) { /* an infinity must be the same infinity */
      if (a[i] != e[i]) {
        ++bad;
        worst = INFINITY, at = i;
      }
      continue;
    }
    double err = fabs((double)a[i] - (double)e[i]), limit = atol + rtol * fabs((double)e[i]);
    if (!(err <= limit) && !(a[i] == e[i])) {
      ++bad;
      if (!(err <= worst)) worst = err, at = i;
    }
  }
  if (bad)
    snprintf(why, why_size, "%zu of %zu elements off; worst at %zu: %.9g vs %.9g", bad, bytes / 4, at, a[at], e[at]);
  return bad;
}

/* Splits a manifest line at tabs (in place); returns the field count. */
static int split_tabs(char *line, char **fields, int max) {
  int n = 0;
  line[strcspn(line, "\r\n")] = '\0';
  for (char *p = line; n < max;) {
    fields[n++] = p;
    char *tab = strchr(p, '\t');
    if (!tab) break;
    *tab = '\0';
    p = tab + 1;
  }
  return n;
}

/* The folder of a path ("." for none), in out. */
static void folder_of(const char *path, char *out, size_t size) {
  snprintf(out, size, "%s", path);
  char *slash = strrchr(out, '/');
  if (slash) *slash = '\0';
  else snprintf(out, size, ".");
}

/* A manifest, and its folder in dir (the paths in it are relative to that). */
static FILE *open_manifest(const char *manifest, char *dir, size_t size) {
  folder_of(manifest, dir, size);
  FILE *f = fopen(manifest, "r");
  if (!f) fprintf(stderr, "cannot read %s\n", manifest);
  return f;
}

/* ---- e2e --------------------------------------------------------------------------------------- */
static int run_e2e(const char *manifest) {
  char dir[1024], line[65536];
  FILE *f = open_manifest(manifest, dir, sizeof dir);
  if (!f) return 1;
  int passed = 0, failed = 0;
  double start = now_s();
  while (fgets(line, sizeof line, f)) {
    char *fld[256];
    int n = split_tabs(line, fld, 256);
    if (n < 6) continue;
    const char *name = fld[0];
    double atol = atof(fld[2]), rtol = atof(fld[3]);
    int nin = atoi(fld[4]), nout = n > 5 + nin ? atoi(fld[5 + nin]) : -1;
    model m;
    memset(&m, 0, sizeof m);
    char why[512] = "";
    int ok = nin >= 0 && nout >= 0 && n == 6 + nin + nout && model_open(&m, dir, name, fld[1]);
    if (ok && (m.num_inputs() != nin || m.num_outputs() != nout)) {
      snprintf(why, sizeof why, "the library has %d inputs and %d outputs", m.num_inputs(), m.num_outputs());
      ok = 0;
    }
    void *ins[64] = {0}, *outs[64] = {0}, *want[64] = {0};
    for (int i = 0; ok && i < nin && i < 64; ++i) ok = (ins[i] = read_file(dir, fld[5 + i], input_bytes(&m, i))) != NULL;
    for (int i = 0; ok && i < nout && i < 64; ++i) {
      outs[i] = calloc(output_bytes(&m, i) + 1, 1);
      ok = (want[i] = read_file(dir, fld[6 + nin + i], output_bytes(&m, i))) != NULL;
    }
    if (ok) {
      int status = m.run((const void *const *)ins, outs, NULL);
      if (status != 0) {
        snprintf(why, sizeof why, "run failed: %s", m.error_message(status));
        ok = 0;
      }
    }
    for (int i = 0; ok && i < nout; ++i) {
      char w[400];
      if (compare(outs[i], want[i], output_bytes(&m, i), m.output_dtype(i), atol, rtol, w, sizeof w)) {
        snprintf(why, sizeof why, "output %d: %s", i, w);
        ok = 0;
      }
    }
    if (ok) ++passed;
    else {
      ++failed;
      printf("FAIL %s: %s\n", name, why[0] ? why : "could not load (see above)");
    }
    for (int i = 0; i < 64; ++i) free(ins[i]), free(outs[i]), free(want[i]);
    if (m.lib) model_close(&m);
  }
  fclose(f);
  printf("e2e on the GPU: %d passed, %d failed (%.1f s)\n", passed, failed, now_s() - start);
  return failed || !passed;
}

/* ---- the CUDA driver and cuBLAS, loaded at run time ------------------------------------------- */
typedef int CUresult;
typedef unsigned long long CUdeviceptr;
static struct {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(int *, int);
  CUresult (*cuDeviceGetName)(char *, int, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, int);
  CUresult (*cuDevicePrimaryCtxRetain)(void **, int);
  CUresult (*cuCtxSetCurrent)(void *);
  CUresult (*cuCtxSynchronize)(void);
  CUresult (*cuMemAlloc_v2)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree_v2)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD_v2)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH_v2)(void *, CUdeviceptr, size_t);
  CUresult (*cuModuleLoadData)(void **, const void *);
  CUresult (*cuModuleGetFunction)(void **, void *, const char *);
  CUresult (*cuLaunchKernel)(void *, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void *,
                             void **, void **);
} cu;
static struct {
  int (*create)(void **);
  int (*sgemm)(void *, int, int, int, int, int, const float *, const float *, int, const float *, int,
               const float *, float *, int);
} blas;
static char device_name[256] = "?";
static int num_sms = 0;

static int load_cuda(void) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "cannot load the CUDA driver: %s\n", dlerror());
    return 0;
  }
#define LOAD(name, sym)                                                                            \
  if (!(*(void **)&cu.name = dlsym(lib, sym))) {                                                   \
    fprintf(stderr, "the CUDA driver has no %s\n", sym);                                            \
    return 0;                                                                                      \
  }
  LOAD(cuInit, "cuInit") LOAD(cuDeviceGet, "cuDeviceGet") LOAD(cuDeviceGetName, "cuDeviceGetName")
  LOAD(cuDeviceGetAttribute, "cuDeviceGetAttribute") LOAD(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
  LOAD(cuCtxSetCurrent, "cuCtxSetCurrent") LOAD(cuCtxSynchronize, "cuCtxSynchronize")
  LOAD(cuMemAlloc_v2, "cuMemAlloc_v2") LOAD(cuMemFree_v2, "cuMemFree_v2")
  LOAD(cuMemcpyHtoD_v2, "cuMemcpyHtoD_v2") LOAD(cuMemcpyDtoH_v2, "cuMemcpyDtoH_v2")
  LOAD(cuModuleLoadData, "cuModuleLoadData") LOAD(cuModuleGetFunction, "cuModuleGetFunction")
  LOAD(cuLaunchKernel, "cuLaunchKernel")
#undef LOAD
  int dev = 0;
  void *ctx = NULL;
  if (cu.cuInit(0) || cu.cuDeviceGet(&dev, 0) || cu.cuDevicePrimaryCtxRetain(&ctx, dev) || cu.cuCtxSetCurrent(ctx)) {
    fprintf(stderr, "no CUDA device (cuInit / cuDeviceGet / the primary context failed)\n");
    return 0;
  }
  cu.cuDeviceGetName(device_name, sizeof device_name, dev);
  cu.cuDeviceGetAttribute(&num_sms, 16 /* CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT */, dev);
  return 1;
}

static int load_cublas(void) {
  const char *names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};
  void *lib = NULL;
  for (int i = 0; i < 3 && !lib; ++i) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  if (!lib) return 0;
  *(void **)&blas.create = dlsym(lib, "cublasCreate_v2");
  *(void **)&blas.sgemm = dlsym(lib, "cublasSgemm_v2");
  return blas.create && blas.sgemm;
}

/* One core of FP32 FMA throughput for the whole GPU: 8 independent chains of fma.rn.f32 per
 * thread, enough blocks to fill every SM. */
static const char *kPeakPtx =
    ".version 7.0\n.target sm_80\n.address_size 64\n"
    ".visible .entry fma_peak(.param .u64 out, .param .u32 iters) {\n"
    "  .reg .f32 %a<9>; .reg .f32 %m; .reg .u32 %i; .reg .u32 %n; .reg .u32 %t; .reg .pred %p; .reg .u64 %o;\n"
    "  mov.u32 %t, %tid.x; cvt.rn.f32.u32 %a1, %t; add.f32 %a2, %a1, 0f3F800000; add.f32 %a3, %a1, 0f40000000;\n"
    "  add.f32 %a4, %a1, 0f40400000; add.f32 %a5, %a1, 0f40800000; add.f32 %a6, %a1, 0f40A00000;\n"
    "  add.f32 %a7, %a1, 0f40C00000; add.f32 %a8, %a1, 0f40E00000; mov.f32 %m, 0f3F7FFFFF;\n"
    "  ld.param.u32 %n, [iters]; mov.u32 %i, 0;\n"
    "LOOP:\n"
    "  fma.rn.f32 %a1, %a1, %m, %m; fma.rn.f32 %a2, %a2, %m, %m; fma.rn.f32 %a3, %a3, %m, %m; fma.rn.f32 %a4, %a4, %m, %m;\n"
    "  fma.rn.f32 %a5, %a5, %m, %m; fma.rn.f32 %a6, %a6, %m, %m; fma.rn.f32 %a7, %a7, %m, %m; fma.rn.f32 %a8, %a8, %m, %m;\n"
    "  add.u32 %i, %i, 1; setp.lt.u32 %p, %i, %n; @%p bra LOOP;\n"
    "  add.f32 %a1, %a1, %a2; add.f32 %a3, %a3, %a4; add.f32 %a5, %a5, %a6; add.f32 %a7, %a7, %a8;\n"
    "  add.f32 %a1, %a1, %a3; add.f32 %a5, %a5, %a7; add.f32 %a1, %a1, %a5;\n"
    "  ld.param.u64 %o, [out]; cvta.to.global.u64 %o, %o; st.global.f32 [%o], %a1;\n"
    "  ret;\n}\n";

static double measure_fma_peak_gflops(void) {
  void *module = NULL, *fn = NULL;
  CUdeviceptr out = 0;
  if (cu.cuModuleLoadData(&module, kPeakPtx) || cu.cuModuleGetFunction(&fn, module, "fma_peak") ||
      cu.cuMemAlloc_v2(&out, 4))
    return 0;
  unsigned iters = 1 << 16, blocks = (unsigned)(num_sms > 0 ? num_sms : 1) * 8, threads = 256;
  void *args[] = {&out, &iters};
  double best = 0;
  for (int rep = 0; rep < 4; ++rep) { /* the first warms the clocks */
    double t0 = now_s();
    if (cu.cuLaunchKernel(fn, blocks, 1, 1, threads, 1, 1, 0, NULL, args, NULL) || cu.cuCtxSynchronize()) return 0;
    double gflops = 2.0 * 8 * iters * (double)blocks * threads / (now_s() - t0) * 1e-9;
    if (gflops > best) best = gflops;
  }
  cu.cuMemFree_v2(out);
  return best;
}

/* Median seconds of `fn` over at least 5 runs and about 1 s, after 3 warm-ups. */
typedef int (*timed_fn)(void *);
static double median_seconds(timed_fn fn, void *arg) {
  double times[200];
  int n = 0;
  for (int i = 0; i < 3; ++i)
    if (fn(arg)) return -1;
  double start = now_s();
  while (n < 200 && (n < 5 || now_s() - start < 1.0)) {
    double t0 = now_s();
    if (fn(arg)) return -1;
    times[n++] = now_s() - t0;
  }
  qsort(times, (size_t)n, sizeof *times, compare_double);
  return times[n / 2];
}

typedef struct sgemm_case {
  model *m;
  void *handle;
  int n;
  CUdeviceptr a, b, c, c_blas;
} sgemm_case;

static int run_strata(void *p) {
  sgemm_case *s = p;
  void *ins[2] = {(void *)(uintptr_t)s->a, (void *)(uintptr_t)s->b}, *outs[1] = {(void *)(uintptr_t)s->c};
  int status = s->m->run_device(ins, outs);
  if (status) fprintf(stderr, "%s: %s\n", s->m->name, s->m->error_message(status));
  return status;
}

static int run_cublas(void *p) {
  sgemm_case *s = p;
  const float one = 1.0f, zero = 0.0f;
  /* Row-major C = A B is column-major C^T = B^T A^T. */
  int status = blas.sgemm(s->handle, 0, 0, s->n, s->n, s->n, &one, (const float *)(uintptr_t)s->b, s->n,
                          (const float *)(uintptr_t)s->a, s->n, &zero, (float *)(uintptr_t)s->c_blas, s->n);
  return status || cu.cuCtxSynchronize();
}

static int run_sgemm(const char *manifest) {
  if (!load_cuda()) return 1;
  void *handle = NULL;
  int have_blas = load_cublas() && blas.create(&handle) == 0;
  if (!have_blas) printf("note: cuBLAS not found (libcublas.so.13/12): Strata alone\n");
  double peak = measure_fma_peak_gflops();
  printf("device: %s, %d SMs; FP32 FMA peak measured: %.0f GFLOP/s\n", device_name, num_sms, peak);
  char dir[1024], line[4096];
  FILE *f = open_manifest(manifest, dir, sizeof dir);
  if (!f) return 1;
  int failed = 0;
  printf("%-24s %12s %12s %10s %12s %12s\n", "case", "Strata", "cuBLAS", "ratio", "Strata %pk", "max |diff|");
  while (fgets(line, sizeof line, f)) {
    char *fld[4];
    if (split_tabs(line, fld, 4) < 3) continue;
    model m;
    if (!model_open(&m, dir, fld[0], fld[1]) || !m.run_device) {
      ++failed;
      continue;
    }
    sgemm_case s = {&m, handle, atoi(fld[2]), 0, 0, 0, 0};
    size_t bytes = (size_t)s.n * s.n * 4;
    float *host = malloc(bytes), *c1 = malloc(bytes), *c2 = malloc(bytes);
    for (size_t i = 0; i < (size_t)s.n * s.n; ++i) host[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
    if (cu.cuMemAlloc_v2(&s.a, bytes) || cu.cuMemAlloc_v2(&s.b, bytes) || cu.cuMemAlloc_v2(&s.c, bytes) ||
        cu.cuMemAlloc_v2(&s.c_blas, bytes) || cu.cuMemcpyHtoD_v2(s.a, host, bytes) ||
        cu.cuMemcpyHtoD_v2(s.b, host, bytes)) {
      fprintf(stderr, "n=%d: device allocation or copy failed\n", s.n);
      ++failed;
      continue;
    }
    double flops = 2.0 * s.n * (double)s.n * s.n;
    double ts = median_seconds(run_strata, &s), tb = have_blas ? median_seconds(run_cublas, &s) : -1;
    double diff = -1;
    if (ts > 0 && tb > 0 && !cu.cuMemcpyDtoH_v2(c1, s.c, bytes) && !cu.cuMemcpyDtoH_v2(c2, s.c_blas, bytes)) {
      diff = 0;
      for (size_t i = 0; i < (size_t)s.n * s.n; ++i) {
        double d = fabs((double)c1[i] - c2[i]);
        if (!(d <= diff)) diff = d;
      }
    }
    double gs = ts > 0 ? flops / ts * 1e-9 : 0, gb = tb > 0 ? flops / tb * 1e-9 : 0;
    printf("%-24s %9.0f GF %9.0f GF %9.2fx %11.1f%% %12.3g\n", fld[0], gs, gb, gb > 0 ? gs / gb : 0,
           peak > 0 ? 100 * gs / peak : 0, diff);
    /* |C| is about sqrt(n) / 3 here; FP32 sums in another order differ by far less than this. */
    if (ts <= 0 || (tb > 0 && !(diff >= 0 && diff <= 1e-2))) ++failed;
    cu.cuMemFree_v2(s.a), cu.cuMemFree_v2(s.b), cu.cuMemFree_v2(s.c), cu.cuMemFree_v2(s.c_blas);
    free(host), free(c1), free(c2);
    model_close(&m);
  }
  fclose(f);
  return failed != 0;
}

/* ---- models ------------------------------------------------------------------------------------ */
typedef struct model_run {
  model *m;
  const void *const *ins;
  void *const *outs;
} model_run;

static int run_model(void *p) {
  model_run *r = p;
  int status = r->m->run(r->ins, r->outs, NULL);
  if (status) fprintf(stderr, "%s: %s\n", r->m->name, r->m->error_message(status));
  return status;
}

static int run_models(const char *manifest) {
  char dir[1024], line[4096];
  FILE *f = open_manifest(manifest, dir, sizeof dir);
  if (!f) return 1;
  int failed = 0;
  printf("%-8s %12s %12s %10s  %s\n", "model", "GPU ms", "CPU ms", "CPU/GPU", "outputs");
  while (fgets(line, sizeof line, f)) {
    char *fld[8];
    int fields = split_tabs(line, fld, 8);
    if (fields < 6) continue;
    /* The libraries' symbol prefixes: NAME_gpu and NAME_cpu, or the CPU's from field 7 (a GPU
     * variant of a model beside the same CPU library). */
    char gpu_name[300], cpu_name[300];
    snprintf(gpu_name, sizeof gpu_name, "%s_gpu", fld[0]);
    snprintf(cpu_name, sizeof cpu_name, "%s_cpu", fields >= 7 ? fld[6] : fld[0]);
    model g, c;
    if (!model_open(&g, dir, gpu_name, fld[1]) || !model_open(&c, dir, cpu_name, fld[2]) || g.num_inputs() != 1) {
      ++failed;
      continue;
    }
    size_t out_bytes = output_bytes(&g, 0);
    void *in = read_file(dir, fld[3], input_bytes(&g, 0)), *want = read_file(dir, fld[4], out_bytes);
    void *outs_g[16] = {0}, *outs_c[16] = {0};
    for (int i = 0; i < g.num_outputs() && i < 16; ++i) {
      outs_g[i] = calloc(output_bytes(&g, i) + 1, 1);
      outs_c[i] = calloc(output_bytes(&g, i) + 1, 1);
    }
    const void *ins[1] = {in};
    model_run rg = {&g, ins, outs_g}, rc = {&c, ins, outs_c};
    double tg = in && want ? median_seconds(run_model, &rg) : -1, tc = tg > 0 ? median_seconds(run_model, &rc) : -1;
    char why_ref[400] = "", why_cpu[400] = "";
    double atol = atof(fld[5]);
    size_t bad = tg > 0 ? compare(outs_g[0], want, out_bytes, 0, atol, 0, why_ref, sizeof why_ref) : 1;
    bad += tc > 0 ? compare(outs_g[0], outs_c[0], out_bytes, 0, atol, 0, why_cpu, sizeof why_cpu) : 1;
    printf("%-8s %12.3f %12.3f %9.2fx  %s%s%s\n", fld[0], tg * 1e3, tc * 1e3, tg > 0 ? tc / tg : 0,
           bad ? "MISMATCH " : "match ONNX Runtime and the CPU", why_ref, why_cpu);
    failed += bad != 0;
    for (int i = 0; i < 16; ++i) free(outs_g[i]), free(outs_c[i]);
    free(in), free(want);
    model_close(&g), model_close(&c);
  }
  fclose(f);
  return failed != 0;
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "e2e") && strcmp(argv[1], "sgemm") && strcmp(argv[1], "models"))) {
    fprintf(stderr, "usage: device_check e2e|sgemm|models MANIFEST\n");
    return 2;
  }
  if (!strcmp(argv[1], "e2e")) return run_e2e(argv[2]);
  if (!strcmp(argv[1], "sgemm")) return run_sgemm(argv[2]);
  return run_models(argv[2]);
}
