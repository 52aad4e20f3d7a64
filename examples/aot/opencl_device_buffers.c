/* Runs a model compiled for OpenCL (strata compile ... --target opencl --name cls) on data that
 * stays on the device: the input is uploaded once into a cl_mem of the model's context, the
 * model reads and writes device buffers (cls_run_device, no copies), and the output is read back
 * only to print it.
 *
 *   cls_device_demo INPUT.bin [OUTPUT.bin]
 *
 *   cc -I. opencl_device_buffers.c cls.a -lOpenCL -lpthread -lm -ldl
 *
 * (Only this program links OpenCL; cls.a loads it at run time.) */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "cls.h"

#include <stdio.h>
#include <stdlib.h>

static size_t num_bytes(const int64_t *shape, int rank) {
  size_t n = sizeof(float);
  for (int i = 0; i < rank; ++i) n *= (size_t)shape[i];
  return n;
}

static int fail(const char *what, cl_int err) {
  fprintf(stderr, "%s failed: OpenCL error %d\n", what, (int)err);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s INPUT.bin [OUTPUT.bin]\n", argv[0]);
    return 2;
  }
  if (cls_num_inputs() != 1 || cls_input_dtype(0) != 0 || cls_output_dtype(0) != 0) {
    fprintf(stderr, "this demo expects a model with one float32 input and float32 outputs\n");
    return 1;
  }
  size_t in_bytes = num_bytes(cls_input_shape(0), cls_input_rank(0));
  size_t out_bytes = num_bytes(cls_output_shape(0), cls_output_rank(0));
  float *input = malloc(in_bytes), *output = malloc(out_bytes);
  FILE *f = fopen(argv[1], "rb");
  if (!input || !output || !f || fread(input, 1, in_bytes, f) != in_bytes) {
    fprintf(stderr, "cannot read %zu bytes from %s\n", in_bytes, argv[1]);
    return 1;
  }
  fclose(f);

  /* The model's context (this sets the model up on its device). */
  void *handle = NULL;
  int status = cls_device_context(&handle);
  if (status != 0) {
    fprintf(stderr, "cls_device_context failed: %s\n", cls_error_message(status));
    return 1;
  }
  cl_context context = (cl_context)handle;
  cl_device_id device;
  cl_int err = clGetContextInfo(context, CL_CONTEXT_DEVICES, sizeof device, &device, NULL);
  if (err != CL_SUCCESS) return fail("clGetContextInfo", err);
  cl_command_queue queue = clCreateCommandQueue(context, device, 0, &err);
  if (err != CL_SUCCESS) return fail("clCreateCommandQueue", err);
  cl_mem in_buf = clCreateBuffer(context, CL_MEM_READ_ONLY, in_bytes, NULL, &err);
  if (err != CL_SUCCESS) return fail("clCreateBuffer(input)", err);
  cl_mem out_buf = clCreateBuffer(context, CL_MEM_WRITE_ONLY, out_bytes, NULL, &err);
  if (err != CL_SUCCESS) return fail("clCreateBuffer(output)", err);

  /* A blocking write: the input is on the device before the model runs. */
  err = clEnqueueWriteBuffer(queue, in_buf, CL_TRUE, 0, in_bytes, input, 0, NULL, NULL);
  if (err != CL_SUCCESS) return fail("clEnqueueWriteBuffer", err);
  void *inputs[1] = {in_buf}, *outputs[1] = {out_buf};
  if ((status = cls_run_device(inputs, outputs)) != 0) {
    fprintf(stderr, "cls_run_device failed: %s\n", cls_error_message(status));
    return 1;
  }
  err = clEnqueueReadBuffer(queue, out_buf, CL_TRUE, 0, out_bytes, output, 0, NULL, NULL);
  if (err != CL_SUCCESS) return fail("clEnqueueReadBuffer", err);

  size_t n = out_bytes / sizeof(float);
  printf("output %s:", cls_output_name(0));
  for (size_t k = 0; k < n && k < 10; ++k) printf(" %.6f", output[k]);
  printf("%s\n", n > 10 ? " ..." : "");
  if (argc > 2) {
    FILE *o = fopen(argv[2], "wb");
    if (!o || fwrite(output, 1, out_bytes, o) != out_bytes) {
      fprintf(stderr, "cannot write %s\n", argv[2]);
      return 1;
    }
    fclose(o);
  }
  clReleaseMemObject(in_buf);
  clReleaseMemObject(out_buf);
  clReleaseCommandQueue(queue);
  cls_release(); /* the model's context goes last: our buffers live in it */
  free(input);
  free(output);
  return 0;
}
