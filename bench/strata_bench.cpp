//===- strata_bench.cpp - Strata against its peers, as ratios -------------===//
//
// Usage (normally through bench/run.sh, which finds a Python with ONNX Runtime and unsets the
// OpenBLAS overrides of this environment):
//   strata_bench [--quick] [--threads 1,2] [--only LIST] [--python PY]
//   --threads   the thread counts every case runs at (default 1,2), one after the other
//   --only      a comma list of: peak, pool, sgemm, conv, models (= cls,det,rec,wake), cls, det,
//               rec, wake, reduce (default: all)
//   --python    a Python with onnxruntime and numpy; it runs bench/ort_time.py for the
//               ONNX Runtime peer (without it the models and reductions have no peer)
//   --quick     shorter timings (a quarter of the time budget, at least 3 runs), the same cases
//
// Cases (f32, batch 1; ratio = peer median / Strata median, > 1 means Strata is faster):
//   peak         the FMA peak of one core for the widest ISA of this CPU (AVX-512F or AVX2,
//                detected at run time): the runtime's strata_measure_peak_gflops (independent
//                FMA chains, the best of many short windows over 50 ms); also all threads
//                together. Every GFLOP/s is also printed as % of per-core peak x threads.
//   pool         the thread pool's cost per parallel kernel: back-to-back strata_parallel_for
//                calls of empty tasks, in microseconds per call
//   sgemm        n = 256, 512, 1024, 2048: Strata MatMul (both operands are inputs) vs
//                OpenBLAS cblas_sgemm (row-major); max |diff| between the two
//   conv         Conv+bias+Relu, NCHW: 3x3 64->64 @56 pad 1; 1x1 256->64 @56; 3x3 256->256 @14
//                pad 1; 7x7 stride 2 pad 3 3->64 @224 (a stem); depthwise 3x3 32ch @112 pad 1
//                vs oneDNN (formats chosen by oneDNN, reorders untimed). Strata's ratio uses the
//                time in its conv kernels (from the profile: the NCHW <-> NCHW{b} conversions
//                untimed likewise); "strata+layout" is the whole run with the conversions
//   models       cls 1x3x48x192, det 1x3x320x320, rec 1x3x48x320 (PP-OCR) and the wake-word
//                model 1x25x96 from test/models, vs ONNX Runtime (bench/ort_time.py, run as a
//                child process right after Strata's timing); also Strata's compile time, its
//                workspace (arena) and the sum of its intermediate tensors
//   reduce       Softmax over [40, 19000] (an OCR output layer), ReduceSum over [40, 19000],
//                [8, 10^6] (last axis) and [19000, 40] (first axis), from bench/models/*.onnx,
//                vs ONNX Runtime; max relative error vs float64
// Threads: Strata by strata::set_num_threads, OpenBLAS by openblas_set_num_threads, oneDNN
// (Debian's libdnnl runs on GNU OpenMP) by omp_set_num_threads, all per case in this process;
// ONNX Runtime by intra_op_num_threads. Every line names the ISA and the thread count. Times are
// min and median over many runs (after warm-up); ratios use medians measured in this same run
// (the machine may be shared, so absolute numbers are noisy). A summary table ends the output.
//
//===----------------------------------------------------------------------===//
#include "runtime/strata_runtime.h"
#include "strata/strata.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <dlfcn.h>
#include <unistd.h>

#ifdef STRATA_BENCH_OPENBLAS
#include <cblas.h>
#endif
#ifdef STRATA_BENCH_DNNL
#include <dnnl.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Timing {
  double minMs = 0, medianMs = 0;
  int runs = 0;
};

int minRuns = 5; // 3 with --quick

/// Runs fn until `seconds` have passed (at least minRuns, at most maxRuns times) after warmup.
/// Calls `sample` (one run, returning its milliseconds) twice to warm up, then until `seconds`
/// have passed (at least minRuns, at most maxRuns times); min and median of the samples.
Timing timeSamples(const std::function<double()> &sample, double seconds, int maxRuns = 2000) {
  sample();
  sample();
  std::vector<double> ms;
  auto start = Clock::now();
  while ((int)ms.size() < maxRuns) {
    ms.push_back(sample());
    if ((int)ms.size() >= minRuns &&
        std::chrono::duration<double>(Clock::now() - start).count() > seconds)
      break;
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2], (int)ms.size()};
}

/// Wall time of fn.
Timing timeIt(const std::function<void()> &fn, double seconds, int maxRuns = 2000) {
  return timeSamples([&] {
    auto t0 = Clock::now();
    fn();
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  }, seconds, maxRuns);
}

/// Like timeIt, but a sample is the time a profiled executable spent in its convolution kernels
/// during one run: the layout conversions around them are left out, as oneDNN's reorders are.
Timing timeConvKernels(const strata::Executable &exe, const std::function<void()> &fn,
                       double seconds) {
  auto convSeconds = [&] {
    double total = 0;
    for (const strata::KernelProfile &k : exe.profile())
      if (k.name.rfind("conv2d", 0) == 0)
        total += k.seconds;
    return total;
  };
  return timeSamples([&] {
    double before = convSeconds();
    fn();
    return (convSeconds() - before) * 1e3;
  }, seconds);
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
double seconds = 1.0; // timing budget per measurement
bool quick = false;
std::string python;   // runs bench/ort_time.py; empty: no ONNX Runtime peer

std::string writeModel(std::string name, const std::string &json) {
  for (char &c : name)
    if (!std::isalnum((unsigned char)c))
      c = '_';
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
                  std::map<std::string, std::vector<int64_t>> inputShapes = {},
                  bool profile = false) {
  strata::CompileOptions options; // threads are set per case (setThreads)
  options.input_shapes = std::move(inputShapes);
  options.profile = profile;
  auto t0 = Clock::now();
  auto r = strata::compile(path, options);
  double ms = msSince(t0);
  if (!r.ok()) {
    std::printf("  strata: compile failed: %s\n", r.error().c_str());
    return false;
  }
  if (compileMs)
    *compileMs = ms;
  exe = *r;
  return true;
}

/// A 64-byte aligned workspace for exe, so no run allocates.
struct Workspace {
  std::vector<char> bytes;
  void *ptr = nullptr;
  explicit Workspace(const strata::Executable &exe) : bytes(exe.workspace_size() + 64) {
    ptr = (void *)(((uintptr_t)bytes.data() + 63) & ~(uintptr_t)63);
  }
};

// ---- ISA, threads, FMA peak -------------------------------------------------------------------

std::string isa = "generic"; // the widest vector ISA of this CPU: avx512, avx2 or generic
double peakPerCore = 0;      // GFLOP/s of one core's FMA loop; 0 when not measured

/// Best GFLOP/s of `threads` threads each measuring the runtime's FMA loop at once (all of them
/// together; see strata_measure_peak_gflops, which keeps the best of many short windows).
double measurePeak(int threads) {
  std::vector<double> gflops(threads);
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t)
    workers.emplace_back([&, t] { gflops[t] = strata_measure_peak_gflops(); });
  gflops[0] = strata_measure_peak_gflops();
  for (auto &w : workers)
    w.join();
  double total = 0;
  for (double g : gflops)
    total += g;
  return total;
}

void setThreads(int n) {
  strata::set_num_threads(n);
#ifdef STRATA_BENCH_OPENBLAS
  openblas_set_num_threads(n);
#endif
#ifdef STRATA_BENCH_DNNL
  // Debian's libdnnl is built on GNU OpenMP (DNNL_CPU_RUNTIME_OMP); libgomp is loaded with it.
  static auto ompSet = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
  if (ompSet)
    ompSet(n);
#endif
}

/// After a multi-threaded peer: OpenBLAS's idle workers keep polling for a while (~0.1 s), which
/// would steal a core from the next Strata timing.
void settle(int threads) {
  if (threads > 1)
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
}

std::string tag(int threads) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s %dT", isa.c_str(), threads);
  return buf;
}

/// "  avx2 1T strata      min ... median ... GFLOP/s ... % peak [runs]"
void printRow(int threads, const char *what, const Timing &t, double gflop) {
  std::printf("  %-8s %-11s min %9.3f ms  median %9.3f ms", tag(threads).c_str(), what, t.minMs,
              t.medianMs);
  if (gflop > 0) {
    double gflops = gflop / (t.medianMs * 1e-3);
    std::printf("  %7.1f GFLOP/s", gflops);
    if (peakPerCore > 0)
      std::printf(" %5.1f%% peak", 100 * gflops / (peakPerCore * threads));
  }
  std::printf("  [%d runs]\n", t.runs);
}

void printRatio(int threads, const char *peer, double strataMs, double peerMs, const char *extra = "") {
  std::printf("  %-8s ratio strata/%s (speed, medians): %.2fx%s\n", tag(threads).c_str(), peer,
              peerMs / strataMs, extra);
}

// ---- summary ----------------------------------------------------------------------------------

struct SummaryRow {
  std::string name;
  int threads;
  double strataMs;
  std::string peer;
  double peerMs; // 0: no peer
  double gflop;  // 0: not a kernel with a flop count
};
std::vector<SummaryRow> summary;

void printSummary() {
  if (summary.empty())
    return;
  std::printf("\n== summary (%s; ratio = peer median / Strata median, > 1: Strata faster", isa.c_str());
  if (peakPerCore > 0)
    std::printf("; %%peak = GFLOP/s / (%.1f GFLOP/s per-core FMA peak x threads)", peakPerCore);
  std::printf(") ==\n");
  std::printf("%-24s %-8s %11s  %-11s %11s %7s %7s %7s\n", "case", "isa thr", "strata ms", "peer",
              "peer ms", "ratio", "%peak", "peer%pk");
  auto pct = [&](double gflop, double ms, int threads) {
    char buf[16] = "      -";
    if (gflop > 0 && ms > 0 && peakPerCore > 0)
      std::snprintf(buf, sizeof buf, "%6.1f%%", 100 * gflop / (ms * 1e-3) / (peakPerCore * threads));
    return std::string(buf);
  };
  for (const auto &r : summary) {
    char peerMs[16] = "          -", ratio[16] = "     -";
    if (r.peerMs > 0) {
      std::snprintf(peerMs, sizeof peerMs, "%11.3f", r.peerMs);
      std::snprintf(ratio, sizeof ratio, "%6.2fx", r.peerMs / r.strataMs);
    }
    std::printf("%-24s %-8s %11.3f  %-11s %11s %7s %7s %7s\n", r.name.c_str(),
                tag(r.threads).c_str(), r.strataMs, r.peerMs > 0 ? r.peer.c_str() : "-", peerMs,
                ratio, pct(r.gflop, r.strataMs, r.threads).c_str(),
                pct(r.gflop, r.peerMs, r.threads).c_str());
  }
}

// ---- ONNX Runtime (bench/ort_time.py in a child process) --------------------------------------

struct OrtTiming {
  Timing t;
  std::string version;
};

/// Times MODEL with ONNX Runtime at each thread count; an empty map when there is no Python or
/// the script fails (it says why on stderr).
std::map<int, OrtTiming> ortTime(const std::string &model, const std::string &inputs,
                                 const std::vector<int> &threads, bool fewRuns = false) {
  std::map<int, OrtTiming> out;
  if (python.empty())
    return out;
  std::string list;
  for (int t : threads)
    list += (list.empty() ? "" : ",") + std::to_string(t);
  char secs[32];
  std::snprintf(secs, sizeof secs, "%g", seconds * (fewRuns ? 1 : 2));
  std::string cmd = "'" + python + "' '" + STRATA_BENCH_DIR + "/ort_time.py' '" + model + "' '" +
                    inputs + "' --threads " + list + " --seconds " + secs;
  std::fflush(stdout);
  FILE *p = popen(cmd.c_str(), "r");
  if (!p)
    return out;
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    // threads=T min=MS median=MS runs=N version=V
    int t = 0, runs = 0;
    double mn = 0, med = 0;
    char version[64] = "?";
    if (std::sscanf(line, "threads=%d min=%lf median=%lf runs=%d version=%63s", &t, &mn, &med,
                    &runs, version) >= 4)
      out[t] = {{mn, med, runs}, version};
  }
  if (pclose(p) != 0)
    std::printf("  onnxruntime: bench/ort_time.py failed (see above)\n");
  return out;
}

void printOrt(int threads, const std::map<int, OrtTiming> &ort) {
  auto it = ort.find(threads);
  if (it == ort.end())
    return;
  std::string what = "ort " + it->second.version;
  printRow(threads, what.c_str(), it->second.t, 0);
}

void sayNoOrt() {
  if (python.empty())
    std::printf("  onnxruntime: not run (bench/run.sh passes --python when a Python with "
                "onnxruntime and numpy is found: pip install onnxruntime numpy)\n");
}

/// Prints ONNX Runtime's times next to Strata's (one per thread count) and adds the summary rows.
void compareWithOrt(const std::string &caseName, const std::vector<int> &threadCounts,
                    const std::vector<Timing> &strataTimes, const std::map<int, OrtTiming> &ort) {
  sayNoOrt();
  for (size_t i = 0; i < threadCounts.size(); ++i) {
    int threads = threadCounts[i];
    printOrt(threads, ort);
    auto it = ort.find(threads);
    double ortMs = it != ort.end() ? it->second.t.medianMs : 0;
    if (ortMs > 0)
      printRatio(threads, "onnxruntime", strataTimes[i].medianMs, ortMs);
    summary.push_back({caseName, threads, strataTimes[i].medianMs, "onnxruntime", ortMs, 0});
  }
}

// ---- sgemm ------------------------------------------------------------------------------------

void benchSgemm(int n, const std::vector<int> &threadCounts) {
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
  Workspace ws(exe);
  for (int threads : threadCounts) {
    setThreads(threads);
    Timing s = timeIt([&] { (void)exe.run(in, out, ws.ptr); }, seconds);
    printRow(threads, "strata", s, gflop);
    std::string name = "sgemm " + std::to_string(n);
#ifdef STRATA_BENCH_OPENBLAS
    auto blas = [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(),
                  n, 0.f, ref.data(), n);
    };
    Timing o = timeIt(blas, seconds);
    settle(threads);
    printRow(threads, "openblas", o, gflop);
    double maxErr = 0;
    for (size_t i = 0; i < c.size(); ++i)
      maxErr = std::max(maxErr, (double)std::fabs(c[i] - ref[i]));
    char extra[64];
    std::snprintf(extra, sizeof extra, "   max |diff| %.2g", maxErr);
    if (openblas_get_num_threads() != threads)
      std::printf("  note: OpenBLAS runs %d threads, not %d\n", openblas_get_num_threads(), threads);
    printRatio(threads, "openblas", s.medianMs, o.medianMs, extra);
    summary.push_back({name, threads, s.medianMs, "openblas", o.medianMs, gflop});
#else
    std::printf("  openblas: not built in (apt-get install libopenblas-dev, then re-run cmake)\n");
    summary.push_back({name, threads, s.medianMs, "", 0, gflop});
#endif
  }
}

// ---- conv -------------------------------------------------------------------------------------

struct ConvCase {
  const char *name;
  int C, K, H, W, R, pad, stride, groups;
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

/// oneDNN conv + bias + relu, formats chosen by the library; reorders outside the timing. A
/// grouped (depthwise) conv has 5-D weights [groups, K / groups, C / groups, R, R].
Timing onednnConv(const ConvCase &c, int OH, int OW, int threads) {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  DNNL_OK(dnnl_engine_create(&engine, dnnl_cpu, 0));
  DNNL_OK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
  int g = c.groups;
  dnnl_dims_t srcDims = {1, c.C, c.H, c.W}, biaDims = {c.K}, dstDims = {1, c.K, OH, OW};
  dnnl_dims_t weiDims = {c.K, c.C, c.R, c.R}, gWeiDims = {g, c.K / g, c.C / g, c.R, c.R};
  dnnl_dims_t strides = {c.stride, c.stride}, padL = {c.pad, c.pad}, padR = {c.pad, c.pad};
  dnnl_memory_desc_t src, wei, bia, dst;
  DNNL_OK(dnnl_memory_desc_init_by_tag(&src, 4, srcDims, dnnl_f32, dnnl_format_tag_any));
  if (g > 1)
    DNNL_OK(dnnl_memory_desc_init_by_tag(&wei, 5, gWeiDims, dnnl_f32, dnnl_format_tag_any));
  else
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
  static auto ompMax = (int (*)())dlsym(RTLD_DEFAULT, "omp_get_max_threads");
  int ompThreads = ompMax ? ompMax() : -1;
  std::printf("  %-8s (onednn implementation: %s, %d OpenMP threads)\n", tag(threads).c_str(),
              impl ? impl : "?", ompThreads);
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

void benchConv(const ConvCase &c, const std::vector<int> &threadCounts) {
  int OH = (c.H + 2 * c.pad - c.R) / c.stride + 1, OW = (c.W + 2 * c.pad - c.R) / c.stride + 1;
  double gflop = 2.0 * c.K * OH * OW * (double)(c.C / c.groups) * c.R * c.R * 1e-9;
  std::printf("conv %s: 1x%dx%dx%d -> %d channels, %dx%d kernel, pad %d, stride %d%s, + bias + "
              "relu (%.2f GFLOP)\n",
              c.name, c.C, c.H, c.W, c.K, c.R, c.R, c.pad, c.stride,
              c.groups > 1 ? (", groups " + std::to_string(c.groups)).c_str() : "", gflop);
  std::string p = std::to_string(c.pad), s = std::to_string(c.stride);
  std::string json =
      "{\"inputs\": [{\"name\": \"x\", \"shape\": " + shape({1, c.C, c.H, c.W}) +
      "}], \"outputs\": [\"y\"], \"initializers\": {\"w\": {\"shape\": " +
      shape({c.K, c.C / c.groups, c.R, c.R}) +
      ", \"random\": {\"seed\": 1, \"min\": -0.1, \"max\": 0.1}}, " + "\"b\": {\"shape\": " +
      shape({c.K}) + ", \"random\": {\"seed\": 2}}}, \"nodes\": [" +
      "{\"op\": \"Conv\", \"inputs\": [\"x\", \"w\", \"b\"], \"outputs\": [\"c\"], \"attrs\": " +
      "{\"group\": " + std::to_string(c.groups) + ", \"pads\": [" + p + ", " + p + ", " + p +
      ", " + p + "], \"strides\": [" + s + ", " + s +
      "]}}, {\"op\": \"Relu\", \"inputs\": [\"c\"], \"outputs\": [\"y\"]}]}";
  strata::Executable exe;
  if (!compileOrSay(writeModel(std::string("conv_") + c.name, json), exe, nullptr, {}, true))
    return;
  std::vector<float> x = randomVector((size_t)c.C * c.H * c.W, 4), y((size_t)c.K * OH * OW);
  const void *in[] = {x.data()};
  void *out[] = {y.data()};
  Workspace ws(exe);
  for (int threads : threadCounts) {
    setThreads(threads);
    Timing whole = timeIt([&] { (void)exe.run(in, out, ws.ptr); }, seconds);
    printRow(threads, "strata+layout", whole, gflop);
    Timing t = timeConvKernels(exe, [&] { (void)exe.run(in, out, ws.ptr); }, seconds);
    printRow(threads, "strata", t, gflop);
    std::string name = std::string("conv ") + c.name;
#ifdef STRATA_BENCH_DNNL
    Timing o = onednnConv(c, OH, OW, threads);
    settle(threads);
    if (o.runs) {
      printRow(threads, "onednn", o, gflop);
      printRatio(threads, "onednn", t.medianMs, o.medianMs);
    }
    summary.push_back({name, threads, t.medianMs, "onednn", o.runs ? o.medianMs : 0, gflop});
#else
    std::printf("  onednn: not built in (apt-get install libdnnl-dev, then re-run cmake)\n");
    summary.push_back({name, threads, t.medianMs, "", 0, gflop});
#endif
  }
}

// ---- models -----------------------------------------------------------------------------------

struct ModelCase {
  const char *name, *file; // test/models/<file>
  const char *input;       // its one input
  std::vector<int64_t> shape;
  bool dynamic;            // the input has dynamic dimensions: fix them at compile time
};

std::string bytesStr(double bytes) {
  char buf[32];
  if (bytes >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2f MB", bytes / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.1f KB", bytes / 1e3);
  return buf;
}

void benchModel(const ModelCase &m, const std::vector<int> &threadCounts) {
  std::string path = std::string(STRATA_BENCH_MODELS_DIR) + "/" + m.file;
  std::string dims, ortDims;
  for (int64_t d : m.shape) {
    dims += (dims.empty() ? "" : "x") + std::to_string(d);
    ortDims += (ortDims.empty() ? "" : ",") + std::to_string(d);
  }
  std::printf("model %s: %s, %s = %s\n", m.name, m.file, m.input, dims.c_str());
  strata::Executable exe;
  double compileMs = 0;
  std::map<std::string, std::vector<int64_t>> shapes;
  if (m.dynamic)
    shapes[m.input] = m.shape;
  if (!compileOrSay(path, exe, &compileMs, shapes))
    return;
  double arena = exe.workspace_size(), tensors = exe.intermediate_bytes();
  std::printf("  compile (import + optimize + codegen + JIT): %.0f ms; workspace (arena) %s for "
              "%s of intermediate tensors (%.0f%%)\n",
              compileMs, bytesStr(arena).c_str(), bytesStr(tensors).c_str(),
              tensors > 0 ? 100 * arena / tensors : 0.0);
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
  Workspace ws(exe);
  std::vector<Timing> strataTimes;
  for (int threads : threadCounts) {
    setThreads(threads);
    strataTimes.push_back(timeIt([&] { (void)exe.run(inPtrs, outPtrs, ws.ptr); }, seconds * 2));
    printRow(threads, "strata", strataTimes.back(), 0);
  }
  auto ort = ortTime(path, std::string(m.input) + "=" + ortDims, threadCounts);
  compareWithOrt(std::string("model ") + m.name, threadCounts, strataTimes, ort);
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

void benchReduce(const ReduceCase &c, const std::vector<int> &threadCounts) {
  std::string path = std::string(STRATA_BENCH_DIR) + "/models/" + c.name + ".onnx";
  std::printf("%s (%s)\n", c.name, path.c_str());
  strata::Executable exe;
  if (!compileOrSay(path, exe))
    return;
  std::vector<float> x = reduceInput(c), y(exe.outputs()[0].num_elements());
  const void *in[] = {x.data()};
  void *out[] = {y.data()};
  Workspace ws(exe);
  std::vector<Timing> strataTimes;
  for (int threads : threadCounts) {
    setThreads(threads);
    Timing t = timeIt([&] { (void)exe.run(in, out, ws.ptr); }, seconds);
    strataTimes.push_back(t);
    printRow(threads, "strata", t, 0);
    std::printf("  %-8s %.1f GB/s read (median); max relative error vs float64 %.2g\n",
                tag(threads).c_str(), x.size() * 4e-9 / (t.medianMs * 1e-3), reduceError(c, x, y));
  }
  // The model's input shape is in its name (NAME_AxB.onnx).
  std::string name = c.name, shapeStr = name.substr(name.rfind('_') + 1);
  std::replace(shapeStr.begin(), shapeStr.end(), 'x', ',');
  auto ort = ortTime(path, "x=" + shapeStr, threadCounts, /*fewRuns=*/true);
  compareWithOrt(c.name, threadCounts, strataTimes, ort);
}

const char *kUsage =
    "usage: strata_bench [--quick] [--threads 1,2] [--python PY]\n"
    "                    [--only peak,pool,sgemm,conv,models,cls,det,rec,wake,reduce]\n";

std::vector<std::string> splitCommas(const std::string &s) {
  std::vector<std::string> parts;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, ',');)
    if (!part.empty())
      parts.push_back(part);
  return parts;
}

} // namespace

// ---- thread pool overhead -------------------------------------------------------------------

int emptyTask(int32_t task, void *closure) {
  static_cast<std::atomic<int> *>(closure)[task % 2].fetch_add(1, std::memory_order_relaxed);
  return 0;
}

/// What one parallel kernel pays for the pool: back-to-back strata_parallel_for calls of 2x
/// threads empty tasks, as a kernel launches them (so the workers are awake, spinning).
void benchPool(const std::vector<int> &threadCounts) {
  std::printf("thread pool: back-to-back strata_parallel_for calls of empty tasks\n");
  std::atomic<int> counters[2] = {0, 0};
  constexpr int kCalls = 1000;
  for (int t : threadCounts) {
    setThreads(t);
    Timing timing = timeIt(
        [&] {
          for (int i = 0; i < kCalls; ++i)
            strata_parallel_for(emptyTask, counters, 2 * t);
        },
        seconds / 2);
    std::printf("  %-8s %.2f us per parallel kernel (min %.2f)\n", tag(t).c_str(),
                timing.medianMs * 1000 / kCalls, timing.minMs * 1000 / kCalls);
  }
}

int main(int argc, char **argv) {
  std::set<std::string> only;
  std::vector<int> threadCounts = {1, 2};
  const std::set<std::string> known = {"peak", "pool", "sgemm", "conv",  "models",
                                       "cls",  "det",  "rec",   "wake", "reduce"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--only" && i + 1 < argc) {
      for (const std::string &w : splitCommas(argv[++i])) {
        if (!known.count(w)) {
          std::fprintf(stderr, "strata_bench: unknown case '%s'\n%s", w.c_str(), kUsage);
          return 2;
        }
        only.insert(w);
      }
    } else if (a == "--threads" && i + 1 < argc) {
      threadCounts.clear();
      for (const std::string &w : splitCommas(argv[++i])) {
        int n = std::atoi(w.c_str());
        if (n < 1 || n > 256) {
          std::fprintf(stderr, "strata_bench: bad thread count '%s'\n%s", w.c_str(), kUsage);
          return 2;
        }
        threadCounts.push_back(n);
      }
      if (threadCounts.empty()) {
        std::fprintf(stderr, "%s", kUsage);
        return 2;
      }
    } else if (a == "--python" && i + 1 < argc)
      python = argv[++i];
    else if (a == "--quick")
      quick = true;
    else {
      std::fprintf(stderr, "%s", kUsage);
      return 2;
    }
  }
  auto want = [&](const char *what) {
    if (only.empty() || only.count(what))
      return true;
    std::string w = what;
    return only.count("models") && (w == "cls" || w == "det" || w == "rec" || w == "wake");
  };
  if (quick) {
    seconds = 0.25;
    minRuns = 3;
  }
  char tmpl[] = "/tmp/strata_bench.XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  tempDir = tmpl;

  if (__builtin_cpu_supports("avx512f"))
    isa = "avx512";
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    isa = "avx2";
  unsigned cores = std::thread::hardware_concurrency();
  std::string list;
  for (int t : threadCounts)
    list += (list.empty() ? "" : ", ") + std::to_string(t);
  std::printf("Strata benchmark: ISA %s (widest on this CPU; Strata compiles for the host), "
              "%u cores, thread counts %s%s; ratio > 1 means Strata is faster.\n",
              isa.c_str(), cores, list.c_str(), quick ? " (--quick)" : "");
  for (int t : threadCounts)
    if ((unsigned)t > cores)
      std::printf("note: %d threads on %u cores: oversubscribed\n", t, cores);
#ifdef STRATA_BENCH_OPENBLAS
  std::printf("peers: OpenBLAS (%s, core %s)", openblas_get_config(), openblas_get_corename());
#else
  std::printf("peers: OpenBLAS not built in");
#endif
#ifdef STRATA_BENCH_DNNL
  const dnnl_version_t *v = dnnl_version();
  std::printf(", oneDNN %d.%d.%d (%s)", v->major, v->minor, v->patch,
              v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other threading");
#else
  std::printf(", oneDNN not built in");
#endif
  std::printf(", ONNX Runtime %s\n", python.empty() ? "not available" : "through bench/ort_time.py");
#ifdef STRATA_BENCH_OPENBLAS
  if (std::getenv("OPENBLAS_CORETYPE") || std::getenv("OPENBLAS_L2_SIZE"))
    std::printf("note: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set; OpenBLAS may run a slower "
                "kernel (bench/run.sh unsets them)\n");
#endif

  bool kernels = want("peak") || want("sgemm") || want("conv");
  if (kernels) {
    if (isa == "generic") {
      std::printf("FMA peak: this CPU has neither AVX-512F nor AVX2+FMA; %% of peak not printed\n");
    } else {
      peakPerCore = measurePeak(1);
      std::printf("FMA peak (%s, the runtime's strata_measure_peak_gflops): %.1f GFLOP/s per core",
                  isa.c_str(), peakPerCore);
      for (int t : threadCounts)
        if (t > 1)
          std::printf("; %d threads together %.1f GFLOP/s", t, measurePeak(t));
      std::printf("\n  %% peak below = GFLOP/s / (per-core peak x threads)\n");
    }
  }
  if (want("pool"))
    benchPool(threadCounts);
  if (want("sgemm"))
    for (int n : {256, 512, 1024, 2048})
      benchSgemm(n, threadCounts);
  if (want("conv"))
    for (const ConvCase &c : {ConvCase{"3x3 64->64 @56", 64, 64, 56, 56, 3, 1, 1, 1},
                              ConvCase{"1x1 256->64 @56", 256, 64, 56, 56, 1, 0, 1, 1},
                              ConvCase{"3x3 256->256 @14", 256, 256, 14, 14, 3, 1, 1, 1},
                              ConvCase{"7x7/2 3->64 @224", 3, 64, 224, 224, 7, 3, 2, 1},
                              ConvCase{"dw3x3 32ch @112", 32, 32, 112, 112, 3, 1, 1, 32}})
      benchConv(c, threadCounts);
  for (const ModelCase &m :
       {ModelCase{"cls", "ppocr_cls_mobilenetv3.onnx", "x", {1, 3, 48, 192}, true},
        ModelCase{"det", "ppocr_v4_det.onnx", "x", {1, 3, 320, 320}, true},
        ModelCase{"rec", "ppocr_v4_rec.onnx", "x", {1, 3, 48, 320}, true},
        ModelCase{"wake", "wakeword_hello_deepa.onnx", "onnx::Flatten_0", {1, 25, 96}, false}})
    if (want(m.name))
      benchModel(m, threadCounts);
  if (want("reduce"))
    for (const ReduceCase &c : {ReduceCase{"softmax_40x19000", 40, 19000, 1, true},
                                ReduceCase{"reduce_sum_40x19000", 40, 19000, 1, false},
                                ReduceCase{"reduce_sum_8x1000000", 8, 1000000, 1, false},
                                ReduceCase{"reduce_sum_19000x40", 1, 19000, 40, false}})
      benchReduce(c, threadCounts);
  printSummary();
  std::string cleanup = "rm -rf " + tempDir;
  (void)std::system(cleanup.c_str());
  return 0;
}
