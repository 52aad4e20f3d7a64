#!/usr/bin/env python3
"""Times an ONNX model with ONNX Runtime (CPU, one thread by default) for bench/run.sh.

Usage: python3 bench/ort_time.py MODEL.onnx NAME=SHAPE [NAME=SHAPE ...] [--threads N] [--runs R]
Prints a human-readable line on stderr and the median latency in ms (just the number) on stdout.
Needs: pip install onnxruntime numpy
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
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--runs', type=int, default=300)
    a = ap.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    s = ort.InferenceSession(a.model, so, providers=['CPUExecutionProvider'])
    rng = np.random.default_rng(0)
    feeds = {}
    for spec in a.inputs:
        name, dims = spec.split('=')
        feeds[name] = rng.uniform(-1, 1, [int(d) for d in dims.split(',')]).astype(np.float32)
    names = [o.name for o in s.get_outputs()]
    for _ in range(20):
        s.run(names, feeds)
    ms = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        s.run(names, feeds)
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    print(f'onnxruntime {ort.__version__}, {a.threads} thread(s): min {ms[0]:.3f} ms, '
          f'median {ms[len(ms) // 2]:.3f} ms over {a.runs} runs', file=sys.stderr)
    print(f'{ms[len(ms) // 2]:.4f}')


if __name__ == '__main__':
    main()
