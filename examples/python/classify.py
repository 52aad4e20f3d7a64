"""Compiles the PP-OCR text-direction classifier with Strata, runs it on an image-shaped array,
and compares with ONNX Runtime when it is installed.

    pip install .                      # from the repository, after tools/setup.sh
    python examples/python/classify.py [MODEL]
"""
import os
import sys
import time

import numpy as np

import strata

here = os.path.dirname(os.path.abspath(__file__))
model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "test", "models",
                                                           "ppocr_cls_mobilenetv3.onnx")

# The model has dynamic height and width; fix them as the classifier is used: 48 x 192 crops.
exe = strata.compile(model, input_shapes={"x": [1, 3, 48, 192]})
print(exe)

# An image-shaped input: a bright horizontal band on a dark page, normalized as PP-OCR does.
image = np.full((48, 192, 3), 30, np.uint8)
image[16:32, 8:184] = 220
x = ((image.astype(np.float32) / 255 - 0.5) / 0.5).transpose(2, 0, 1)[None].copy()

probs = exe(x)
print("strata:      ", probs.ravel(), "(0 degrees, 180 degrees)")

start = time.perf_counter()
for _ in range(20):
    exe(x)
print("strata:       %.3f ms per run" % ((time.perf_counter() - start) / 20 * 1e3))

try:
    import onnxruntime as ort
except ImportError:
    print("onnxruntime is not installed: no comparison (pip install onnxruntime)")
    sys.exit(0)
session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
expected = session.run(None, {"x": x})[0]
print("onnxruntime: ", expected.ravel())
diff = float(np.max(np.abs(probs - expected)))
print("max |difference| = %.2e" % diff)
sys.exit(0 if diff <= 1e-4 else 1)
