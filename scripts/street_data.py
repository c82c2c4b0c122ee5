#!/usr/bin/python3
"""Street footage data set: OpenCV's vtest.avi labelled automatically, as a YOLO folder.

Reads the video (Debian opencv-doc's examples/data/vtest.avi: 795 frames, 768x576, 10 fps, one fixed
camera) and writes

    OUT/images/{train,val}/vtest-NNNNNN.jpg   every --every-th frame, split by time
    OUT/labels/{train,val}/vtest-NNNNNN.txt   YOLO rows "0 cx cy w h" (normalised), automatic
    OUT/checked/images/vtest-NNNNNN.jpg       the frames of the hand-checked evaluation set
    OUT/checked/labels/                       their labels, copied from --checked (hand-checked)
    OUT/data.yaml                             names: [person]
    OUT/summary.json                          frame ranges, counts and the labeller's settings

The automatic labels (noisy: they miss people and keep some false ones; say so wherever they are
used) come from three steps:
  1. OpenCV's HOG people detector (Dalal & Triggs 2005, cv::HOGDescriptor's default people SVM) at
     two image scales (1.0 and 1.5: the upscaled pass finds the distant people the 64x128 window
     misses), merged by non-maximum suppression.
  2. Tightening by motion: the camera is fixed, so the per-pixel median of the video is the empty
     street. A HOG window is about twice as wide as the person in it; each box is shrunk to the
     foreground pixels (|frame - background| large) inside it, and a box with almost no foreground is
     dropped unless HOG is confident (a person standing still long enough to be in the median).
  3. Temporal consistency: boxes are linked across neighbouring labelled frames into tracks (IoU);
     tracks seen in fewer than --min-track frames are dropped (flickering false positives) and gaps
     of up to --max-gap frames inside a track are filled by linear interpolation.

Usage: scripts/street_data.py --video vtest.avi --out DIR [--checked DIR] [--every 2]
       [--train-end 550] [--val-start 600] [--jobs 2]
Time on the 2-core machine: see the README (Real street footage).
"""
import argparse
import json
import multiprocessing
import os
import re
import shutil
import sys
import time

import cv2
import numpy as np

HOG_SCALES = (1.0, 1.5)
HOG_MIN_WEIGHT = 0.3        # SVM margin below which a window is not kept
HOG_CONFIDENT = 1.0         # margin above which a box is kept without foreground
NMS_IOU = 0.4
FG_THRESHOLD = 30           # grey-level difference from the background that counts as foreground
FG_MIN_FRACTION = 0.08      # fraction of foreground pixels a box needs to be a moving person
TRACK_IOU = 0.3
MIN_HEIGHT = 24             # px: shorter boxes are noise at this camera's distance


def read_frames(path):
    """All frames of the video as BGR uint8 arrays [576, 768, 3]; exits with a message on failure."""
    if not os.path.isfile(path):
        sys.exit(f"street_data: cannot open video {path}: no such file")
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        sys.exit(f"street_data: cannot open video {path}")
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    if not frames:
        sys.exit(f"street_data: no frame could be decoded from {path}")
    return frames


def iou(a, b):
    """Intersection over union of two boxes (x0, y0, x1, y1) in pixels; 0 when either is empty."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def hog_people(frame):
    """HOG people detections of one frame: list of ((x0, y0, x1, y1) px, svm weight), after NMS."""
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    boxes, weights = [], []
    for s in HOG_SCALES:
        image = frame if s == 1.0 else cv2.resize(frame, None, fx=s, fy=s, interpolation=cv2.INTER_LINEAR)
        rects, w = hog.detectMultiScale(image, winStride=(4, 4), padding=(8, 8), scale=1.05)
        for (x, y, ww, hh), wt in zip(rects, np.asarray(w).ravel()):
            if wt >= HOG_MIN_WEIGHT:
                boxes.append([x / s, y / s, ww / s, hh / s])
                weights.append(float(wt))
    if not boxes:
        return []
    keep = cv2.dnn.NMSBoxes(boxes, weights, HOG_MIN_WEIGHT, NMS_IOU)
    return [((b[0], b[1], b[0] + b[2], b[1] + b[3]), weights[i]) for i in np.asarray(keep).ravel() for b in [boxes[i]]]


def foreground_mask(frame, background):
    """Moving pixels: |grey(frame) - grey(background)| > FG_THRESHOLD, opened and closed (uint8 0/1)."""
    diff = cv2.absdiff(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), background)
    mask = (diff > FG_THRESHOLD).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 9)))


def tighten(box, weight, mask):
    """Shrinks a HOG window to the foreground blob(s) under its centre; None when it is not a person.

    HOG's 64x128 window puts a person in its middle ~50% x 80%; the foreground inside the window,
    limited to the connected components that reach the window's central strip (not a neighbour
    walking past), gives the person's extent. A still person (no foreground) keeps the window's
    central part when HOG is confident.
    """
    h, w = mask.shape
    x0, y0, x1, y1 = [int(round(v)) for v in box]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 8 or y1 - y0 < 16:
        return None
    crop = mask[y0:y1, x0:x1]
    if crop.mean() < FG_MIN_FRACTION:
        if weight < HOG_CONFIDENT:
            return None
        bw, bh = x1 - x0, y1 - y0
        return (x0 + 0.22 * bw, y0 + 0.08 * bh, x1 - 0.22 * bw, y1 - 0.06 * bh)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(crop, connectivity=8)
    strip = labels[:, int(0.35 * crop.shape[1]):int(0.65 * crop.shape[1]) + 1]
    central = set(np.unique(strip)) - {0}
    if not central:
        return None
    largest = max(stats[c, cv2.CC_STAT_AREA] for c in central)
    xs0, ys0, xs1, ys1 = [], [], [], []
    for c in central:
        if stats[c, cv2.CC_STAT_AREA] < 0.15 * largest:
            continue
        sx, sy, sw, sh = stats[c, :4]
        xs0.append(sx), ys0.append(sy), xs1.append(sx + sw), ys1.append(sy + sh)
    tight = (x0 + min(xs0), y0 + min(ys0), x0 + max(xs1), y0 + max(ys1))
    if tight[3] - tight[1] < MIN_HEIGHT or (tight[3] - tight[1]) < 1.2 * (tight[2] - tight[0]):
        return None  # not person-shaped: a fragment, or a car's edge
    return tight


def label_frame(args):
    """Worker: (frame index, frame, background) -> (index, [(box, weight)]) after tightening."""
    index, frame, background = args
    mask = foreground_mask(frame, background)
    found = []
    for box, weight in hog_people(frame):
        tight = tighten(box, weight, mask)
        if tight is not None:
            found.append((tight, weight))
    # Tightening can make two windows on one person into the same box.
    found.sort(key=lambda bw: -bw[1])
    kept = []
    for box, weight in found:
        if all(iou(box, k[0]) < 0.5 for k in kept):
            kept.append((box, weight))
    return index, kept


def link_tracks(per_frame, order, max_gap):
    """Greedy IoU tracking over the labelled frames in time order.

    per_frame: {frame index: [(box, weight)]}; order: the labelled frame indices ascending. Returns
    tracks as lists of (position in order, box)."""
    tracks, active = [], []
    for pos, index in enumerate(order):
        unmatched = list(per_frame[index])
        for track in sorted(active, key=lambda t: -len(t)):
            last_pos, last_box = track[-1]
            if pos - last_pos > max_gap + 1 or not unmatched:
                continue
            best = max(unmatched, key=lambda bw: iou(last_box, bw[0]))
            if iou(last_box, best[0]) >= TRACK_IOU:
                track.append((pos, best[0]))
                unmatched.remove(best)
        for box, _ in unmatched:
            track = [(pos, box)]
            tracks.append(track)
            active.append(track)
        active = [t for t in active if pos - t[-1][0] <= max_gap + 1]
    return tracks


def consistent_labels(per_frame, order, min_track, max_gap):
    """Temporal consistency: {frame index: [box]} from tracks of >= min_track detections, with gaps
    of up to max_gap labelled frames filled by linear interpolation between the track's neighbours."""
    out = {index: [] for index in order}
    for track in link_tracks(per_frame, order, max_gap):
        if len(track) < min_track:
            continue
        for (p0, b0), (p1, b1) in zip(track, track[1:]):
            out[order[p0]].append(b0)
            for p in range(p0 + 1, p1):
                t = (p - p0) / (p1 - p0)
                out[order[p]].append(tuple(a + t * (b - a) for a, b in zip(b0, b1)))
        out[order[track[-1][0]]].append(track[-1][1])
    return out


def yolo_rows(boxes, width, height):
    """YOLO label text: one "0 cx cy w h" row per box, normalised to the frame and clipped to it."""
    rows = []
    for x0, y0, x1, y1 in boxes:
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        rows.append(f"0 {(x0 + x1) / 2 / width:.6f} {(y0 + y1) / 2 / height:.6f} "
                    f"{(x1 - x0) / width:.6f} {(y1 - y0) / height:.6f}")
    return "\n".join(rows) + ("\n" if rows else "")


def frame_name(index):
    """File stem of frame `index`: vtest-000123."""
    return f"vtest-{index:06d}"


def read_checked_names(folder):
    """{frame index: label path} of a folder of hand-checked labels named vtest-NNNNNN.txt; exits on
    any other .txt (a misnamed file would silently leave the evaluation set)."""
    if not os.path.isdir(folder):
        sys.exit(f"street_data: --checked {folder} is not a folder")
    checked = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".txt"):
            continue
        match = re.fullmatch(r"vtest-(\d{6})\.txt", name)
        if not match:
            sys.exit(f"street_data: {os.path.join(folder, name)}: hand-checked labels are named vtest-NNNNNN.txt")
        checked[int(match.group(1))] = os.path.join(folder, name)
    if not checked:
        sys.exit(f"street_data: --checked {folder} holds no vtest-NNNNNN.txt label file")
    return checked


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", required=True, help="vtest.avi (Debian opencv-doc)")
    parser.add_argument("--out", required=True, help="output folder (replaced)")
    parser.add_argument("--checked", help="folder of hand-checked YOLO labels (vtest-NNNNNN.txt)")
    parser.add_argument("--every", type=int, default=2, help="label every N-th frame (default 2)")
    parser.add_argument("--train-end", type=int, default=550, help="frames [0, N) are the training part")
    parser.add_argument("--val-start", type=int, default=600, help="frames [N, end) are the validation part")
    parser.add_argument("--min-track", type=int, default=3, help="detections a track needs to be kept")
    parser.add_argument("--max-gap", type=int, default=2, help="labelled frames a track may miss and be filled")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if not 0 < args.train_end <= args.val_start:
        sys.exit("street_data: need 0 < --train-end <= --val-start (no frame in both parts)")
    if args.every < 1 or args.jobs < 1 or args.min_track < 1 or args.max_gap < 0:
        sys.exit("street_data: --every, --jobs and --min-track must be at least 1, --max-gap at least 0")
    # The output folder is replaced: refuse one this script did not write (--out assets would be lost).
    if os.path.isdir(args.out) and os.listdir(args.out) and not os.path.exists(os.path.join(args.out, "summary.json")):
        sys.exit(f"street_data: {args.out} is not empty and not an earlier output of this script (no summary.json)")
    checked = read_checked_names(args.checked) if args.checked else {}

    start = time.time()
    frames = read_frames(args.video)
    height, width = frames[0].shape[:2]
    if args.val_start >= len(frames):
        sys.exit(f"street_data: --val-start {args.val_start} is past the video's {len(frames)} frames")
    background = np.median(np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames[::4]]), axis=0)
    background = background.astype(np.uint8)

    order = [i for i in range(0, len(frames), args.every) if i < args.train_end or i >= args.val_start]
    outside = [i for i in checked if not args.val_start <= i < len(frames)]
    if outside:
        sys.exit(f"street_data: hand-checked frame {outside[0]} is not in the validation part "
                 f"(frames {args.val_start}-{len(frames) - 1})")
    print(f"[street] {len(frames)} frames {width}x{height}; HOG on {len(order)} of them ({args.jobs} jobs)",
          flush=True)
    per_frame = {}
    with multiprocessing.Pool(args.jobs) as pool:
        for n, (index, found) in enumerate(pool.imap_unordered(label_frame, ((i, frames[i], background) for i in order))):
            per_frame[index] = found
            if (n + 1) % 50 == 0 or n + 1 == len(order):
                print(f"[street] {n + 1}/{len(order)} frames labelled ({time.time() - start:.0f} s)", flush=True)
    # Tracks never cross the gap between the parts: each part is made consistent on its own.
    labels = {}
    for part in ([i for i in order if i < args.train_end], [i for i in order if i >= args.val_start]):
        labels.update(consistent_labels(per_frame, part, args.min_track, args.max_gap))

    shutil.rmtree(args.out, ignore_errors=True)
    counts = {"train": [0, 0], "val": [0, 0]}
    for index in order:
        split = "train" if index < args.train_end else "val"
        for sub in ("images", "labels"):
            os.makedirs(os.path.join(args.out, sub, split), exist_ok=True)
        cv2.imwrite(os.path.join(args.out, "images", split, frame_name(index) + ".jpg"), frames[index],
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
        with open(os.path.join(args.out, "labels", split, frame_name(index) + ".txt"), "w") as f:
            f.write(yolo_rows(labels[index], width, height))
        counts[split][0] += 1
        counts[split][1] += len(labels[index])
    for sub in ("images", "labels"):
        os.makedirs(os.path.join(args.out, "checked", sub), exist_ok=True)
    for index, path in sorted(checked.items()):
        cv2.imwrite(os.path.join(args.out, "checked", "images", frame_name(index) + ".jpg"), frames[index],
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
        shutil.copy(path, os.path.join(args.out, "checked", "labels", frame_name(index) + ".txt"))
    for folder in (args.out, os.path.join(args.out, "checked")):
        with open(os.path.join(folder, "data.yaml"), "w") as f:
            f.write("# DeadZone street footage (scripts/street_data.py): one class\nnc: 1\nnames: [person]\n")
    summary = {
        "video": os.path.basename(args.video), "frames": len(frames), "size": [width, height],
        "every": args.every, "train_frames": [0, args.train_end], "val_frames": [args.val_start, len(frames)],
        "train": {"images": counts["train"][0], "boxes": counts["train"][1]},
        "val": {"images": counts["val"][0], "boxes": counts["val"][1]},
        "checked": {"images": len(checked)},
        "labeller": {"hog_scales": HOG_SCALES, "hog_min_weight": HOG_MIN_WEIGHT, "fg_threshold": FG_THRESHOLD,
                     "min_track": args.min_track, "max_gap": args.max_gap},
        "seconds": round(time.time() - start, 1),
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(f"[street] train {counts['train'][0]} frames / {counts['train'][1]} boxes, val {counts['val'][0]} / "
          f"{counts['val'][1]}, hand-checked {len(checked)}; {summary['seconds']} s -> {args.out}", flush=True)


if __name__ == "__main__":
    main()
