/* Links a model compiled ahead of time (strata compile ... --name cls) and runs it.
 *
 *   cls_demo INPUT.bin [OUTPUT.bin] [RUNS]
 *
 * INPUT.bin holds the first input as raw little-endian float32. Prints the
 * outputs and the median latency; writes the first output as raw float32. */
#include "cls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t num_elements(const int64_t *shape, int rank) {
  size_t n = 1;
  for (int i = 0; i < rank; ++i) n *= (size_t)shape[i];
  return n;
}

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s INPUT.bin [OUTPUT.bin] [RUNS]\n", argv[0]);
    return 2;
  }
  int runs = argc > 3 ? atoi(argv[3]) : 50;
  if (runs < 1) runs = 1;
  if (cls_num_inputs() != 1) {
    fprintf(stderr, "this demo expects a model with one input\n");
    return 1;
  }
  size_t in_n = num_elements(cls_input_shape(0), cls_input_rank(0));
  float *input = malloc(in_n * sizeof(float));
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(input, sizeof(float), in_n, f) != in_n) {
    fprintf(stderr, "cannot read %zu floats from %s\n", in_n, argv[1]);
    return 1;
  }
  fclose(f);

  int num_out = cls_num_outputs();
  void **outputs = calloc((size_t)num_out, sizeof(void *));
  for (int i = 0; i < num_out; ++i)
    outputs[i] = calloc(num_elements(cls_output_shape(i), cls_output_rank(i)), sizeof(float));
  const void *inputs[1] = {input};

  double *times = malloc((size_t)runs * sizeof(double));
  for (int r = -3; r < runs; ++r) { /* three warm-up runs */
    double t0 = now_ms();
    int status = cls_run(inputs, outputs, NULL);
    double t1 = now_ms();
    if (status != 0) {
      fprintf(stderr, "cls_run failed: %s\n", cls_error_message(status));
      return 1;
    }
    if (r >= 0) times[r] = t1 - t0;
  }
  qsort(times, (size_t)runs, sizeof(double), compare_double);

  for (int i = 0; i < num_out; ++i) {
    size_t n = num_elements(cls_output_shape(i), cls_output_rank(i));
    printf("output %s:", cls_output_name(i));
    for (size_t k = 0; k < n && k < 10; ++k) printf(" %.6f", ((float *)outputs[i])[k]);
    printf("%s\n", n > 10 ? " ..." : "");
  }
  printf("latency: median %.3f ms, min %.3f ms over %d runs (workspace %zu bytes)\n",
         times[runs / 2], times[0], runs, cls_workspace_size());
  if (argc > 2) {
    FILE *o = fopen(argv[2], "wb");
    size_t n = num_elements(cls_output_shape(0), cls_output_rank(0));
    if (!o || fwrite(outputs[0], sizeof(float), n, o) != n) {
      fprintf(stderr, "cannot write %s\n", argv[2]);
      return 1;
    }
    fclose(o);
  }
  return 0;
}
