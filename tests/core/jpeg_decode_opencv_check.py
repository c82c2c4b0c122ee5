"""core's JPEG pixels against OpenCV's (Debian's python3-opencv: libjpeg-turbo), byte for byte.

    jpeg_decode_opencv_check.py <model_input_dump> <work_dir> [extra.jpg ...]

Writes JPEGs with OpenCV (colour 4:2:0 at several qualities, progressive, greyscale; odd sizes so
that partial MCUs and chroma edges are exercised), decodes each with core (model_input_dump
--pixels) and with cv2.imread, and requires identical pixels. Extra files (e.g. a phone photo with
EXIF orientation) are compared the same way: cv2.imread applies the orientation as core does.
Exit status 0 when every file agrees.
"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np


def test_images(rng):
    h, w = 203, 157
    y, x = np.mgrid[0:h, 0:w]
    smooth = np.stack([(x * 255 // w), (y * 255 // h), ((x + y) * 255 // (w + h))], axis=-1).astype(np.uint8)
    noise = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    mixed = smooth.copy()
    mixed[h // 3: 2 * h // 3, w // 4: 3 * w // 4] = noise[h // 3: 2 * h // 3, w // 4: 3 * w // 4]
    mixed[:20, :20] = (255, 0, 0)  # saturated colours: chroma upsampling at a sharp edge
    return [
        ("colour_q95", mixed, [cv2.IMWRITE_JPEG_QUALITY, 95]),
        ("colour_q30", mixed, [cv2.IMWRITE_JPEG_QUALITY, 30]),
        ("colour_progressive", mixed, [cv2.IMWRITE_JPEG_QUALITY, 85, cv2.IMWRITE_JPEG_PROGRESSIVE, 1]),
        ("colour_odd_37x23", noise[:23, :37], [cv2.IMWRITE_JPEG_QUALITY, 90]),
        ("colour_1x1", noise[:1, :1], [cv2.IMWRITE_JPEG_QUALITY, 90]),
        ("grey", mixed[:, :, 1], [cv2.IMWRITE_JPEG_QUALITY, 90]),
    ]


def compare(dump, path, work, label):
    out = os.path.join(work, label + ".rgb")
    run = subprocess.run([dump, "--pixels", path, out], capture_output=True, text=True)
    if run.returncode != 0:
        print(f"{label}: core failed: {run.stderr.strip()}")
        return False
    size = json.loads(run.stdout)
    core = np.fromfile(out, dtype=np.uint8).reshape(size["height"], size["width"], 3)
    opencv = cv2.imread(path, cv2.IMREAD_COLOR)
    if opencv is None:
        print(f"{label}: OpenCV cannot read {path}")
        return False
    opencv = opencv[:, :, ::-1]  # BGR -> RGB
    if core.shape != opencv.shape:
        print(f"{label}: core {core.shape}, OpenCV {opencv.shape}: DIFFERENT")
        return False
    diff = np.abs(core.astype(int) - opencv.astype(int))
    differing = int(np.count_nonzero(diff))
    print(f"{label}: {core.shape[1]}x{core.shape[0]}, {differing} of {core.size} bytes differ (max {int(diff.max())}): "
          f"{'ok' if differing == 0 else 'DIFFERENT'}")
    return differing == 0


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    dump, work = argv[1], argv[2]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(20261201)
    results = []
    for label, pixels, params in test_images(rng):
        path = os.path.join(work, label + ".jpg")
        bgr = pixels[:, :, ::-1] if pixels.ndim == 3 else pixels
        if not cv2.imwrite(path, np.ascontiguousarray(bgr), params):
            raise RuntimeError("cannot write " + path)
        results.append(compare(dump, path, work, label))
    for extra in argv[3:]:
        results.append(compare(dump, extra, work, os.path.basename(extra)))
    print(f"{sum(results)} of {len(results)} JPEGs decode to OpenCV's pixels")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
