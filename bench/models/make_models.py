#!/usr/bin/env python3
"""Writes the single-op ONNX models of strata_bench's reduction cases (opset 13).

Both Strata and ONNX Runtime (bench/ort_time.py) run these same files. Needs: pip install onnx
Usage: python3 bench/models/make_models.py   (writes next to this script)
"""
import os

import onnx
from onnx import TensorProto, helper

here = os.path.dirname(os.path.abspath(__file__))


def save(name, op, shape, out_shape, axes=None, **attrs):
    inputs = ['x']
    inits = []
    if axes is not None:
        inputs.append('axes')
        inits.append(helper.make_tensor('axes', TensorProto.INT64, [len(axes)], axes))
    node = helper.make_node(op, inputs, ['y'], **attrs)
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info('x', TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info('y', TensorProto.FLOAT, out_shape)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='strata-bench')
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(here, name + '.onnx'))


save('softmax_40x19000', 'Softmax', [40, 19000], [40, 19000], axis=-1)
save('reduce_sum_40x19000', 'ReduceSum', [40, 19000], [40], axes=[1], keepdims=0)
save('reduce_sum_8x1000000', 'ReduceSum', [8, 1000000], [8], axes=[1], keepdims=0)
save('reduce_sum_19000x40', 'ReduceSum', [19000, 40], [40], axes=[0], keepdims=0)
