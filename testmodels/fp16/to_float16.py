# A float16 copy of a float32 ONNX model, as a "cast the whole model to fp16" export makes it: every float
# initializer, Constant value, graph input/output and value_info becomes float16; Cast-to-float casts to float16.
# Usage: python3 to_float16.py IN.onnx OUT.onnx   (needs Debian's python3-onnx)
import sys

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper


def narrow(t):
    return numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), t.name)


def main(src, dst):
    m = onnx.load(src)
    g = m.graph
    for i, t in enumerate(g.initializer):
        if t.data_type == TensorProto.FLOAT:
            g.initializer[i].CopyFrom(narrow(t))
    for n in g.node:
        for a in n.attribute:
            if n.op_type == "Constant" and a.name == "value" and a.t.data_type == TensorProto.FLOAT:
                a.t.CopyFrom(narrow(a.t))
            if n.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT:
                a.i = TensorProto.FLOAT16
    for v in list(g.input) + list(g.output) + list(g.value_info):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    onnx.save(m, dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
