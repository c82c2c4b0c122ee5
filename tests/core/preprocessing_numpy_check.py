"""The model input, reproduced bit for bit in numpy from the description in core's image_input.h.

    preprocessing_numpy_check.py <model_input_dump> [work_dir]

An independent reimplementation (numpy float32 arrays, written from the header's words, not from the
C++): for random images of several sizes (enlarged, shrunk, already the input size, a 1x1 image,
non-square inputs, BGR planes, other mean/std) it writes a PNG (OpenCV, lossless), runs core's
make_model_input through model_input_dump, and requires every value to be bit-identical and the
letterbox geometry equal. Exit status 0 when all cases agree.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

F = np.float32


def letterbox(width, height, input_width, input_height):
    scale = min(F(input_width) / F(width), F(input_height) / F(height))

    def fit(size, limit):
        # lround (half away from zero) of the float product; the value is positive and exact in double.
        return min(max(int(math.floor(float(F(size) * scale) + 0.5)), 1), limit)

    resized_width, resized_height = fit(width, input_width), fit(height, input_height)
    return {"scale": float(scale), "resized_width": resized_width, "resized_height": resized_height,
            "pad_left": (input_width - resized_width) // 2, "pad_top": (input_height - resized_height) // 2}


def taps(source, target):
    """Per output index: left tap, right tap and weight of the right one (half-pixel centres)."""
    step = F(source) / F(target)
    f = (np.arange(target, dtype=F) + F(0.5)) * step - F(0.5)
    f = np.clip(f, F(0), F(source - 1)).astype(F)
    lo = f.astype(np.int64)  # f >= 0: truncation is floor
    hi = np.minimum(lo + 1, source - 1)
    return lo, hi, (f - lo.astype(F)).astype(F)


def resize_to_bytes(rgb, width, height):
    """Bilinear resize of an H x W x 3 uint8 image, horizontal pass first, rounded to bytes at the end."""
    xlo, xhi, wx = taps(rgb.shape[1], width)
    ylo, yhi, wy = taps(rgb.shape[0], height)
    pixels = rgb.astype(F)
    a, b = pixels[:, xlo, :], pixels[:, xhi, :]
    rows = a + (b - a) * wx[None, :, None]
    top, bottom = rows[ylo], rows[yhi]
    blended = np.minimum(top + (bottom - top) * wy[:, None, None] + F(0.5), F(255))
    return blended.astype(np.int32)  # non-negative: truncation, i.e. round half up


def model_input(rgb, input_width, input_height, mean, std, bgr):
    geometry = letterbox(rgb.shape[1], rgb.shape[0], input_width, input_height)
    rw, rh = geometry["resized_width"], geometry["resized_height"]
    if (rw, rh) == (rgb.shape[1], rgb.shape[0]):
        resized = rgb.astype(np.int32)
    else:
        resized = resize_to_bytes(rgb, rw, rh)
    scale = F(1) / (F(255) * np.array(std, dtype=F))
    offset = np.array(mean, dtype=F) / np.array(std, dtype=F)
    out = np.zeros((3, input_height, input_width), dtype=F)
    left, top = geometry["pad_left"], geometry["pad_top"]
    for colour in range(3):
        plane = 2 - colour if bgr else colour
        out[plane, top:top + rh, left:left + rw] = resized[:, :, colour].astype(F) * scale[colour] - offset[colour]
    return out, geometry


CASES = [
    # (image width, height, input width, height, order, mean, std)
    (37, 23, 128, 128, "rgb", (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    (500, 300, 128, 128, "rgb", (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    (128, 128, 128, 128, "rgb", (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    (300, 500, 160, 96, "rgb", (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    (1, 1, 64, 64, "rgb", (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    (641, 479, 320, 320, "bgr", (0.5, 0.5, 0.5), (0.25, 0.5, 1.0)),
    (97, 203, 320, 320, "bgr", (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
]


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    dump = argv[1]
    work = argv[2] if len(argv) > 2 else tempfile.mkdtemp(prefix="deadzone-preprocessing-")
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(20261201)
    failures = 0
    for k, (w, h, iw, ih, order, mean, std) in enumerate(CASES):
        rgb = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        rgb[: h // 2, : w // 3] = (255, 0, 17)  # flat areas and extremes as well as noise
        png, tensor = os.path.join(work, f"case{k}.png"), os.path.join(work, f"case{k}.bin")
        if not cv2.imwrite(png, rgb[:, :, ::-1]):
            raise RuntimeError("cannot write " + png)
        run = subprocess.run([dump, png, str(iw), str(ih), order, ",".join(map(repr, mean)), ",".join(map(repr, std)), tensor],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(f"case {k}: model_input_dump failed: {run.stderr}")
            failures += 1
            continue
        core = np.fromfile(tensor, dtype="<f4").reshape(3, ih, iw)
        expected, geometry = model_input(rgb, iw, ih, mean, std, order == "bgr")
        core_geometry = json.loads(run.stdout)
        differing = int(np.count_nonzero(core.view(np.uint32) != expected.view(np.uint32)))
        # scale is printed with 9 significant digits, which identify a float32 exactly
        same_geometry = all((F(core_geometry[key]) == F(geometry[key])) if key == "scale" else core_geometry[key] == geometry[key]
                            for key in geometry)
        verdict = "ok" if differing == 0 and same_geometry else "DIFFERENT"
        print(f"case {k}: {w}x{h} -> {iw}x{ih} {order}: {differing} of {core.size} values differ, "
              f"geometry {'equal' if same_geometry else f'{core_geometry} vs {geometry}'}: {verdict}")
        if verdict != "ok":
            failures += 1
            if differing:
                index = np.unravel_index(np.argmax(core.view(np.uint32) != expected.view(np.uint32)), core.shape)
                print(f"  first at plane/y/x {tuple(int(i) for i in index)}: core {core[index]!r}, numpy {expected[index]!r}")
    print(f"{len(CASES) - failures} of {len(CASES)} cases bit-identical")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
