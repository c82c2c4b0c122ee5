#!/usr/bin/python3
"""Tests of scripts/street_data.py, the street footage's automatic labeller (run by ctest with Debian's
python3-opencv): the temporal consistency (flicker dropped, short gaps filled by interpolation, long
gaps split), the tightening of a HOG window to the moving pixels, the YOLO rows, and the whole script
on a small generated video (the split by time, the hand-checked frames, refused arguments).

Usage: street_data_test.py SCRATCH_DIR
"""
import os
import subprocess
import sys
import unittest

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "street_data.py")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import street_data  # noqa: E402

SCRATCH = sys.argv.pop(1) if len(sys.argv) > 1 else "/tmp/street_data_test"


def box_at(x, y=100.0, w=20.0, h=60.0):
    return (x, y, x + w, y + h)


class TemporalConsistency(unittest.TestCase):
    def test_flicker_is_dropped_and_a_short_gap_is_filled_by_interpolation(self):
        order = list(range(10))
        per_frame = {i: [] for i in order}
        for i in order:
            if i not in (4, 5):  # the walker is missed in two frames
                per_frame[i].append((box_at(100 + 3 * i), 1.0))
        per_frame[7].append((box_at(400), 0.5))  # seen once: flicker
        labels = street_data.consistent_labels(per_frame, order, min_track=3, max_gap=2)
        for i in order:
            self.assertEqual(len(labels[i]), 1, f"frame {i}: {labels[i]}")
            for got, want in zip(labels[i][0], box_at(100 + 3 * i)):
                self.assertAlmostEqual(got, want, places=6, msg=f"frame {i}")

    def test_a_gap_longer_than_max_gap_splits_the_track_and_short_pieces_are_dropped(self):
        order = list(range(10))
        per_frame = {i: [] for i in order}
        for i in (0, 1, 5, 6, 7):  # 3 missed frames between the pieces
            per_frame[i].append((box_at(100 + i), 1.0))
        labels = street_data.consistent_labels(per_frame, order, min_track=3, max_gap=2)
        self.assertEqual([len(labels[i]) for i in order], [0, 0, 0, 0, 0, 1, 1, 1, 0, 0])

    def test_two_people_side_by_side_stay_two_tracks(self):
        order = list(range(6))
        per_frame = {i: [(box_at(100 + 2 * i), 1.0), (box_at(200 - 2 * i), 0.8)] for i in order}
        labels = street_data.consistent_labels(per_frame, order, min_track=3, max_gap=2)
        for i in order:
            self.assertEqual(sorted(b[0] for b in labels[i]), [100 + 2 * i, 200 - 2 * i])


class Tightening(unittest.TestCase):
    def setUp(self):
        self.mask = np.zeros((200, 300), np.uint8)

    def test_a_window_shrinks_to_the_blob_under_its_centre_not_a_neighbour_at_its_edge(self):
        self.mask[40:110, 122:142] = 1  # the person: 20 x 70 px, in the window's middle
        self.mask[60:110, 100:106] = 1  # a neighbour's arm at the window's left edge
        self.assertEqual(street_data.tighten((100, 30, 164, 158), 0.5, self.mask), (122, 40, 142, 110))

    def test_a_still_window_is_kept_only_when_hog_is_confident(self):
        window = (100, 30, 164, 158)
        self.assertIsNone(street_data.tighten(window, street_data.HOG_CONFIDENT - 0.1, self.mask))
        x0, y0, x1, y1 = street_data.tighten(window, street_data.HOG_CONFIDENT + 0.1, self.mask)
        self.assertTrue(100 < x0 < x1 < 164 and 30 < y0 < y1 < 158)

    def test_a_wide_blob_is_not_a_person(self):
        self.mask[80:110, 100:164] = 1  # a car's edge: wider than tall
        self.assertIsNone(street_data.tighten((100, 30, 164, 158), 0.5, self.mask))


class YoloRows(unittest.TestCase):
    def test_rows_are_normalised_and_clipped_and_slivers_dropped(self):
        text = street_data.yolo_rows([(-10, 0, 30, 100), (50, 50, 51, 80), (700, 500, 800, 600)], 768, 576)
        rows = [list(map(float, r.split())) for r in text.strip().split("\n")]
        self.assertEqual(len(rows), 2)  # the 1-px sliver is gone
        np.testing.assert_allclose(rows[0], [0, 15 / 768, 50 / 576, 30 / 768, 100 / 576], atol=1e-6)
        np.testing.assert_allclose(rows[1], [0, 734 / 768, 538 / 576, 68 / 768, 76 / 576], atol=1e-6)
        self.assertEqual(street_data.yolo_rows([], 768, 576), "")


class WholeScript(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(SCRATCH, exist_ok=True)
        cls.video = os.path.join(SCRATCH, "walk.avi")
        writer = cv2.VideoWriter(cls.video, cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
        for i in range(12):
            frame = np.full((120, 160, 3), 90, np.uint8)
            cv2.rectangle(frame, (10 + 8 * i, 30), (22 + 8 * i, 80), (20, 20, 20), -1)
            writer.write(frame)
        writer.release()
        cls.checked = os.path.join(SCRATCH, "checked")
        os.makedirs(cls.checked, exist_ok=True)
        with open(os.path.join(cls.checked, "vtest-000010.txt"), "w") as f:
            f.write("0 0.5 0.5 0.1 0.4\n")

    def run_script(self, *args):
        return subprocess.run([sys.executable, SCRIPT, "--video", self.video, "--jobs", "1", *args],
                              capture_output=True, text=True)

    def test_frames_are_split_by_time_with_the_checked_frames_apart(self):
        out = os.path.join(SCRATCH, "out")
        r = self.run_script("--out", out, "--every", "1", "--train-end", "6", "--val-start", "8",
                            "--checked", self.checked)
        self.assertEqual(r.returncode, 0, r.stderr)
        names = lambda d: sorted(os.listdir(os.path.join(out, d)))  # noqa: E731
        self.assertEqual(names("images/train"), [f"vtest-{i:06d}.jpg" for i in range(6)])
        self.assertEqual(names("images/val"), [f"vtest-{i:06d}.jpg" for i in range(8, 12)])
        self.assertEqual(names("labels/train"), [f"vtest-{i:06d}.txt" for i in range(6)])
        self.assertEqual(names("checked/images"), ["vtest-000010.jpg"])
        with open(os.path.join(out, "checked/labels/vtest-000010.txt")) as f:
            self.assertEqual(f.read(), "0 0.5 0.5 0.1 0.4\n")
        with open(os.path.join(out, "data.yaml")) as f:
            self.assertIn("names: [person]", f.read())
        self.assertEqual(cv2.imread(os.path.join(out, "images/val/vtest-000008.jpg")).shape, (120, 160, 3))

    def test_refused_arguments_say_why(self):
        out = os.path.join(SCRATCH, "refused")
        r = self.run_script("--out", out, "--train-end", "9", "--val-start", "8")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--train-end", r.stderr)
        r = self.run_script("--out", out, "--train-end", "6", "--val-start", "11", "--checked", self.checked)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("hand-checked frame 10 is not in the validation part", r.stderr)
        r = subprocess.run([sys.executable, SCRIPT, "--video", os.path.join(SCRATCH, "missing.avi"), "--out", out],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("cannot open video", r.stderr)
        misnamed = os.path.join(SCRATCH, "misnamed")
        os.makedirs(misnamed, exist_ok=True)
        open(os.path.join(misnamed, "vtest-12.txt"), "w").close()
        r = self.run_script("--out", out, "--checked", misnamed)
        self.assertIn("hand-checked labels are named vtest-NNNNNN.txt", r.stderr)
        empty = os.path.join(SCRATCH, "empty")
        os.makedirs(empty, exist_ok=True)
        r = self.run_script("--out", out, "--checked", empty)
        self.assertIn("holds no vtest-NNNNNN.txt label file", r.stderr)
        # A folder it did not write is not replaced.
        foreign = os.path.join(SCRATCH, "foreign")
        os.makedirs(foreign, exist_ok=True)
        open(os.path.join(foreign, "keep.txt"), "w").close()
        r = self.run_script("--out", foreign)
        self.assertIn("not an earlier output of this script", r.stderr)
        self.assertTrue(os.path.exists(os.path.join(foreign, "keep.txt")))


if __name__ == "__main__":
    unittest.main()
