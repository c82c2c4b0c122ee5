"""Runs an ONNX model in OpenCV's DNN module (Debian's python3-opencv) on one input tensor.

    opencv_dnn_run.py <model.onnx> <input.bin> <N,C,H,W> <out_dir>

input.bin holds float32 values, NCHW, little-endian. Writes <out_dir>/<output>.bin (float32, NCHW)
for every output of the graph and prints one JSON line: {"outputs": {name: shape}, "opencv": version}.
Used by tests/onnx/parity.test.mjs; OpenCV's own warnings go to stderr, which the test checks.
"""
import json
import os
import sys

import cv2
import numpy as np


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    model, input_path, shape_text, out_dir = argv[1:]
    shape = [int(v) for v in shape_text.split(",")]
    tensor = np.fromfile(input_path, dtype="<f4").reshape(shape)
    net = cv2.dnn.readNetFromONNX(model)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    net.setInput(tensor)
    names = list(net.getUnconnectedOutLayersNames())
    outputs = net.forward(names)
    shapes = {}
    for name, value in zip(names, outputs):
        value = np.ascontiguousarray(value, dtype="<f4")
        value.tofile(os.path.join(out_dir, name + ".bin"))
        shapes[name] = list(value.shape)
    print(json.dumps({"outputs": shapes, "opencv": cv2.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
