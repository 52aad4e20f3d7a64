/* Links two AOT-compiled models into one program: no symbol clashes, both run. */
#include "cls.h"
#include "wake.h"

#include <stdio.h>
#include <stdlib.h>

static float *filled(size_t n, float v) {
  float *p = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; ++i) p[i] = v;
  return p;
}

int main(void) {
  cls_set_num_threads(1); /* and back to the default below */
  float *x = filled(1 * 3 * 48 * 192, 0.25f), *y = filled(2, 0.f);
  const void *cin[] = {x};
  void *cout[] = {y};
  int s1 = cls_run(cin, cout, NULL);
  float *w = filled(1 * 25 * 96, 0.5f), *z = filled(1, 0.f);
  const void *win[] = {w};
  void *wout[] = {z};
  int s2 = wake_run(win, wout, NULL);
  printf("cls status %d: %.5f %.5f (sum %.5f)\n", s1, y[0], y[1], y[0] + y[1]);
  printf("wake status %d: %.5f\n", s2, z[0]);
  printf("cls inputs %d, input '%s' rank %d shape %lld,%lld,%lld,%lld\n", cls_num_inputs(),
         cls_input_name(0), cls_input_rank(0), (long long)cls_input_shape(0)[0],
         (long long)cls_input_shape(0)[1], (long long)cls_input_shape(0)[2],
         (long long)cls_input_shape(0)[3]);
  printf("wake output '%s' rank %d; out-of-range name %s\n", wake_output_name(0),
         wake_output_rank(0), wake_input_name(5) ? "non-null" : "null");
  /* Caller-provided workspace, default thread count. */
  cls_set_num_threads(0);
  void *ws = aligned_alloc(64, (cls_workspace_size() + 63) / 64 * 64);
  int s3 = cls_run(cin, cout, ws);
  printf("with workspace: status %d, %.5f\n", s3, y[0]);
  free(ws);
  return s1 || s2 || s3;
}
