#!/usr/bin/python3
"""Draws YOLO labels on their frames for checking by eye: numbered boxes with their pixel corners and
a 50-px grid with labelled lines, so a wrong box can be corrected by reading coordinates off the grid.

Usage: scripts/street_review.py IMAGES_DIR LABELS_DIR OUT_DIR [--scale 1.5]
Writes OUT_DIR/<name>.png for every image that has a label file (or none: then no boxes).
"""
import argparse
import os

import cv2


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("images")
    parser.add_argument("labels")
    parser.add_argument("out")
    parser.add_argument("--scale", type=float, default=1.5, help="enlarge the frame for reading")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in sorted(os.listdir(args.images)):
        stem = os.path.splitext(name)[0]
        image = cv2.imread(os.path.join(args.images, name))
        if image is None:
            continue
        h, w = image.shape[:2]
        s = args.scale
        view = cv2.resize(image, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
        for x in range(0, w, 50):
            cv2.line(view, (int(x * s), 0), (int(x * s), int(h * s)), (200, 200, 200) if x % 100 else (255, 255, 0), 1)
            cv2.putText(view, str(x), (int(x * s) + 2, 12), 0, 0.4, (255, 255, 0), 1)
        for y in range(0, h, 50):
            cv2.line(view, (0, int(y * s)), (int(w * s), int(y * s)), (200, 200, 200) if y % 100 else (255, 255, 0), 1)
            cv2.putText(view, str(y), (2, int(y * s) - 2), 0, 0.4, (255, 255, 0), 1)
        path = os.path.join(args.labels, stem + ".txt")
        rows = open(path).read().split("\n") if os.path.exists(path) else []
        n = 0
        for row in rows:
            v = row.split()
            if len(v) != 5:
                continue
            cx, cy, bw, bh = (float(t) for t in v[1:])
            x0, y0, x1, y1 = (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h
            cv2.rectangle(view, (int(x0 * s), int(y0 * s)), (int(x1 * s), int(y1 * s)), (0, 0, 255), 1)
            cv2.putText(view, f"{n}:{x0:.0f},{y0:.0f},{x1:.0f},{y1:.0f}", (int(x0 * s), int(y0 * s) - 3), 0, 0.4,
                        (0, 0, 255), 1)
            n += 1
        cv2.putText(view, f"{stem}: {n} boxes", (10, int(h * s) - 10), 0, 0.6, (0, 0, 255), 2)
        cv2.imwrite(os.path.join(args.out, stem + ".png"), view)


if __name__ == "__main__":
    main()
