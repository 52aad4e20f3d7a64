//===- strata_bench.cpp - Strata against its peers, as ratios -------------===//
//
// Usage (normally through bench/run.sh, which sets one thread and unsets the
// OpenBLAS overrides of this environment):
//   strata_bench [--quick] [--ort-ms MS] [--ort NAME=MS ...] [--only sgemm|conv|cls|reduce]
//
// Cases:
//   sgemm n = 256, 512, 1024     Strata MatMul (both operands are inputs) vs OpenBLAS cblas_sgemm
//   conv 3x3 and 1x1, 56x56x64   Strata Conv+bias+Relu vs oneDNN (format any, reorders untimed)
//   cls model 1x3x48x192         Strata latency and compile time; ratio vs ONNX Runtime when
//                                 --ort-ms gives its median (bench/ort_time.py measures it)
//   reductions                   Softmax over [40, 19000] (an OCR output layer), ReduceSum over
//                                 [40, 19000], [8, 10^6] (last axis) and [19000, 40] (first axis),
//                                 from bench/models/*.onnx; ratio vs ONNX Runtime when
//                                 --ort NAME=MS gives its median; max relative error vs float64
// Every case runs on one thread. Times are min and median over many runs; ratios use medians
// measured in this same run (the machine is shared, so absolute numbers are noisy).
//
//===----------------------------------------------------------------------===//
#include "strata/strata.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#ifdef STRATA_BENCH_OPENBLAS
#include <cblas.h>
#endif
#ifdef STRATA_BENCH_DNNL
#include <dnnl.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

struct Timing {
  double minMs = 0, medianMs = 0;
  int runs = 0;
};

/// Runs fn until `seconds` have passed (at least minRuns, at most maxRuns times) after warmup.
Timing timeIt(const std::function<void()> &fn, double seconds, int minRuns = 5, int maxRuns = 2000) {
  fn();
  fn();
  std::vector<double> ms;
  auto start = Clock::now();
  while ((int)ms.size() < maxRuns) {
    auto t0 = Clock::now();
    fn();
    auto t1 = Clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    if ((int)ms.size() >= minRuns && std::chrono::duration<double>(t1 - start).count() > seconds)
      break;
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2], (int)ms.size()};
}

std::vector<float> randomVector(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

std::string tempDir;

std::string writeModel(const std::string &name, const std::string &json) {
  std::string path = tempDir + "/" + name + ".json";
  std::ofstream(path) << json;
  return path;
}

std::string shape(std::initializer_list<int> dims) {
  std::string s = "[";
  for (int d : dims)
    s += (s.size() > 1 ? ", " : "") + std::to_string(d);
  return s + "]";
}

bool compileOrSay(const std::string &path, strata::Executable &exe, double *compileMs = nullptr,
                  std::map<std::string, std::vector<int64_t>> inputShapes = {}) {
  strata::CompileOptions options;
  options.num_threads = 1;
  options.input_shapes = std::move(inputShapes);
  auto t0 = Clock::now();
  auto r = strata::compile(path, options);
  auto t1 = Clock::now();
  if (!r.ok()) {
    std::printf("  strata: compile failed: %s\n", r.error().c_str());
    return false;
  }
  if (compileMs)
    *compileMs = std::chrono::duration<double, std::milli>(t1 - t0).count();
  exe = *r;
  return true;
}

void printRow(const char *what, const Timing &t, double gflop) {
  if (gflop > 0)
    std::printf("  %-10s min %9.3f ms  median %9.3f ms  %7.1f GFLOP/s (median)  [%d runs]\n", what,
                t.minMs, t.medianMs, gflop / (t.medianMs * 1e-3), t.runs);
  else
    std::printf("  %-10s min %9.3f ms  median %9.3f ms  [%d runs]\n", what, t.minMs, t.medianMs,
                t.runs);
}

double seconds = 1.0;

// ---- sgemm ------------------------------------------------------------------------------------

void benchSgemm(int n) {
  std::printf("sgemm n = %d (C = A * B, f32, row-major)\n", n);
  double gflop = 2.0 * n * n * (double)n * 1e-9;
  std::string json = "{\"inputs\": [{\"name\": \"a\", \"shape\": " + shape({n, n}) +
                     "}, {\"name\": \"b\", \"shape\": " + shape({n, n}) +
                     "}], \"outputs\": [\"y\"], \"nodes\": [{\"op\": \"MatMul\", \"inputs\": "
                     "[\"a\", \"b\"], \"outputs\": [\"y\"]}]}";
  strata::Executable exe;
  if (!compileOrSay(writeModel("sgemm" + std::to_string(n), json), exe))
    return;
  std::vector<float> a = randomVector((size_t)n * n, 1), b = randomVector((size_t)n * n, 2);
  std::vector<float> c((size_t)n * n), ref((size_t)n * n);
  const void *in[] = {a.data(), b.data()};
  void *out[] = {c.data()};
  std::vector<char> workspace(exe.workspace_size() + 64);
  Timing s = timeIt([&] { (void)exe.run(in, out); }, seconds);
  printRow("strata", s, gflop);
#ifdef STRATA_BENCH_OPENBLAS
  auto blas = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n,
                0.f, ref.data(), n);
  };
  Timing o = timeIt(blas, seconds);
  printRow("openblas", o, gflop);
  double maxErr = 0;
  for (size_t i = 0; i < c.size(); ++i)
    maxErr = std::max(maxErr, (double)std::fabs(c[i] - ref[i]));
  std::printf("  ratio strata/openblas (throughput, medians): %.2fx   max |diff| %.2g\n",
              o.medianMs / s.medianMs, maxErr);
#else
  std::printf("  openblas: not built in (apt-get install libopenblas-dev, then re-run cmake)\n");
#endif
}

// ---- conv -------------------------------------------------------------------------------------

struct ConvCase {
  const char *name;
  int C, K, H, W, R, pad, stride;
};

#ifdef STRATA_BENCH_DNNL
#define DNNL_OK(call)                                                                              \
  do {                                                                                             \
    dnnl_status_t st_ = (call);                                                                    \
    if (st_ != dnnl_success) {                                                                     \
      std::printf("  onednn: %s failed (%d)\n", #call, (int)st_);                                  \
      return Timing{};                                                                             \
    }                                                                                              \
  } while (0)

/// oneDNN conv + bias + relu, formats chosen by the library; reorders outside the timing.
Timing onednnConv(const ConvCase &c, int OH, int OW) {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  DNNL_OK(dnnl_engine_create(&engine, dnnl_cpu, 0));
  DNNL_OK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
  dnnl_dims_t srcDims = {1, c.C, c.H, c.W}, weiDims = {c.K, c.C, c.R, c.R}, biaDims = {c.K},
              dstDims = {1, c.K, OH, OW};
  dnnl_dims_t strides = {c.stride, c.stride}, padL = {c.pad, c.pad}, padR = {c.pad, c.pad};
  dnnl_memory_desc_t src, wei, bia, dst;
  DNNL_OK(dnnl_memory_desc_init_by_tag(&src, 4, srcDims, dnnl_f32, dnnl_format_tag_any));
  DNNL_OK(dnnl_memory_desc_init_by_tag(&wei, 4, weiDims, dnnl_f32, dnnl_format_tag_any));
  DNNL_OK(dnnl_memory_desc_init_by_tag(&bia, 1, biaDims, dnnl_f32, dnnl_a));
  DNNL_OK(dnnl_memory_desc_init_by_tag(&dst, 4, dstDims, dnnl_f32, dnnl_format_tag_any));
  dnnl_convolution_desc_t cd;
  DNNL_OK(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                             &src, &wei, &bia, &dst, strides, padL, padR));
  dnnl_post_ops_t po;
  DNNL_OK(dnnl_post_ops_create(&po));
  DNNL_OK(dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, 0.f, 0.f));
  dnnl_primitive_attr_t attr;
  DNNL_OK(dnnl_primitive_attr_create(&attr));
  DNNL_OK(dnnl_primitive_attr_set_post_ops(attr, po));
  dnnl_primitive_desc_t pd;
  DNNL_OK(dnnl_primitive_desc_create(&pd, &cd, attr, engine, nullptr));
  const char *impl = nullptr;
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
  dnnl_memory_t mSrc, mWei, mBia, mDst;
  DNNL_OK(dnnl_memory_create(&mSrc, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), engine,
                             DNNL_MEMORY_ALLOCATE));
  DNNL_OK(dnnl_memory_create(&mWei, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0),
                             engine, DNNL_MEMORY_ALLOCATE));
  DNNL_OK(dnnl_memory_create(&mBia, &bia, engine, DNNL_MEMORY_ALLOCATE));
  DNNL_OK(dnnl_memory_create(&mDst, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), engine,
                             DNNL_MEMORY_ALLOCATE));
  // Random contents (layout does not matter for timing).
  for (dnnl_memory_t m : {mSrc, mWei, mBia}) {
    void *p;
    DNNL_OK(dnnl_memory_get_data_handle(m, &p));
    const dnnl_memory_desc_t *md;
    DNNL_OK(dnnl_memory_get_memory_desc(m, &md));
    size_t bytes = dnnl_memory_desc_get_size(md);
    std::vector<float> r = randomVector(bytes / 4, 3);
    std::memcpy(p, r.data(), bytes);
  }
  dnnl_primitive_t prim;
  DNNL_OK(dnnl_primitive_create(&prim, pd));
  dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, mSrc}, {DNNL_ARG_WEIGHTS, mWei}, {DNNL_ARG_BIAS, mBia},
                            {DNNL_ARG_DST, mDst}};
  Timing t = timeIt(
      [&] {
        dnnl_primitive_execute(prim, stream, 4, args);
        dnnl_stream_wait(stream);
      },
      seconds);
  std::printf("  (onednn implementation: %s)\n", impl ? impl : "?");
  dnnl_primitive_destroy(prim);
  for (dnnl_memory_t m : {mSrc, mWei, mBia, mDst})
    dnnl_memory_destroy(m);
  dnnl_primitive_desc_destroy(pd);
  dnnl_primitive_attr_destroy(attr);
  dnnl_post_ops_destroy(po);
  dnnl_stream_destroy(stream);
  dnnl_engine_destroy(engine);
  return t;
}
#endif

void benchConv(const ConvCase &c) {
  int OH = (c.H + 2 * c.pad - c.R) / c.stride + 1, OW = (c.W + 2 * c.pad - c.R) / c.stride + 1;
  double gflop = 2.0 * c.K * OH * OW * (double)c.C * c.R * c.R * 1e-9;
  std::printf("conv %s: 1x%dx%dx%d -> %d channels, %dx%d kernel, pad %d, stride %d, + bias + relu\n",
              c.name, c.C, c.H, c.W, c.K, c.R, c.R, c.pad, c.stride);
  std::string p = std::to_string(c.pad), s = std::to_string(c.stride);
  std::string json =
      "{\"inputs\": [{\"name\": \"x\", \"shape\": " + shape({1, c.C, c.H, c.W}) +
      "}], \"outputs\": [\"y\"], \"initializers\": {\"w\": {\"shape\": " +
      shape({c.K, c.C, c.R, c.R}) + ", \"random\": {\"seed\": 1, \"min\": -0.1, \"max\": 0.1}}, " +
      "\"b\": {\"shape\": " + shape({c.K}) + ", \"random\": {\"seed\": 2}}}, \"nodes\": [" +
      "{\"op\": \"Conv\", \"inputs\": [\"x\", \"w\", \"b\"], \"outputs\": [\"c\"], \"attrs\": " +
      "{\"pads\": [" + p + ", " + p + ", " + p + ", " + p + "], \"strides\": [" + s + ", " + s +
      "]}}, {\"op\": \"Relu\", \"inputs\": [\"c\"], \"outputs\": [\"y\"]}]}";
  strata::Executable exe;
  if (!compileOrSay(writeModel(std::string("conv_") + c.name, json), exe))
    return;
  std::vector<float> x = randomVector((size_t)c.C * c.H * c.W, 4), y((size_t)c.K * OH * OW);
  const void *in[] = {x.data()};
  void *out[] = {y.data()};
  Timing t = timeIt([&] { (void)exe.run(in, out); }, seconds);
  printRow("strata", t, gflop);
#ifdef STRATA_BENCH_DNNL
  Timing o = onednnConv(c, OH, OW);
  if (o.runs) {
    printRow("onednn", o, gflop);
    std::printf("  ratio strata/onednn (throughput, medians): %.2fx\n", o.medianMs / t.medianMs);
  }
#else
  std::printf("  onednn: not built in (apt-get install libdnnl-dev, then re-run cmake)\n");
#endif
}

// ---- cls model --------------------------------------------------------------------------------

void benchCls(double ortMs) {
  std::string path = std::string(STRATA_BENCH_MODELS_DIR) + "/ppocr_cls_mobilenetv3.onnx";
  std::printf("cls model %s (1x3x48x192)\n", path.c_str());
  strata::Executable exe;
  double compileMs = 0;
  if (!compileOrSay(path, exe, &compileMs, {{"x", {1, 3, 48, 192}}}))
    return;
  std::printf("  compile (import + optimize + codegen + JIT): %.0f ms\n", compileMs);
  std::vector<std::vector<float>> ins, outs;
  std::vector<const void *> inPtrs;
  std::vector<void *> outPtrs;
  for (const auto &i : exe.inputs()) {
    ins.push_back(randomVector(i.num_elements(), 5));
    inPtrs.push_back(ins.back().data());
  }
  for (const auto &o : exe.outputs()) {
    outs.emplace_back(o.num_elements());
    outPtrs.push_back(outs.back().data());
  }
  std::vector<char> workspace(exe.workspace_size() + 64);
  void *ws = (void *)(((uintptr_t)workspace.data() + 63) & ~(uintptr_t)63);
  Timing t = timeIt([&] { (void)exe.run(inPtrs.data(), outPtrs.data(), ws); }, seconds * 2);
  printRow("strata", t, 0);
  if (ortMs > 0)
    std::printf("  onnxruntime median %.3f ms (bench/ort_time.py, same run)\n"
                "  ratio strata/onnxruntime (speed, medians): %.2fx\n",
                ortMs, ortMs / t.medianMs);
  else
    std::printf("  onnxruntime: no time given (bench/run.sh passes --ort-ms from bench/ort_time.py;"
                " needs: pip install onnxruntime numpy)\n");
}

// ---- reductions -------------------------------------------------------------------------------

struct ReduceCase {
  const char *name;            // bench/models/<name>.onnx
  int64_t outer, n, inner;     // the input as [outer, n, inner] around the reduced axis
  bool softmax;
};

/// Inputs with a wide range: logits N(0, 2.5) with a confident class per row for softmax,
/// uniform [0, 1) with one 1e4 per row for sums.
std::vector<float> reduceInput(const ReduceCase &c) {
  std::mt19937 gen(6);
  std::normal_distribution<float> normal(0.f, 2.5f);
  std::uniform_real_distribution<float> uniform(0.f, 1.f);
  std::vector<float> x(c.outer * c.n * c.inner);
  for (float &e : x)
    e = c.softmax ? normal(gen) : uniform(gen);
  for (int64_t o = 0; o < c.outer; ++o)
    for (int64_t i = 0; i < c.inner; ++i)
      x[(o * c.n + (o * 7919 + i) % c.n) * c.inner + i] = c.softmax ? 18.f : 1e4f;
  return x;
}

/// The largest relative error of y against the same computation in float64.
double reduceError(const ReduceCase &c, const std::vector<float> &x, const std::vector<float> &y) {
  double worst = 0;
  for (int64_t o = 0; o < c.outer; ++o)
    for (int64_t i = 0; i < c.inner; ++i) {
      auto at = [&](int64_t k) { return (o * c.n + k) * c.inner + i; };
      double mx = -INFINITY, sum = 0;
      for (int64_t k = 0; k < c.n; ++k)
        mx = std::max(mx, (double)x[at(k)]);
      for (int64_t k = 0; k < c.n; ++k)
        sum += c.softmax ? std::exp(x[at(k)] - mx) : x[at(k)];
      if (!c.softmax) {
        worst = std::max(worst, std::fabs(y[o * c.inner + i] - sum) / std::fabs(sum));
        continue;
      }
      for (int64_t k = 0; k < c.n; ++k) {
        double want = std::exp(x[at(k)] - mx) / sum;
        worst = std::max(worst, std::fabs(y[at(k)] - want) / want);
      }
    }
  return worst;
}

void benchReduce(const ReduceCase &c, const std::map<std::string, double> &ortMs) {
  std::string path = std::string(STRATA_BENCH_DIR) + "/models/" + c.name + ".onnx";
  std::printf("%s (%s)\n", c.name, path.c_str());
  strata::Executable exe;
  if (!compileOrSay(path, exe))
    return;
  std::vector<float> x = reduceInput(c), y(exe.outputs()[0].num_elements());
  const void *in[] = {x.data()};
  void *out[] = {y.data()};
  Timing t = timeIt([&] { (void)exe.run(in, out); }, seconds);
  printRow("strata", t, 0);
  std::printf("  %.1f GB/s read (median); max relative error vs float64 %.2g\n",
              x.size() * 4e-9 / (t.medianMs * 1e-3), reduceError(c, x, y));
  auto ort = ortMs.find(c.name);
  if (ort != ortMs.end())
    std::printf("  onnxruntime median %.3f ms (bench/ort_time.py, same run)\n"
                "  ratio strata/onnxruntime (speed, medians): %.2fx\n",
                ort->second, ort->second / t.medianMs);
  else
    std::printf("  onnxruntime: no time given (bench/run.sh passes --ort %s=MS)\n", c.name);
}

} // namespace

int main(int argc, char **argv) {
  double ortMs = -1;
  std::map<std::string, double> ortCaseMs; // reduction case -> ONNX Runtime median
  std::string only;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--ort-ms" && i + 1 < argc)
      ortMs = std::atof(argv[++i]);
    else if (a == "--ort" && i + 1 < argc && std::strchr(argv[i + 1], '=')) {
      std::string kv = argv[++i];
      ortCaseMs[kv.substr(0, kv.find('='))] = std::atof(kv.c_str() + kv.find('=') + 1);
    }
    else if (a == "--only" && i + 1 < argc)
      only = argv[++i];
    else if (a == "--quick")
      quick = true;
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--ort-ms MS] [--ort NAME=MS ...] [--only sgemm|conv|cls|reduce]\n",
                   argv[0]);
      return 2;
    }
  }
  if (quick)
    seconds = 0.3;
  strata::set_num_threads(1);
  char tmpl[] = "/tmp/strata_bench.XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  tempDir = tmpl;
  std::printf("Strata benchmark, one thread; ratio > 1 means Strata is faster.\n");
#ifdef STRATA_BENCH_OPENBLAS
  if (std::getenv("OPENBLAS_CORETYPE") || std::getenv("OPENBLAS_L2_SIZE"))
    std::printf("note: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set; OpenBLAS may run a slower "
                "kernel (bench/run.sh unsets them)\n");
#endif
  if (only.empty() || only == "sgemm")
    for (int n : {256, 512, 1024})
      benchSgemm(n);
  if (only.empty() || only == "conv") {
    benchConv({"3x3", 64, 64, 56, 56, 3, 1, 1});
    benchConv({"1x1", 64, 256, 56, 56, 1, 0, 1});
  }
  if (only.empty() || only == "cls")
    benchCls(ortMs);
  if (only.empty() || only == "reduce")
    for (const ReduceCase &c : {ReduceCase{"softmax_40x19000", 40, 19000, 1, true},
                                ReduceCase{"reduce_sum_40x19000", 40, 19000, 1, false},
                                ReduceCase{"reduce_sum_8x1000000", 8, 1000000, 1, false},
                                ReduceCase{"reduce_sum_19000x40", 1, 19000, 40, false}})
      benchReduce(c, ortCaseMs);
  std::string cleanup = "rm -rf " + tempDir;
  (void)std::system(cleanup.c_str());
  return 0;
}
