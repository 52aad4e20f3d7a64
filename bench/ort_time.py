#!/usr/bin/env python3
"""Times an ONNX model with ONNX Runtime (CPU) at one or more thread counts, for strata_bench.

Usage: python3 bench/ort_time.py MODEL.onnx NAME=SHAPE [NAME=SHAPE ...] [--threads 1,2]
                                 [--seconds S] [--runs R]
For each thread count (a session with intra_op_num_threads = T, sequential execution, all graph
optimizations) it runs 10 warm-up runs, then times runs for S seconds (at least 10, at most R)
and prints one line on stdout:
  threads=T min=MS median=MS runs=N version=ORT_VERSION
Inputs are float32, uniform in [-1, 1). Needs: pip install onnxruntime numpy
"""
import argparse, sys, time

try:
    import numpy as np
    import onnxruntime as ort
except ImportError as e:
    sys.exit(f"ort_time.py: {e.name} is not installed: pip install onnxruntime numpy")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('model')
    ap.add_argument('inputs', nargs='+', metavar='NAME=SHAPE', help='e.g. x=1,3,48,192')
    ap.add_argument('--threads', default='1', help='thread counts, e.g. 1,2')
    ap.add_argument('--seconds', type=float, default=1.0, help='timing budget per thread count')
    ap.add_argument('--runs', type=int, default=2000, help='at most this many timed runs')
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    feeds = {}
    for spec in a.inputs:
        name, dims = spec.rsplit('=', 1)
        feeds[name] = rng.uniform(-1, 1, [int(d) for d in dims.split(',')]).astype(np.float32)
    for threads in [int(t) for t in a.threads.split(',')]:
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        s = ort.InferenceSession(a.model, so, providers=['CPUExecutionProvider'])
        names = [o.name for o in s.get_outputs()]
        for _ in range(10):
            s.run(names, feeds)
        ms = []
        start = time.perf_counter()
        while len(ms) < a.runs:
            t0 = time.perf_counter()
            s.run(names, feeds)
            t1 = time.perf_counter()
            ms.append((t1 - t0) * 1e3)
            if len(ms) >= 10 and t1 - start > a.seconds:
                break
        ms.sort()
        print(f'threads={threads} min={ms[0]:.4f} median={ms[len(ms) // 2]:.4f} runs={len(ms)} '
              f'version={ort.__version__}', flush=True)
        del s


if __name__ == '__main__':
    main()
